import { ConfigError, type StoreRemoval } from '@sessionkit/core'
import { z } from 'zod'

/** Why the memory store removed a session on its own. */
export type MemoryStoreEvent = 'evicted' | 'expired'

/**
 * A session the store removed on its own, and why: `capacity` (the least recently used live
 * session made room, event `evicted`) or `expired` (event `expired`). The same shape as core's
 * `StoreRemoval`, which `watchRemovals` hands to the SessionManager.
 */
export type MemoryStoreRemoval = StoreRemoval

/** Receives sessions the store removed on its own. */
export type MemoryStoreListener = (removal: MemoryStoreRemoval) => void

/** Default of {@link MemoryStoreOptions.maxSessions}. */
export const DEFAULT_MAX_SESSIONS = 10_000

/** Options of `new MemoryStore(options)`. All optional. */
export interface MemoryStoreOptions {
  /**
   * The most sessions held at once. Inserting beyond it first drops an expired session if one
   * is due, otherwise the least recently used live one, reported as `evicted`. Default 10 000;
   * `Infinity` for no bound (memory then grows with your sessions).
   * @example new MemoryStore({ maxSessions: 50_000 })
   */
  maxSessions?: number
  /**
   * Removes expired sessions every this many milliseconds in the background (reported as
   * `expired`). Default 0: off, because the SessionManager's own cleanup calls `purgeExpired`
   * and emits the events. The timer never keeps the process alive.
   * @example new MemoryStore({ sweepIntervalMs: 60_000 })
   */
  sweepIntervalMs?: number
  /**
   * Called for each live session dropped to respect `maxSessions` (same as
   * `store.on('evicted', listener)`).
   * @example new MemoryStore({ onEvict: ({ id, userId }) => log.info({ id, userId }, 'evicted') })
   */
  onEvict?: MemoryStoreListener
  /**
   * The clock for lock ttls and the background sweep (session calls use the `now` they are
   * given). Default `Date.now`.
   */
  now?: () => number
}

const fn = <T>() => z.custom<T>((v) => typeof v === 'function', { error: 'must be a function' })

const schema = z
  .object({
    // z.number() refuses Infinity, which is a meaningful value here ("no bound").
    maxSessions: z
      .custom<number>((v) => v === Infinity || (Number.isInteger(v) && (v as number) >= 1), {
        error: 'must be a whole number of at least 1, or Infinity',
      })
      .default(DEFAULT_MAX_SESSIONS),
    sweepIntervalMs: z.number({ error: 'must be a number' }).int('must be whole milliseconds').min(0, 'must be 0 (off) or more').default(0),
    onEvict: fn<MemoryStoreListener>().optional(),
    now: fn<() => number>().optional(),
  })
  .strict()

/** The options with defaults applied. */
export type ResolvedMemoryStoreOptions = z.output<typeof schema>

/**
 * Validates options at construction; a bad one throws `ConfigError` naming it.
 * @example parseMemoryStoreOptions({ maxSessions: 0 }) // ConfigError: maxSessions: must be a whole number…
 */
export function parseMemoryStoreOptions(input: unknown): ResolvedMemoryStoreOptions {
  const result = schema.safeParse(input ?? {})
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  if (issue.code === 'unrecognized_keys') throw new ConfigError(issue.keys[0] ?? '', 'is not a known option (check the spelling)')
  throw new ConfigError(issue.path.join('.') || 'options', issue.message)
}
