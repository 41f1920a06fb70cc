import { parse, serialize, type SerializeOptions } from 'cookie'
import { ConfigError } from '@sessionkit/core'

/**
 * Session cookie settings. Every flag has a safe default and can be overridden.
 * @example session({ manager, cookie: { name: 'app_sid', sameSite: 'strict' } })
 */
export interface SessionCookieOptions {
  /** Cookie name before any prefix. Default `'sid'` (sent as `__Host-sid` when the prefix applies). */
  name?: string
  /** `Secure` flag. Default: on unless `NODE_ENV` is `'development'`. */
  secure?: boolean
  /** `HttpOnly` flag: scripts cannot read the token. Default `true`. */
  httpOnly?: boolean
  /** `SameSite`. Default `'lax'`. `'none'` requires `secure`. */
  sameSite?: 'lax' | 'strict' | 'none'
  /** `Path`. Default `'/'`. */
  path?: string
  /** `Domain`. Default: none (host-only), which the `__Host-` prefix requires. */
  domain?: string
  /**
   * Use the `__Host-` prefix when the cookie is `Secure`, host-only and on `Path=/`, so no
   * subdomain or plain-HTTP page can set or shadow it. Default `true`.
   */
  hostPrefix?: boolean
  /**
   * `true` (default): the cookie carries `Expires` = the session's expiry, so it survives a
   * browser restart exactly as long as the session lives. `false`: a browser-session cookie.
   */
  persistent?: boolean
  /** `Partitioned` (CHIPS). Default `false`. */
  partitioned?: boolean
  /** `Priority`. Default: not sent. */
  priority?: 'low' | 'medium' | 'high'
}

/** The resolved cookie policy: the name as sent and the flags every Set-Cookie carries. */
export interface CookiePolicy {
  readonly name: string
  readonly persistent: boolean
  readonly attributes: Readonly<SerializeOptions>
}

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * Resolves the options into the cookie name and flags, refusing combinations a browser would
 * reject (SameSite=None without Secure, a `__Host-` name with a Domain).
 * @example resolveCookiePolicy({}, 'production').name // '__Host-sid'
 */
export function resolveCookiePolicy(options: SessionCookieOptions = {}, env: string | undefined = process.env.NODE_ENV): CookiePolicy {
  const base = options.name ?? 'sid'
  if (!NAME.test(base)) throw new ConfigError('cookie.name', 'must be a cookie token (letters, digits and !#$%&\'*+-.^_`|~)')
  const secure = options.secure ?? env !== 'development'
  const sameSite = options.sameSite ?? 'lax'
  const path = options.path ?? '/'
  if (sameSite === 'none' && !secure) throw new ConfigError('cookie.sameSite', "'none' requires cookie.secure: browsers drop such cookies")
  if (options.partitioned && !secure) throw new ConfigError('cookie.partitioned', 'requires cookie.secure')
  const hostPrefix = options.hostPrefix ?? true
  if (options.hostPrefix === true && (!secure || options.domain !== undefined || path !== '/')) {
    throw new ConfigError('cookie.hostPrefix', 'the __Host- prefix needs secure: true, no domain and path "/"')
  }
  const prefixed = hostPrefix && secure && options.domain === undefined && path === '/' && !base.startsWith('__')
  const attributes: SerializeOptions = {
    httpOnly: options.httpOnly ?? true,
    secure,
    sameSite,
    path,
    ...(options.domain === undefined ? {} : { domain: options.domain }),
    ...(options.partitioned ? { partitioned: true } : {}),
    ...(options.priority ? { priority: options.priority } : {}),
  }
  return { name: prefixed ? `__Host-${base}` : base, persistent: options.persistent ?? true, attributes }
}

/**
 * The session token from a Cookie header, or `null`. Parsing never throws: a malformed header
 * or value is simply no session (the manager rejects a token of the wrong shape before any
 * store call).
 * @example readSessionCookie('theme=dark; __Host-sid=abc', policy) // 'abc'
 */
export function readSessionCookie(header: string | undefined, policy: CookiePolicy): string | null {
  if (!header || !header.includes(policy.name)) return null
  try {
    return parse(header)[policy.name] ?? null
  } catch {
    return null
  }
}

/**
 * A Set-Cookie value that hands the token to the browser until `expiresAt` (epoch ms).
 * @example res.append('Set-Cookie', sessionCookie(policy, token, session.expiresAt))
 */
export function sessionCookie(policy: CookiePolicy, token: string, expiresAt: number): string {
  return serialize(policy.name, token, policy.persistent ? { ...policy.attributes, expires: new Date(expiresAt) } : policy.attributes)
}

/**
 * A Set-Cookie value that removes the session cookie (same name, path and domain, expired).
 * @example res.append('Set-Cookie', clearedSessionCookie(policy))
 */
export function clearedSessionCookie(policy: CookiePolicy): string {
  return serialize(policy.name, '', { ...policy.attributes, expires: new Date(0), maxAge: 0 })
}
