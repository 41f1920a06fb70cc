import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { sendJson } from './http-errors'

/**
 * Options of {@link requireSession}.
 * @example app.get('/cart', requireSession({ guests: true }), showCart)
 */
export interface RequireSessionOptions {
  /** Let guest sessions (no user) through too. Default `false`: a signed-in user is required. */
  guests?: boolean
}

/**
 * Answers 401 JSON (`{ "error": "unauthenticated" }`) unless the request has a live session of
 * a signed-in user (or any live session with `{ guests: true }`). Mount after `session()`.
 * @example app.get('/account', requireSession(), (req, res) => res.json({ user: req.session.userId }))
 */
export function requireSession(options: RequireSessionOptions = {}): RequestHandler {
  const guests = options.guests ?? false
  return function requireSessionMiddleware(req: Request, res: Response, next: NextFunction): void {
    const handle = req.session as Request['session'] | undefined
    if (handle === undefined) {
      next(new Error('requireSession() needs the session() middleware mounted before it'))
      return
    }
    if (handle.exists && (guests || handle.userId !== null)) return next()
    sendJson(res, 401, { error: 'unauthenticated', message: 'Sign in to continue.' }, { 'WWW-Authenticate': 'Cookie' })
  }
}
