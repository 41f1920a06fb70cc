import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'
import { ConfigError, DecryptionError } from './errors'

/**
 * AES-256-GCM with a keyring (DESIGN §5). The first key seals, every key opens, so rotation is
 * "put the new key first". The session id and key id are authenticated as associated data, so
 * a ciphertext moved to another session does not open.
 *
 * Envelope: `sk1.<keyId>.<iv>.<ciphertext>.<tag>`, each part base64url.
 */
const VERSION = 'sk1'
const IV_BYTES = 12
const TAG_BYTES = 16

interface KeyringKey {
  id: string
  key: Buffer
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
 * Seals and opens session payloads.
 * @example
 * const keyring = new Keyring([process.env.SESSION_KEY!, process.env.OLD_SESSION_KEY!])
 * const sealed = keyring.seal(sessionId, JSON.stringify(data))
 * keyring.open(sessionId, sealed) // the JSON string
 */
export class Keyring {
  private readonly keys: KeyringKey[]
  private readonly byId: Map<string, KeyringKey>

  constructor(keys: readonly string[], option = 'encryption.keys') {
    if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError(option, 'must hold at least one key')
    this.keys = keys.map((k, i) => {
      const key = decodeKey(k, `${option}[${i}]`)
      return { id: keyId(key), key }
    })
    this.byId = new Map()
    for (const [i, k] of this.keys.entries()) {
      if (this.byId.has(k.id)) throw new ConfigError(`${option}[${i}]`, 'is the same key as an earlier entry')
      this.byId.set(k.id, k)
    }
  }

  /** The id of the key that seals new payloads. */
  get primaryKeyId(): string {
    return this.keys[0]!.id
  }

  /** True when `sealed` was sealed with a key other than the primary (reseal it on next write). */
  needsReseal(sealed: string): boolean {
    return sealed.split('.', 2)[1] !== this.primaryKeyId
  }

  /** Encrypts `plaintext` for `sessionId` with the primary key and a fresh random IV. */
  seal(sessionId: string, plaintext: string): string {
    const { id, key } = this.keys[0]!
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(aad(sessionId, id))
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return `${VERSION}.${id}.${iv.toString('base64url')}.${body.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`
  }

  /** Decrypts a sealed payload of `sessionId`; throws `DecryptionError` saying why, never what. */
  open(sessionId: string, sealed: string): string {
    const parts = sealed.split('.')
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new DecryptionError(sessionId, 'payload is not a sealed envelope (encryption turned on over plaintext records?)')
    }
    const [, kid, ivText, bodyText, tagText] = parts as [string, string, string, string, string]
    const entry = this.byId.get(kid)
    if (!entry) throw new DecryptionError(sessionId, 'payload was sealed with a key that is not in the keyring')
    const iv = Buffer.from(ivText, 'base64url')
    const tag = Buffer.from(tagText, 'base64url')
    const body = Buffer.from(bodyText, 'base64url')
    // Node's base64 decoder skips characters outside the alphabet and ignores trailing bits, so
    // a damaged envelope can decode to the original bytes; only the canonical spelling opens, so
    // every change to the stored text is rejected, not just those that reach the ciphertext.
    if (
      iv.length !== IV_BYTES ||
      tag.length !== TAG_BYTES ||
      iv.toString('base64url') !== ivText ||
      tag.toString('base64url') !== tagText ||
      body.toString('base64url') !== bodyText
    ) {
      throw new DecryptionError(sessionId, 'payload envelope is truncated or malformed')
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES })
      decipher.setAAD(aad(sessionId, kid))
      decipher.setAuthTag(tag)
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
    } catch (cause) {
      throw new DecryptionError(
        sessionId,
        'payload failed authentication: tampered, moved from another session, or the key changed',
        { cause },
      )
    }
  }
}
