import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Request } from 'express'
import { ConfigError, StoreUnavailableError } from '@sessionkit/core'
import { SessionRateLimitError } from './http-errors'

/**
 * How many sessions one client may create per window. Backed by `rate-limiter-flexible`:
 * in memory by default, or any of its limiters (e.g. `RateLimiterRedis` on the same Redis as
 * the session store, so the limit holds across instances).
 * @example session({ manager, rateLimit: { points: 10, duration: 60 } })
 * @example session({ manager, rateLimit: { limiter: new RateLimiterRedis({ storeClient: redis, points: 10, duration: 60, keyPrefix: 'sk:new' }) } })
 */
export interface SessionRateLimitOptions {
  /** Sessions a client may create per window (memory limiter). Default 100. */
  points?: number
  /** Window length in seconds (memory limiter). Default 60. */
  duration?: number
  /** Your own limiter; `points` and `duration` are then taken from it. */
  limiter?: RateLimiterAbstract
  /** The client key. Default `req.ip` (set Express's `trust proxy` behind a proxy). */
  key?: (req: Request) => string | undefined
}

/** Consumes one session creation for the request's client, or throws `SessionRateLimitError`. */
export type CreationLimiter = (req: Request) => Promise<void>

/**
 * Builds the creation limiter. A limiter backend that fails (Redis down) fails the creation
 * like the session store would: it is not silently bypassed.
 * @example const limit = creationLimiter({ points: 5 }); await limit(req)
 */
export function creationLimiter(options: SessionRateLimitOptions): CreationLimiter {
  if (!options.limiter) {
    for (const name of ['points', 'duration'] as const) {
      const value = options[name]
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new ConfigError(`rateLimit.${name}`, 'must be a positive whole number')
    }
  }
  const limiter = options.limiter ?? new RateLimiterMemory({ points: options.points ?? 100, duration: options.duration ?? 60 })
  const keyOf = options.key ?? ((req: Request) => req.ip)
  return async (req) => {
    const key = keyOf(req) ?? req.socket.remoteAddress ?? 'unknown'
    try {
      await limiter.consume(key)
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new SessionRateLimitError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)))
      throw new StoreUnavailableError('rate-limiter', 'the session-creation limiter did not answer', { operation: 'rateLimit', cause: rejection })
    }
  }
}
