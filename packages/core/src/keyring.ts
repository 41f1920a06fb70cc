import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomFillSync } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { ConfigError, DecryptionError } from './errors'

/**
 * AES-256-GCM with a keyring (DESIGN §5). The first key seals, every key opens, so rotation is
 * "put the new key first". The session id and key id are authenticated as associated data, so
 * a ciphertext moved to another session does not open.
 *
 * Envelope: `sk1.<keyId>.<iv>.<ciphertext>.<tag>`, each part base64url.
 */
const VERSION = 'sk1'
const PREFIX = `${VERSION}.`
const IV_BYTES = 12
const TAG_BYTES = 16

/** Defaults of the open cache: small sessions cost a few hundred bytes each. */
export const OPEN_CACHE_DEFAULTS = { maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 } as const

interface KeyringKey {
  id: string
  key: Buffer
  /** `sk1.<keyId>.`, the start of every envelope this key seals. */
  prefix: string
}

/**
 * How the keyring remembers recently opened envelopes.
 * `false` turns the cache off: every `open` runs AES-GCM.
 */
export type OpenCacheOptions = false | { maxEntries?: number; maxBytes?: number }

export interface KeyringOptions {
  /** The option path named in configuration errors. Default `encryption.keys`. */
  option?: string
  /**
   * Remember the plaintext of the envelopes this keyring sealed or opened, keyed by the exact
   * envelope text and bound to the session id, so reading an unchanged session again skips
   * AES-GCM. Bounded in entries and in bytes (two per character of the envelope, the plaintext
   * and the session id), least recently used out first. Default `{ maxEntries: 10000, maxBytes: 8 MiB }`.
   * @example { openCache: false } // decrypted data never outlives the call that needed it
   */
  openCache?: OpenCacheOptions
}

interface CachedOpen {
  sessionId: string
  plaintext: string
}

/**
 * Plaintexts of envelopes that authenticated, by envelope text (lru-cache, bounded in entries
 * and in bytes). Only an exact, byte-for-byte repeat of an envelope that opened (or that this
 * keyring sealed) for the same session id hits; anything else, a single changed character
 * included, is a miss and goes through AES-GCM.
 */
class OpenCache {
  private readonly entries: LRUCache<string, CachedOpen>

  constructor(maxEntries: number, maxBytes: number) {
    this.entries = new LRUCache<string, CachedOpen>({
      max: maxEntries,
      maxSize: maxBytes,
      // An upper bound of what the strings hold (V8 stores a character in one or two bytes).
      sizeCalculation: (entry, sealed) => 2 * (sealed.length + entry.plaintext.length + entry.sessionId.length),
    })
  }

  get(sealed: string, sessionId: string): string | undefined {
    const hit = this.entries.get(sealed)
    return hit !== undefined && hit.sessionId === sessionId ? hit.plaintext : undefined
  }

  set(sealed: string, sessionId: string, plaintext: string): void {
    // An entry larger than the whole budget is not kept, and pushes nothing else out.
    this.entries.set(sealed, { sessionId, plaintext })
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.calculatedSize }
  }
}

/**
 * IVs come from a pool of CSPRNG bytes filled 256 IVs at a time (as Node's own `randomUUID`
 * caches its randomness): one `randomBytes` call per seal cost as much as the encryption itself.
 * Every 12-byte slice is handed out once and used synchronously before the pool is refilled.
 */
const ivPool = Buffer.alloc(IV_BYTES * 256)
let ivOffset = ivPool.length

function nextIv(): Buffer {
  if (ivOffset === ivPool.length) {
    randomFillSync(ivPool)
    ivOffset = 0
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES)
  ivOffset += IV_BYTES
  return iv
}

/** Decodes one configured key to 32 bytes, or explains why it cannot be one. */
export function decodeKey(input: string, option: string): Buffer {
  if (typeof input !== 'string' || input.length === 0) throw new ConfigError(option, 'must be a non-empty string')
  if (/^[0-9a-fA-F]{64}$/.test(input)) return Buffer.from(input, 'hex')
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(input)) {
    const bytes = Buffer.from(input.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (bytes.length === 32) return bytes
  }
  if (input.length >= 32) {
    // A passphrase-like secret: stretched to 32 bytes with HKDF-SHA256. Domain-separated so the
    // same secret used elsewhere in the app does not yield the same key.
    return Buffer.from(hkdfSync('sha256', input, 'sessionkit/v1', 'session-encryption-key', 32))
  }
  throw new ConfigError(
    option,
    'must be 32 bytes as base64 or hex, or a secret of at least 32 characters (e.g. `openssl rand -base64 32`)',
  )
}

function keyId(key: Buffer): string {
  // Names the key without revealing it: a truncated hash, domain-separated.
  return createHash('sha256').update('sessionkit-key-id').update(key).digest('base64url').slice(0, 8)
}

function aad(sessionId: string, kid: string): Buffer {
  return Buffer.from(`${VERSION}|${sessionId}|${kid}`, 'utf8')
}

/**
 * Decodes one base64url part, or null unless `text` is the canonical spelling of the bytes.
 * Node's decoder skips characters outside the alphabet and ignores trailing bits, so a damaged
 * envelope could decode to the original bytes; only the canonical spelling opens, so every
 * change to the stored text is rejected, not just those that reach the ciphertext.
 */
function canonical(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : null
}

function cacheFrom(options: OpenCacheOptions | undefined, option: string): OpenCache | null {
  if (options === false) return null
  const maxEntries = options?.maxEntries ?? OPEN_CACHE_DEFAULTS.maxEntries
  const maxBytes = options?.maxBytes ?? OPEN_CACHE_DEFAULTS.maxBytes
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new ConfigError(`${option}.maxEntries`, 'must be a whole number of at least 1')
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new ConfigError(`${option}.maxBytes`, 'must be a whole number of bytes, at least 1')
  return new OpenCache(maxEntries, maxBytes)
}

/**
 * Seals and opens session payloads.
 * @example
 * const keyring = new Keyring([process.env.SESSION_KEY!, process.env.OLD_SESSION_KEY!])
 * const sealed = keyring.seal(sessionId, JSON.stringify(data))
 * keyring.open(sessionId, sealed) // the JSON string
 */
export class Keyring {
  private readonly keys: KeyringKey[]
  private readonly byId: Map<string, KeyringKey>
  private readonly cache: OpenCache | null

  /** `options` may also be the option path alone (the former second parameter). */
  constructor(keys: readonly string[], options: KeyringOptions | string = {}) {
    const { option = 'encryption.keys', openCache } = typeof options === 'string' ? { option: options } : options
    if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError(option, 'must hold at least one key')
    this.keys = keys.map((k, i) => {
      const key = decodeKey(k, `${option}[${i}]`)
      const id = keyId(key)
      return { id, key, prefix: `${PREFIX}${id}.` }
    })
    this.byId = new Map()
    for (const [i, k] of this.keys.entries()) {
      if (this.byId.has(k.id)) throw new ConfigError(`${option}[${i}]`, 'is the same key as an earlier entry')
      this.byId.set(k.id, k)
    }
    this.cache = cacheFrom(openCache, option.replace(/keys$/, 'openCache'))
  }

  /** The id of the key that seals new payloads. */
  get primaryKeyId(): string {
    return this.keys[0]!.id
  }

  /** What the open cache holds now (`null` when it is off); the bytes are the bound it counts. */
  get openCacheSize(): { entries: number; bytes: number } | null {
    return this.cache?.size ?? null
  }

  /** True when `sealed` was sealed with a key other than the primary (reseal it on next write). */
  needsReseal(sealed: string): boolean {
    return !sealed.startsWith(this.keys[0]!.prefix)
  }

  /** Encrypts `plaintext` for `sessionId` with the primary key and a fresh random IV. */
  seal(sessionId: string, plaintext: string): string {
    const { id, key, prefix } = this.keys[0]!
    const iv = nextIv()
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(aad(sessionId, id))
    const head = cipher.update(plaintext, 'utf8')
    const tail = cipher.final() // empty for GCM, a stream mode; kept in case that ever changes
    const body = tail.length === 0 ? head : Buffer.concat([head, tail])
    const sealed = `${prefix}${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`
    // What is stored is exactly this text, so the next read of it needs no decryption.
    this.cache?.set(sealed, sessionId, plaintext)
    return sealed
  }

  /** Decrypts a sealed payload of `sessionId`; throws `DecryptionError` saying why, never what. */
  open(sessionId: string, sealed: string): string {
    const cached = this.cache?.get(sealed, sessionId)
    if (cached !== undefined) return cached
    // Five dot-separated parts, found without splitting into an array.
    const a = sealed.startsWith(PREFIX) ? PREFIX.length - 1 : -1
    const b = a < 0 ? -1 : sealed.indexOf('.', a + 1)
    const c = b < 0 ? -1 : sealed.indexOf('.', b + 1)
    const d = c < 0 ? -1 : sealed.indexOf('.', c + 1)
    if (d < 0 || sealed.indexOf('.', d + 1) >= 0) {
      throw new DecryptionError(sessionId, 'payload is not a sealed envelope (encryption turned on over plaintext records?)')
    }
    const kid = sealed.slice(a + 1, b)
    const entry = this.byId.get(kid)
    if (!entry) throw new DecryptionError(sessionId, 'payload was sealed with a key that is not in the keyring')
    const iv = canonical(sealed.slice(b + 1, c))
    const body = canonical(sealed.slice(c + 1, d))
    const tag = canonical(sealed.slice(d + 1))
    if (iv === null || body === null || tag === null || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new DecryptionError(sessionId, 'payload envelope is truncated or malformed')
    }
    let plaintext: string
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES })
      decipher.setAAD(aad(sessionId, kid))
      decipher.setAuthTag(tag)
      const head = decipher.update(body)
      const tail = decipher.final() // verifies the tag; throws on any mismatch
      plaintext = (tail.length === 0 ? head : Buffer.concat([head, tail])).toString('utf8')
    } catch (cause) {
      throw new DecryptionError(
        sessionId,
        'payload failed authentication: tampered, moved from another session, or the key changed',
        { cause },
      )
    }
    this.cache?.set(sealed, sessionId, plaintext)
    return plaintext
  }
}
