import type { ServerResponse } from 'node:http'
import { ConflictError, isStoreUnavailable } from '@sessionkit/core'

/**
 * A client created sessions faster than the configured limit. Carries `status` 429 and a
 * `Retry-After` header, so Express's default error handler already answers correctly; the
 * `sessionErrors()` handler answers JSON.
 * @example
 * try { await req.session.login(user.id) } catch (e) { if (e instanceof SessionRateLimitError) res.set('Retry-After', String(e.retryAfter)) }
 */
export class SessionRateLimitError extends Error {
  readonly code = 'RATE_LIMITED'
  readonly status = 429
  readonly statusCode = 429
  readonly expose = true
  /** Whole seconds until the client may create a session again. */
  readonly retryAfter: number
  readonly headers: Readonly<Record<string, string>>

  constructor(retryAfter: number) {
    super(`too many new sessions from this client; retry in ${retryAfter} s`)
    this.name = 'SessionRateLimitError'
    this.retryAfter = retryAfter
    this.headers = { 'Retry-After': String(retryAfter) }
  }
}

/** The JSON answer, status and headers for an error sessionkit knows how to answer, or null. */
export interface ErrorAnswer {
  status: number
  body: { error: string; message: string; retryAfter?: number }
  headers: Record<string, string>
}

/**
 * Maps the errors a session operation can raise to an HTTP answer: store down or slow → 503,
 * rate limited → 429 with Retry-After, too much write contention → 503 with Retry-After.
 * Anything else is `null` (a bug, for the app's own error handler).
 * @example const answer = answerFor(error); if (answer) sendJson(res, answer)
 */
export function answerFor(error: unknown): ErrorAnswer | null {
  if (error instanceof SessionRateLimitError) {
    return {
      status: 429,
      body: { error: 'rate_limited', message: 'Too many new sessions from this client.', retryAfter: error.retryAfter },
      headers: { 'Retry-After': String(error.retryAfter) },
    }
  }
  if (isStoreUnavailable(error)) {
    return { status: 503, body: { error: 'session_store_unavailable', message: 'The session store is unavailable. Try again shortly.' }, headers: {} }
  }
  if (error instanceof ConflictError) {
    return { status: 503, body: { error: 'session_busy', message: 'The session is being changed by many requests at once. Try again.', retryAfter: 1 }, headers: { 'Retry-After': '1' } }
  }
  return null
}

/**
 * Writes a JSON answer with plain Node calls (works on Express 4 and 5 and from inside the
 * response hooks, where `res.json` would re-enter them). Headers the handler had set for the
 * answer it can no longer give are dropped first.
 */
export function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}, end: ServerResponse['end'] = res.end): void {
  for (const name of res.getHeaderNames()) if (name !== 'set-cookie') res.removeHeader(name)
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Content-Length', Buffer.byteLength(text))
  res.setHeader('Cache-Control', 'no-store')
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  ;(end as (this: ServerResponse, chunk: string) => ServerResponse).call(res, text)
}
