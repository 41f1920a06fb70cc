import type { RequestHandler } from 'express'
import { session, type SessionMiddlewareOptions } from '@sessionkit/express'
import type { RememberMe, SessionManager } from '@sessionkit/core'
import type { PlaygroundData } from './cart'

/** The playground's session cookie (plain HTTP on localhost, so no `Secure` and no `__Host-`). */
export const COOKIE_NAME = 'playground_sid'
/** The remember-me cookie (set only when "Remember me" is ticked at sign-in). */
export const REMEMBER_COOKIE_NAME = 'playground_remember'

declare module '@sessionkit/express' {
  interface Register {
    manager: SessionManager<PlaygroundData>
  }
}

/**
 * The `@sessionkit/express` middleware for one manager. Every manager of the playground gets
 * its own, with the same cookie, so switching store or strategy is invisible to the browser.
 * @example app.use(sessionLayer(manager))
 */
export function sessionLayer(manager: SessionManager<PlaygroundData>, rememberMe?: RememberMe<PlaygroundData>): RequestHandler {
  const options: SessionMiddlewareOptions<PlaygroundData> = {
    manager,
    ...(rememberMe ? { rememberMe: { manager: rememberMe, cookie: { name: REMEMBER_COOKIE_NAME } } } : {}),
    initialData: () => ({ cart: [] }),
    cookie: { name: COOKIE_NAME, secure: false, hostPrefix: false },
    // Generous: the end-to-end tests sign in many browser contexts from 127.0.0.1.
    rateLimit: { points: 1000, duration: 60 },
  }
  return session(options)
}

/**
 * True when the request came with a session cookie: a request that did, and finds no live
 * session, was signed out (revoked, expired, logged out elsewhere) rather than never signed in.
 * @example if (arrivedWithCookie(req.headers.cookie) && !req.session.exists) res.status(401)
 */
export function arrivedWithCookie(header: string | undefined, name: string = COOKIE_NAME): boolean {
  return header !== undefined && header.split(';').some((part) => part.trim().startsWith(`${name}=`))
}
