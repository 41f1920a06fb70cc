import { ConfigError } from '@sessionkit/core'
import { DEFAULT_BUCKETS, DEFAULT_PREFIX } from '@sessionkit/redis-scripts'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { z } from 'zod'

/** Default of {@link RedisStoreOptions.commandTimeout}, in milliseconds. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000

/** Options of the store itself (the rest of the first argument goes to ioredis). */
export interface RedisStoreOptions {
  /**
   * Namespace of every key, inside the Cluster hash tag. Default `"sk"`. No `{` or `}`.
   * @example new RedisStore({ url }, { prefix: 'myapp-sessions' })
   */
  prefix?: string
  /**
   * Every call to Redis is bounded by this many milliseconds; past it the call fails with
   * `StoreUnavailableError` (the app can answer 503). Default 2000.
   * @example new RedisStore({ url }, { commandTimeout: 500 })
   */
  commandTimeout?: number
  /**
   * How many hash-tagged buckets sessions are spread over. Default 16. Fixed for the life of
   * the data (a different count looks in other buckets). On Cluster, sessions live in at most
   * this many slots: raise it (e.g. 256) before spreading sessions over more than ~8 masters.
   * @example new RedisStore({ client: cluster }, { buckets: 256 })
   */
  buckets?: number
  /**
   * Write every command sent in the same turn of the event loop to the socket in one system
   * call (the socket is corked until `setImmediate`). Default `true`: under concurrency it multiplies throughput
   * (see the README). It applies to a standalone or Sentinel client, yours included; a Cluster
   * is never batched. Turn it off to leave a client you share exactly as ioredis drives it.
   * @example new RedisStore({ client: shared }, { batchWrites: false })
   */
  batchWrites?: boolean
}

/**
 * How the store reaches Redis: a URL, an ioredis client or Cluster you created (the store then
 * never closes it), or ioredis options (Sentinel included) for a client the store creates and
 * closes. Store options may sit in the same object.
 * @example
 * new RedisStore({ url: 'redis://127.0.0.1:6379', prefix: 'app' })
 * new RedisStore({ client: new Cluster(nodes) })
 * new RedisStore({ sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster' })
 */
export type RedisConnection = ({ url: string } | { client: Redis | Cluster } | RedisOptions) & RedisStoreOptions

const storeSchema = z
  .object({
    prefix: z
      .string({ error: 'must be a string' })
      .min(1, 'must not be empty')
      .refine((v) => !/[{}]/.test(v), 'must not contain "{" or "}" (it sits inside a Redis Cluster hash tag)')
      .default(DEFAULT_PREFIX),
    commandTimeout: z
      .number({ error: 'must be a number of milliseconds' })
      .int('must be whole milliseconds')
      .min(1, 'must be at least 1 ms')
      .max(600_000, 'must be at most 600000 ms')
      .default(DEFAULT_COMMAND_TIMEOUT_MS),
    buckets: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(16384, 'must be at most 16384 (the number of Cluster slots)')
      .default(DEFAULT_BUCKETS),
    batchWrites: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .strict()

/** Store options with defaults applied. */
export type ResolvedRedisStoreOptions = z.output<typeof storeSchema>

/**
 * Validates the store's own options; a bad one throws `ConfigError` naming it.
 * @example parseStoreOptions({ commandTimeout: 0 }) // ConfigError: commandTimeout: must be at least 1 ms
 */
export function parseStoreOptions(input: RedisStoreOptions): ResolvedRedisStoreOptions {
  const result = storeSchema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  if (issue.code === 'unrecognized_keys') throw new ConfigError(issue.keys[0] ?? '', 'is not a known option')
  throw new ConfigError(issue.path.join('.') || 'options', issue.message)
}

const STORE_KEYS = ['prefix', 'commandTimeout', 'buckets', 'batchWrites'] as const

/**
 * Splits the first constructor argument into the connection and the store options found in it.
 * @example splitConnection({ url, prefix: 'a' }) // { connection: { url }, store: { prefix: 'a' } }
 */
export function splitConnection(input: RedisConnection): { connection: Record<string, unknown>; store: RedisStoreOptions } {
  const connection: Record<string, unknown> = { ...input }
  const store: Record<string, unknown> = {}
  for (const key of STORE_KEYS) {
    if (key in connection) {
      store[key] = connection[key]
      delete connection[key]
    }
  }
  return { connection, store: store as RedisStoreOptions }
}
