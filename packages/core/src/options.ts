import { z } from 'zod'
import { ConfigError } from './errors'
import type { ExpirationOptions } from './expiration'
import type { OpenCacheOptions } from './keyring'
import type { SessionStore } from './store'

/**
 * SessionManager options, validated at construction (zod) so a mistake fails at start-up with
 * a message naming the option, not at the first request.
 */
export interface SessionManagerOptions {
  /** Where records live: `MemoryStore`, `RedisStore`, `UpstashStore`, `ZeroDbStore` or your own. */
  store: SessionStore
  /**
   * How sessions expire (seconds). Default: hybrid, 30 min idle, 24 h absolute.
   * @example { strategy: 'sliding', ttl: 3600 }
   */
  expiration?: ExpirationOptions
  /**
   * Seconds: persist an access (slide the expiry) only when at least this long has passed since
   * the last persisted one. Cuts writes on busy sessions; reads stay correct. Default: a tenth of
   * the idle ttl, at most 60 (so a session expires between 29 and 30 idle minutes with the
   * default 30). `0` writes every access, which on Redis costs a script per read instead of a
   * `GET` (see the README's performance section).
   */
  touchAfter?: number
  /**
   * AES-256-GCM for everything the store holds about a session (data and metadata).
   * Keys: 32 bytes as base64 or hex, or a secret of at least 32 characters. The first seals.
   * `openCache` remembers the plaintext of envelopes sealed or opened recently (bound to their
   * session id), so reading an unchanged session again skips AES; `false` turns it off.
   * Default `{ maxEntries: 10000, maxBytes: 8388608 }`.
   * @example { keys: [process.env.SESSION_KEY!, process.env.PREVIOUS_SESSION_KEY!] }
   * @example { keys: [process.env.SESSION_KEY!], openCache: false }
   */
  encryption?: { keys: string[]; openCache?: OpenCacheOptions }
  /** Oldest sessions of a user are evicted beyond this many. Default: unlimited. */
  maxSessionsPerUser?: number
  concurrency?: {
    /** Compare-and-set retries of `update` before a `ConflictError`. Default 16. */
    maxRetries?: number
    /** Run every `update` under `withLock` (mutual exclusion) instead of optimistic retries. Default false. */
    enableLocking?: boolean
    /** Milliseconds a lock lives if never released. Default 10000. */
    lockTtl?: number
    /** Milliseconds `withLock` waits for a held lock before `LockTimeoutError`. Default 5000. */
    lockWait?: number
  }
  /** Seconds between automatic `cleanup()` runs on an unref'd timer; `false` turns it off. Default 300. */
  cleanupInterval?: number | false
  /** The clock, epoch milliseconds. Inject one in tests instead of sleeping. Default `Date.now`. */
  now?: () => number
}

const STORE_METHODS = [
  'insert', 'get', 'touch', 'replace', 'delete', 'listByUser', 'deleteByUser', 'scan', 'purgeExpired',
  'acquireLock', 'releaseLock', 'close',
] as const

const seconds = z.number({ error: 'must be a number of seconds' }).finite().positive('must be a positive number of seconds')
const millis = z.number({ error: 'must be a number of milliseconds' }).int('must be a whole number of milliseconds').positive('must be positive')

const schema = z.strictObject({
  store: z.custom<SessionStore>(
    (v) => typeof v === 'object' && v !== null && STORE_METHODS.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    { error: `must be a SessionStore (an object with ${STORE_METHODS.join(', ')})` },
  ),
  expiration: z
    .discriminatedUnion(
      'strategy',
      [
        z.strictObject({ strategy: z.literal('fixed'), ttl: seconds }),
        z.strictObject({ strategy: z.literal('sliding'), ttl: seconds }),
        z
          .strictObject({ strategy: z.literal('hybrid'), idleTtl: seconds, absoluteTtl: seconds })
          .refine((o) => o.idleTtl <= o.absoluteTtl, { error: 'idleTtl must not exceed absoluteTtl', path: ['idleTtl'] }),
      ],
      { error: "strategy must be 'fixed', 'sliding' or 'hybrid'" },
    )
    .optional(),
  touchAfter: z.number({ error: 'must be a number of seconds' }).finite().nonnegative('must be zero or more seconds').optional(),
  encryption: z
    .strictObject({
      keys: z.array(z.string({ error: 'each key must be a string' }), { error: 'must be an array of keys' }).min(1, 'must hold at least one key'),
      openCache: z
        .union(
          [
            z.literal(false),
            z.strictObject({
              // refine, not .int(): inside a union an .int() failure reads as "no option matched".
              maxEntries: z.number({ error: 'must be a whole number' }).refine(Number.isInteger, 'must be a whole number').refine((n) => n >= 1, 'must be at least 1').optional(),
              maxBytes: z.number({ error: 'must be a whole number of bytes' }).refine(Number.isInteger, 'must be a whole number of bytes').refine((n) => n >= 1, 'must be at least 1').optional(),
            }),
          ],
          { error: 'must be false or { maxEntries?, maxBytes? }' },
        )
        .optional(),
    })
    .optional(),
  maxSessionsPerUser: z.number({ error: 'must be a whole number' }).int('must be a whole number').positive('must be at least 1').optional(),
  concurrency: z
    .strictObject({
      maxRetries: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(1000, 'must be at most 1000').optional(),
      enableLocking: z.boolean({ error: 'must be true or false' }).optional(),
      lockTtl: millis.optional(),
      lockWait: z.number({ error: 'must be a number of milliseconds' }).int('must be a whole number of milliseconds').nonnegative('must be 0 or more').optional(),
    })
    .optional(),
  cleanupInterval: z.union([seconds, z.literal(false)], { error: 'must be a positive number of seconds or false' }).optional(),
  now: z.custom<() => number>((v) => typeof v === 'function', { error: 'must be a function returning epoch milliseconds' }).optional(),
})

function optionPath(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '')
  return path.length ? path.join('.') : 'options'
}

/**
 * Validates options, throwing `ConfigError` for the first problem, named by its dotted path.
 * @example parseManagerOptions({ store, touchAfter: -1 }) // ConfigError: touchAfter: must be zero or more seconds
 */
export function parseManagerOptions(input: unknown): SessionManagerOptions {
  if (typeof input !== 'object' || input === null) throw new ConfigError('options', 'must be an object with at least `store`')
  const result = schema.safeParse(input)
  if (result.success) return result.data as SessionManagerOptions
  const issue = result.error.issues[0]!
  const message = issue.code === 'unrecognized_keys' ? 'is not a known option (check the spelling)' : issue.message
  throw new ConfigError(optionPath(issue), message, { cause: result.error })
}
