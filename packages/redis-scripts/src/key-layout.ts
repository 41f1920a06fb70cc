/**
 * Where everything lives in Redis. Two kinds of hash tag, so Redis Cluster can spread the data
 * while every atomic step stays inside one slot:
 *
 * - a session bucket `{<prefix>:<bucket>}` holds a session record (`:s:<id>`), its lock
 *   (`:l:<id>`), and the bucket's expiry index (`:x`, a sorted set id → expiresAt), id index
 *   (`:i`, a sorted set of ids for stable, paged scans) and owner map (`:o`, a hash id → userId
 *   of the sessions that have a user, so purge knows whose index entry to remove after Redis'
 *   own expiry dropped a record). The bucket is a hash of the id, so a session is found from its
 *   id alone and every single-session operation is one slot.
 * - a user index `{<prefix>:u:<userId>}`: a sorted set id → createdAt.
 */
export interface KeyLayout {
  /** The namespace every key starts with (inside the hash tag). */
  readonly prefix: string
  /** How many session buckets (hash-tagged slots) sessions are spread over. */
  readonly buckets: number
  /** The bucket of a session id. */
  bucketOf(id: string): number
  /** The session hash. */
  sessionKey(id: string): string
  /** The lock of a session (same slot as the session). */
  lockKey(id: string): string
  /** The expiry index of a bucket: id → expiresAt. */
  expiryIndexKey(bucket: number): string
  /** The id index of a bucket: every id, score 0, ordered by id. */
  idIndexKey(bucket: number): string
  /** The per-user index: id → createdAt. */
  userIndexKey(userId: string): string
}

/** Options of {@link createKeyLayout}. */
export interface KeyLayoutOptions {
  /** Namespace of every key. Default `"sk"`. Must not contain `{` or `}` (it sits inside a hash tag). */
  prefix?: string
  /**
   * Number of session buckets, 1 to 16384. Default 16. Fixed for the life of the data: a
   * different count looks sessions up in other buckets. On Cluster, sessions live in at most this
   * many slots, so raise it (e.g. 256) before spreading sessions over more than ~8 masters.
   */
  buckets?: number
}

/** The default key prefix. */
export const DEFAULT_PREFIX = 'sk'
/** The default number of session buckets. */
export const DEFAULT_BUCKETS = 16

/**
 * The bucket of a session id: a polynomial hash of its UTF-8 bytes. Identical to `bucket_of` in
 * `prelude.lua`, which scripts use to find a user's sessions; never change one without the other.
 * @example bucketOf('abc', 16) // 2
 */
export function bucketOf(id: string, buckets: number): number {
  // Session ids are base64url, so ASCII: their UTF-16 units are their bytes, and nothing needs
  // encoding (this runs for every command). Anything else is hashed over its UTF-8 encoding.
  let h = 0
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    if (c >= 0x80) return bucketOfBytes(utf8.encode(id), buckets)
    h = step(h, c)
  }
  return h % buckets
}

function bucketOfBytes(bytes: Uint8Array, buckets: number): number {
  let h = 0
  for (const byte of bytes) h = step(h, byte)
  return h % buckets
}

const P = 2147483647 // 2^31 - 1, the modulus of the Lua hash
const TWO_31 = 2147483648

/**
 * `(h * 31 + c) % P` for `0 <= h < P` and a byte `c`, without the floating-point `%` (a call
 * into the runtime for numbers past 32 bits, 43 times per session id). P is a Mersenne prime:
 * x = hi * 2^31 + lo is congruent to hi + lo, which is below 2P, so one subtraction finishes.
 */
function step(h: number, c: number): number {
  const x = h * 31 + c
  const hi = Math.floor(x / TWO_31)
  const r = x - hi * TWO_31 + hi
  return r >= P ? r - P : r
}

const utf8 = new TextEncoder()

/**
 * Builds the key layout for a prefix. Pure: no client, no I/O.
 * @example
 * const keys = createKeyLayout({ prefix: 'myapp' })
 * keys.sessionKey(id) // '{myapp:7}:s:<id>'
 */
export function createKeyLayout(options: KeyLayoutOptions = {}): KeyLayout {
  const prefix = options.prefix ?? DEFAULT_PREFIX
  const buckets = options.buckets ?? DEFAULT_BUCKETS
  if (prefix.length === 0 || /[{}]/.test(prefix)) {
    throw new RangeError('prefix: must be a non-empty string without "{" or "}" (it sits inside a Redis Cluster hash tag)')
  }
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 16384) {
    throw new RangeError('buckets: must be an integer from 1 to 16384')
  }
  // Every bucket's key base, built once: keys are made for every command.
  const bases = Array.from({ length: buckets }, (_, bucket) => `{${prefix}:${bucket}}:`)
  const base = (bucket: number) => bases[bucket] ?? `{${prefix}:${bucket}}:`
  return {
    prefix,
    buckets,
    bucketOf: (id) => bucketOf(id, buckets),
    sessionKey: (id) => `${base(bucketOf(id, buckets))}s:${id}`,
    lockKey: (id) => `${base(bucketOf(id, buckets))}l:${id}`,
    expiryIndexKey: (bucket) => `${base(bucket)}x`,
    idIndexKey: (bucket) => `${base(bucket)}i`,
    userIndexKey: (userId) => `{${prefix}:u:${userId}}`,
  }
}
