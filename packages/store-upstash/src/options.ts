import { ConfigError } from '@sessionkit/core'
import type { Redis } from '@upstash/redis'
import { z } from 'zod'

/** The environment variables `fromEnv` reads (the names the Upstash console and Vercel give them). */
export const ENV_URL = 'UPSTASH_REDIS_REST_URL'
export const ENV_TOKEN = 'UPSTASH_REDIS_REST_TOKEN'

/**
 * How the store reaches Upstash: a REST URL and token (the store builds its own client), an
 * existing `@upstash/redis` client, or the environment.
 * @example { url: 'https://eu1-fine-cat-1234.upstash.io', token: process.env.UPSTASH_REDIS_REST_TOKEN! }
 */
export type UpstashConnection =
  | {
      /** The database's REST URL (`https://…upstash.io`), not its `rediss://` address. */
      url: string
      /** The REST token (not the Redis password). */
      token: string
    }
  | {
      /**
       * A client you built. The store sends its commands through the client's HTTP layer, so its
       * URL, token, retry and keep-alive settings apply, while its `automaticDeserialization`
       * and auto-pipelining do not touch the store's traffic. `close()` leaves it alone.
       */
      client: Redis
    }
  | {
      /** Read `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN` (or Vercel's `KV_REST_API_URL` / `KV_REST_API_TOKEN`). */
      fromEnv: true
    }

/** Store options (the second constructor argument). */
export interface UpstashStoreOptions {
  /**
   * Namespace of every key, so several apps can share a database. Must not contain `{` or `}`.
   * Default `"sk"`.
   */
  prefix?: string
  /**
   * How many buckets (hash-tagged groups) the per-session keys are spread over. Fixed for the
   * life of the data. Default 16.
   */
  buckets?: number
  /**
   * Milliseconds each operation may take, retries included, before it fails with
   * `StoreUnavailableError`. Default 3000.
   */
  timeoutMs?: number
  /**
   * How often the client retries a request whose `fetch` threw (connection refused, reset,
   * dropped), when the store builds the client. Safe for writes: every write is idempotent
   * (see the README). Bounded by `timeoutMs` in any case. Default 2.
   */
  retries?: number
}

/** Options after validation, with defaults applied. */
export interface ResolvedOptions {
  prefix: string | undefined
  buckets: number | undefined
  timeoutMs: number
  retries: number
}

const optionsSchema = z.strictObject({
  prefix: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .refine((p) => !/[{}]/.test(p), 'must not contain "{" or "}" (it sits inside a hash tag)')
    .optional(),
  buckets: z.number({ error: 'must be a number' }).int('must be a whole number').min(1).max(16384).optional(),
  timeoutMs: z.number({ error: 'must be a number of milliseconds' }).int('must be a whole number of milliseconds').positive('must be positive').optional(),
  retries: z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be 0 or more').max(10, 'must be at most 10').optional(),
})

/**
 * Validates the store options; a mistake is a `ConfigError` naming the option.
 * @example resolveOptions({ prefix: 'myapp', timeoutMs: 2000 })
 */
export function resolveOptions(options: UpstashStoreOptions = {}): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    // A misspelt option is reported at the root by zod: name the option itself.
    if (issue.code === 'unrecognized_keys') throw new ConfigError(issue.keys[0] ?? 'options', 'is not a known option (check the spelling)')
    const path = issue.path.length > 0 ? issue.path.join('.') : 'options'
    throw new ConfigError(path, issue.message)
  }
  const { prefix, buckets, timeoutMs = 3000, retries = 2 } = parsed.data
  return { prefix, buckets, timeoutMs, retries }
}
