import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express'
import { answerFor, sendJson } from './http-errors'

/**
 * An error handler for what session calls in your handlers can throw: store down (503),
 * creation rate limit (429 with Retry-After), write contention beyond the retries (503 with
 * Retry-After). Other errors go on to your own handler. Mount it after your routes. On
 * Express 4, pass rejections to `next` yourself (Express 5 does it for async handlers).
 * @example
 * app.post('/login', async (req, res) => { await req.session.login(user.id); res.json({ ok: true }) })
 * app.use(sessionErrors())
 */
export function sessionErrors(): ErrorRequestHandler {
  return function sessionErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
    const answer = answerFor(error)
    if (!answer || res.headersSent) return next(error)
    sendJson(res, answer.status, answer.body, answer.headers)
  }
}
