import type { Request } from 'express'
import { z } from 'zod'
import { ConfigError, type SessionData, type SessionManager } from '@sessionkit/core'
import type { SessionCookieOptions } from './cookie-policy'
import type { RememberMeMiddlewareOptions } from './remember-cookie'
import type { SessionRateLimitOptions } from './rate-limit'

/**
 * Binding a session to the client that created it. On a mismatch the session is revoked (a
 * `revoked` event with reason `binding-mismatch:ip` or `binding-mismatch:user-agent`), the
 * cookie is cleared and the request gets 401 JSON.
 * @example session({ manager, binding: { userAgent: true } })
 */
export interface SessionBindingOptions {
  /** The client IP (`clientIp`, default `req.ip`) must stay the one the session was created from. Default false. */
  ip?: boolean
  /** The `User-Agent` header must stay the one the session was created with. Default false. */
  userAgent?: boolean
}

interface BaseOptions<TData extends SessionData> {
  /** The manager that owns policy and the store. */
  manager: SessionManager<TData>
  /** Cookie name and flags; see {@link SessionCookieOptions}. */
  cookie?: SessionCookieOptions
  /**
   * Limit on sessions one client may create per window (429 with Retry-After), or `false`.
   * Default: 100 per 60 s per `req.ip`, in memory.
   */
  rateLimit?: SessionRateLimitOptions | false
  /**
   * Opt-in remember-me cookie; see {@link RememberMeMiddlewareOptions}. With it,
   * `req.session.login(userId, { remember: true })` issues the cookie and `logout()` forgets it.
   * Default: off.
   */
  rememberMe?: RememberMeMiddlewareOptions<TData>
  /** Revoke a session used from another IP or user agent. Default: off. */
  binding?: SessionBindingOptions
  /** The client IP recorded at creation and checked by `binding.ip`. Default `req.ip`. */
  clientIp?: (req: Request) => string | undefined
  /**
   * The clock used to tell whether this request moved the expiry (and so re-sends the
   * cookie). Pass the manager's clock when you inject one. Default `Date.now`.
   */
  now?: () => number
  /**
   * Called with errors the middleware answered itself at the end of a request (after the
   * handler ran) or could not answer. Default: `console.error` for unexpected ones. Errors never
   * carry a token or session data.
   */
  onError?: (error: unknown, req: Request) => void
}

/**
 * Options of {@link session}. `initialData` (the data of a new guest session) is required
 * when the manager's data type has required keys, and optional (default `{}`) otherwise.
 * @example session({ manager: sessions, initialData: () => ({ cart: [] }) })
 */
export type SessionMiddlewareOptions<TData extends SessionData> = BaseOptions<TData> &
  (Record<string, never> extends TData ? { initialData?: () => TData } : { initialData: () => TData })

const fn = (message: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { error: message })
const positiveInt = z.number({ error: 'must be a positive whole number' }).int('must be a positive whole number').positive('must be a positive whole number')

const schema = z.strictObject({
  manager: z.custom<object>(
    (v) => typeof v === 'object' && v !== null && ['get', 'create', 'update', 'rotate', 'delete'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    { error: 'must be a SessionManager from @sessionkit/core' },
  ),
  cookie: z
    .strictObject({
      name: z.string().min(1).optional(),
      secure: z.boolean().optional(),
      httpOnly: z.boolean().optional(),
      sameSite: z.enum(['lax', 'strict', 'none'], { error: "must be 'lax', 'strict' or 'none'" }).optional(),
      path: z.string().startsWith('/', 'must start with /').optional(),
      domain: z.string().min(1).optional(),
      hostPrefix: z.boolean().optional(),
      persistent: z.boolean().optional(),
      partitioned: z.boolean().optional(),
      priority: z.enum(['low', 'medium', 'high']).optional(),
    })
    .optional(),
  rateLimit: z
    .union([
      z.literal(false),
      z.strictObject({
        points: positiveInt.optional(),
        duration: positiveInt.optional(),
        limiter: z.custom<object>((v) => typeof v === 'object' && v !== null && typeof (v as { consume?: unknown }).consume === 'function', {
          error: 'must be a rate-limiter-flexible limiter',
        }).optional(),
        key: fn('must be a function of the request').optional(),
      }),
    ], { error: 'must be false or { points, duration } or { limiter }' })
    .optional(),
  rememberMe: z
    .strictObject({
      manager: z.custom<object>(
        (v) => typeof v === 'object' && v !== null && ['issue', 'consume', 'forget'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
        { error: 'must be a RememberMe from @sessionkit/core' },
      ),
      cookie: z
        .strictObject({
          name: z.string().min(1).optional(),
          secure: z.boolean().optional(),
          sameSite: z.enum(['lax', 'strict', 'none'], { error: "must be 'lax', 'strict' or 'none'" }).optional(),
          path: z.string().startsWith('/', 'must start with /').optional(),
          domain: z.string().min(1).optional(),
          hostPrefix: z.boolean().optional(),
          partitioned: z.boolean().optional(),
          priority: z.enum(['low', 'medium', 'high']).optional(),
        })
        .optional(),
    })
    .optional(),
  binding: z.strictObject({ ip: z.boolean().optional(), userAgent: z.boolean().optional() }).optional(),
  initialData: fn('must be a function returning the data of a new session').optional(),
  clientIp: fn('must be a function of the request').optional(),
  now: fn('must be a function returning epoch milliseconds').optional(),
  onError: fn('must be a function').optional(),
})

/**
 * Validates the middleware options at start-up, throwing `ConfigError` that names the option.
 * @example parseSessionOptions({ manager, cookie: { sameSite: 'loose' } }) // ConfigError: cookie.sameSite: ...
 */
export function parseSessionOptions<TData extends SessionData>(input: SessionMiddlewareOptions<TData>): SessionMiddlewareOptions<TData> {
  if (typeof input !== 'object' || input === null) throw new ConfigError('options', 'must be an object with at least `manager`')
  const result = schema.safeParse(input)
  if (result.success) return input
  const issue = result.error.issues[0]!
  const path = issue.path.map(String)
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '')
  const message = issue.code === 'unrecognized_keys' ? 'is not a known option (check the spelling)' : issue.message
  throw new ConfigError(path.length ? path.join('.') : 'options', message, { cause: result.error })
}
