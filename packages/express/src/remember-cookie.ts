import type { RememberMe, SessionData } from '@sessionkit/core'
import { resolveCookiePolicy, type CookiePolicy, type SessionCookieOptions } from './cookie-policy'

/**
 * Opt-in remember-me for the middleware: a second, long-lived HttpOnly cookie holding a
 * single-use remember token (see `RememberMe` in `@sessionkit/core`). When a request has no live
 * session but a remember cookie, the middleware consumes it: a new session for the same user
 * and a rotated remember cookie. A replayed cookie revokes the chain and is cleared.
 * @example session({ manager: sessions, rememberMe: { manager: new RememberMe({ sessions, store: rememberStore }) } })
 */
export interface RememberMeMiddlewareOptions<TData extends SessionData> {
  /** The remember-token service; its `sessions` must be the middleware's manager. */
  manager: RememberMe<TData>
  /**
   * Cookie name (default `'remember'`, sent as `__Host-remember` when the prefix applies) and
   * flags; unset flags follow the session cookie's. Always persistent, until the chain's deadline.
   */
  cookie?: Pick<SessionCookieOptions, 'name' | 'secure' | 'sameSite' | 'path' | 'domain' | 'hostPrefix' | 'partitioned' | 'priority'>
}

/** The resolved remember-me settings the handle and the response hook use. */
export interface RememberContext<TData extends SessionData> {
  manager: RememberMe<TData>
  policy: CookiePolicy
}

/**
 * Resolves the remember cookie's policy from its own options over the session cookie's.
 * @example resolveRemember({ manager: rememberMe }, {}) // policy.name === '__Host-remember' in production
 */
export function resolveRemember<TData extends SessionData>(
  options: RememberMeMiddlewareOptions<TData>,
  sessionCookie: SessionCookieOptions = {},
): RememberContext<TData> {
  const { persistent: _persistent, httpOnly: _httpOnly, name: _name, ...shared } = sessionCookie
  const policy = resolveCookiePolicy({ ...shared, ...options.cookie, name: options.cookie?.name ?? 'remember', httpOnly: true, persistent: true })
  return { manager: options.manager, policy }
}
