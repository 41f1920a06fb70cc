import type { ServerResponse } from 'node:http'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { Session, SessionData, SessionManager } from '@sessionkit/core'
import { clearedSessionCookie, readSessionCookie, resolveCookiePolicy, sessionCookie, type CookiePolicy } from './cookie-policy'
import { answerFor, sendJson } from './http-errors'
import { parseSessionOptions, type SessionBindingOptions, type SessionMiddlewareOptions } from './options'
import { creationLimiter } from './rate-limit'
import { EndGate, routeEndsThroughGates } from './response-hooks'
import { resolveRemember } from './remember-cookie'
import { SessionHandle, sessionGateOf, type CookieAction, type HandleContext } from './session-handle'
import { attachSession, useSessionSlot } from './session-slot'

/**
 * The session middleware for Express 4 and 5.
 *
 * Per request: reads the token from the cookie (no cookie, or a malformed one: no store call),
 * loads the session in one store round trip (`manager.get`, which also slides the expiry),
 * exposes it as `req.session`, and at the end of the request saves only the top-level keys the
 * request changed, in one compare-and-set round trip merged onto the latest version, before the
 * headers go out. A request that changes nothing writes nothing. A store that is down answers
 * 503 JSON within the store's timeout.
 *
 * @example
 * const sessions = new SessionManager<{ cart: string[] }>({ store: new RedisStore({ url }) })
 * app.use(session({ manager: sessions, initialData: () => ({ cart: [] }) }))
 * app.post('/cart', (req, res) => {
 *   req.session.data.cart.push(req.body.item)
 *   res.json(req.session.data.cart)
 * })
 */
export function session<TData extends SessionData>(options: SessionMiddlewareOptions<TData>): RequestHandler {
  const o = parseSessionOptions(options)
  const manager: SessionManager<TData> = o.manager
  const policy = resolveCookiePolicy(o.cookie)
  const limit = o.rateLimit === false ? null : creationLimiter(o.rateLimit ?? {})
  const now = o.now ?? Date.now
  const ipOf = o.clientIp ?? ((req: Request) => req.ip)
  const binding = o.binding
  const onError = o.onError ?? reportUnexpected
  const remember = o.rememberMe ? resolveRemember(o.rememberMe, o.cookie) : null
  // Once per process: the end-of-request save waits in front of Node's shared `res.end`.
  routeEndsThroughGates(sessionGateOf)
  // Likewise `req.session`: one accessor on Node's request, the handles in a WeakMap.
  useSessionSlot()

  // Built once: a request allocates only its handle and the hooks it turns out to need.
  const ctx: HandleContext<TData> = {
    manager,
    initialData: o.initialData ?? ((): TData => ({}) as TData),
    limit,
    client: (req) => clientInfo(req, ipOf),
    slides: policy.persistent && manager.expiration.strategy !== 'fixed',
    remember,
    rememberTokenOf: (req) => (remember ? readSessionCookie(req.headers.cookie, remember.policy) : null),
    writeCookies: (res, handle) => {
      writeCookie(res, policy, handle.cookieAction())
      if (remember) writeCookie(res, remember.policy, handle.rememberCookieAction())
    },
    endGate: (req, res, handle) =>
      new EndGate(
        () => handle.finish(),
        (error, end, args) => {
          onError(error, req)
          if (res.headersSent) {
            // A streamed response already went out: it can only be finished.
            end.apply(res, args)
            return
          }
          const answer = answerFor(error)
          if (answer) sendJson(res, answer.status, answer.body, answer.headers, end)
          else sendJson(res, 500, { error: 'session_error', message: 'The session could not be saved.' }, {}, end)
        },
      ),
  }

  function attach(req: Request, res: Response, token: string | null, current: Session<TData> | null, startedAt: number): SessionHandle<TData> {
    const handle = new SessionHandle<TData>(ctx, req, res, token, current, startedAt)
    attachSession(req, handle)
    return handle
  }

  /**
   * No live session, but a remember cookie: consume it (single use) for a new session of the
   * same user. A refused or replayed cookie is cleared; the request goes on as a guest.
   */
  async function signInFromRemember(req: Request, res: Response, token: string | null, startedAt: number): Promise<void> {
    const rememberToken = readSessionCookie(req.headers.cookie, remember!.policy)!
    const result = await remember!.manager.consume(rememberToken, { data: () => ctx.initialData(), ...clientInfo(req, ipOf) })
    // A concurrent request of the same browser won the token: this one goes on without a
    // session and leaves both cookies alone (the winner's response sets the new ones).
    const handle = attach(req, res, result.status === 'concurrent' ? null : token, null, startedAt)
    if (result.status === 'ok') handle.adoptRemembered(result.token, result.session, result.remember)
    else if (result.status !== 'concurrent') handle.clearRemember()
  }

  function hasRememberCookie(req: Request): boolean {
    return remember !== null && readSessionCookie(req.headers.cookie, remember.policy) !== null
  }

  /** The client does not match the session's binding: revoke it, clear the cookie, answer 401. */
  async function refuseBinding(res: Response, current: Session<TData>, mismatch: 'ip' | 'user-agent'): Promise<void> {
    await manager.revoke(current.id, `binding-mismatch:${mismatch}`)
    res.setHeader('Set-Cookie', clearedSessionCookie(policy))
    sendJson(res, 401, { error: 'session_binding_mismatch', message: 'This session belongs to another client. Sign in again.' })
  }

  /** The store answered: attach the session and go on (the common path stays synchronous). */
  function loaded(req: Request, res: Response, next: NextFunction, token: string, current: Session<TData> | null, startedAt: number): void {
    try {
      const mismatch = current && binding ? bindingMismatch(current, req, binding, ipOf) : null
      if (current && mismatch) {
        refuseBinding(res, current, mismatch).catch((error: unknown) => fail(res, next, error))
        return
      }
      if (!current && hasRememberCookie(req)) {
        signInFromRemember(req, res, token, startedAt).then(() => next(), (error: unknown) => fail(res, next, error))
        return
      }
      attach(req, res, token, current, startedAt)
      next()
    } catch (error) {
      fail(res, next, error)
    }
  }

  return function sessionMiddleware(req: Request, res: Response, next: NextFunction): void {
    if (req.session instanceof SessionHandle) return next()
    const startedAt = now()
    const token = readSessionCookie(req.headers.cookie, policy)
    if (token === null) {
      if (hasRememberCookie(req)) {
        signInFromRemember(req, res, null, startedAt).then(() => next(), (error: unknown) => fail(res, next, error))
        return
      }
      attach(req, res, null, null, startedAt)
      return next()
    }
    manager.get(token).then(
      (current) => loaded(req, res, next, token, current, startedAt),
      (error: unknown) => fail(res, next, error),
    )
  }
}

function fail(res: Response, next: NextFunction, error: unknown): void {
  const answer = answerFor(error)
  if (answer && !res.headersSent) sendJson(res, answer.status, answer.body, answer.headers)
  else next(error)
}

function clientInfo(req: Request, ipOf: (req: Request) => string | undefined): { ipAddress?: string; userAgent?: string } {
  const ipAddress = ipOf(req)
  const userAgent = req.headers['user-agent']
  return { ...(ipAddress ? { ipAddress } : {}), ...(userAgent ? { userAgent } : {}) }
}

/** Which bound attribute changed, or null. Sessions created without the attribute are not checked on it. */
function bindingMismatch(current: Session<SessionData>, req: Request, binding: SessionBindingOptions, ipOf: (req: Request) => string | undefined): 'ip' | 'user-agent' | null {
  if (binding.ip && current.ipAddress !== null && current.ipAddress !== (ipOf(req) ?? null)) return 'ip'
  if (binding.userAgent && current.userAgent !== null && current.userAgent !== (req.headers['user-agent'] ?? null)) return 'user-agent'
  return null
}

/** Writes the session cookie action into the headers; any Set-Cookie of the app is kept. */
function writeCookie(res: ServerResponse, policy: CookiePolicy, action: CookieAction): void {
  if (action.kind === 'none') return
  const value = action.kind === 'set' ? sessionCookie(policy, action.token, action.expiresAt) : clearedSessionCookie(policy)
  const existing = res.getHeader('Set-Cookie')
  if (existing === undefined) {
    res.setHeader('Set-Cookie', value)
  } else {
    const others = (Array.isArray(existing) ? existing : [String(existing)]).filter((cookie) => !cookie.startsWith(`${policy.name}=`))
    res.setHeader('Set-Cookie', [...others, value])
  }
  // A response that hands out or changes a session cookie must never be stored by a cache.
  res.setHeader('Cache-Control', 'no-store')
}

function reportUnexpected(error: unknown): void {
  if (answerFor(error)) return
  console.error('[@sessionkit/express] saving the session failed:', error)
}
