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
  /**
   * The Set-Cookie value around the token and the expiry, serialised once by `cookie` at
   * start-up (so the flags are validated there), and the whole value that clears the cookie.
   */
  readonly layout: { readonly beforeExpires: string; readonly afterExpires: string; readonly cleared: string }
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
  const name = prefixed ? `__Host-${base}` : base
  return { name, persistent: options.persistent ?? true, attributes, layout: layoutOf(name, attributes) }
}

/** A token that `serialize` would write unchanged: base64url, as every token core issues is. */
const PLAIN_VALUE = /^[A-Za-z0-9_-]*$/
const SAMPLE_EXPIRES = new Date(0)

/**
 * Splits the Set-Cookie value `cookie` writes for this policy around the value and the
 * `Expires` attribute, so a request only concatenates strings (the flags do not change between
 * requests; serialising them each time was a measurable part of a write request).
 */
function layoutOf(name: string, attributes: SerializeOptions): CookiePolicy['layout'] {
  const head = `${name}=`
  const expires = `; Expires=${SAMPLE_EXPIRES.toUTCString()}`
  const sample = serialize(name, '', { ...attributes, expires: SAMPLE_EXPIRES })
  const at = sample.indexOf(expires)
  if (!sample.startsWith(head) || at === -1) throw new Error('unexpected Set-Cookie layout from the cookie package')
  return {
    beforeExpires: sample.slice(head.length, at),
    afterExpires: sample.slice(at + expires.length),
    cleared: serialize(name, '', { ...attributes, expires: SAMPLE_EXPIRES, maxAge: 0 }),
  }
}

// Responses of the same second share the expiry's HTTP date: format it once per second.
let datedSecond = Number.NaN
let datedText = ''
function httpDate(epochMs: number): string | null {
  const second = Math.floor(epochMs / 1000)
  if (second !== datedSecond) {
    const date = new Date(epochMs)
    if (Number.isNaN(date.valueOf())) return null
    datedSecond = second
    datedText = date.toUTCString()
  }
  return datedText
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
  const { layout } = policy
  if (PLAIN_VALUE.test(token)) {
    if (!policy.persistent) return `${policy.name}=${token}${layout.beforeExpires}${layout.afterExpires}`
    const date = httpDate(expiresAt)
    if (date !== null) return `${policy.name}=${token}${layout.beforeExpires}; Expires=${date}${layout.afterExpires}`
  }
  // Anything else goes through `cookie`, which encodes the value or refuses it.
  return serialize(policy.name, token, policy.persistent ? { ...policy.attributes, expires: new Date(expiresAt) } : policy.attributes)
}

/**
 * A Set-Cookie value that removes the session cookie (same name, path and domain, expired).
 * @example res.append('Set-Cookie', clearedSessionCookie(policy))
 */
export function clearedSessionCookie(policy: CookiePolicy): string {
  return policy.layout.cleared
}
