import { timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { sendJson } from './http-errors'

/**
 * Options of {@link csrf}.
 * @example csrf({ trustedOrigins: ['https://admin.example.com'] })
 */
export interface CsrfOptions {
  /** Other origins (scheme://host[:port]) allowed to send unsafe requests, e.g. a separate front end. */
  trustedOrigins?: string[]
  /** Accept `Sec-Fetch-Site: same-site` (a sibling subdomain). Default `false`. */
  allowSameSite?: boolean
  /** Header that carries the token. Default `'x-csrf-token'`. */
  header?: string
  /** Form field that carries the token (needs a body parser before). Default `'_csrf'`. */
  field?: string
}

/** Why a request was refused; sent as `reason` in the 403 body. */
export type CsrfRefusal = 'cross-site-request' | 'origin-mismatch' | 'missing-token' | 'invalid-token'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/**
 * CSRF protection for unsafe methods (POST, PUT, PATCH, DELETE...), two independent checks,
 * both required, 403 JSON otherwise:
 * 1. Where the request comes from: `Sec-Fetch-Site` must be `same-origin` or `none` (or
 *    `same-site` with `allowSameSite`); without it, `Origin` must be this server's origin or a
 *    trusted one. Requests without either header (non-browser clients) pass this check.
 * 2. When the request carries a session: the session's CSRF token (`req.session.csrfToken()`)
 *    in the `X-CSRF-Token` header or the `_csrf` form field, compared in constant time.
 * Mount after `session()`.
 * @example
 * app.use(session({ manager }), csrf())
 * app.get('/api/csrf', (req, res) => res.json({ token: req.session.csrfToken() }))
 */
export function csrf(options: CsrfOptions = {}): RequestHandler {
  const trusted = new Set((options.trustedOrigins ?? []).map((o) => new URL(o).origin))
  const allowSameSite = options.allowSameSite ?? false
  const header = (options.header ?? 'x-csrf-token').toLowerCase()
  const field = options.field ?? '_csrf'

  return function csrfMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (SAFE_METHODS.has(req.method)) return next()
    const refusal = originRefusal(req, trusted, allowSameSite) ?? tokenRefusal(req, header, field)
    if (refusal === null) return next()
    sendJson(res, 403, { error: 'csrf', reason: refusal, message: 'This request failed the CSRF check.' })
  }
}

function originRefusal(req: Request, trusted: ReadonlySet<string>, allowSameSite: boolean): CsrfRefusal | null {
  const origin = req.headers.origin
  const originTrusted = origin !== undefined && trusted.has(origin)
  const site = req.headers['sec-fetch-site']
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none' || (site === 'same-site' && allowSameSite) || originTrusted) return null
    return 'cross-site-request'
  }
  if (origin === undefined) return null
  if (originTrusted || origin === `${req.protocol}://${req.headers.host ?? ''}`) return null
  return 'origin-mismatch'
}

function tokenRefusal(req: Request, header: string, field: string): CsrfRefusal | null {
  const handle = req.session as Request['session'] | undefined
  const expected = handle?.csrfToken() ?? null
  // No session, nothing to ride on: the origin check above is what stops login CSRF.
  if (expected === null) return null
  const body: unknown = req.body
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined
  const given = req.headers[header] ?? fromBody
  if (typeof given !== 'string' || given.length === 0) return 'missing-token'
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b) ? null : 'invalid-token'
}
