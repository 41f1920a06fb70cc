import { createHmac } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { Request } from 'express'
import { ConfigError, createOnDevice, type GuestMerge, type CreateOptions, type Session, type SessionData, type SessionManager, type Updater } from '@sessionkit/core'
import { ChangeTracker, mergeChanges, type DataChanges } from './change-tracker'
import { beforeHeaders, endsThroughGates, gateEnd, type EndGate } from './response-hooks'
import type { CreationLimiter } from './rate-limit'
import type { RememberContext } from './remember-cookie'

/** What the response hook must do with the session cookie before the headers go out. */
export type CookieAction = { kind: 'none' } | { kind: 'set'; token: string; expiresAt: number } | { kind: 'clear' }

/**
 * What the handles of one middleware share, built once by `session()`. Not part of the public API.
 * @internal
 */
export interface HandleContext<TData extends SessionData> {
  manager: SessionManager<TData>
  initialData: () => TData
  limit: CreationLimiter | null
  /** IP and user agent recorded at creation; computed only then (`req.ip` is not free). */
  client: (req: Request) => CreateOptions
  /** True when a sliding expiry should re-send the cookie (persistent cookie, not `fixed`). */
  slides: boolean
  /** Remember-me settings, when the app opted in. */
  remember: RememberContext<TData> | null
  /** The remember token a request carries, if any. */
  rememberTokenOf: (req: Request) => string | null
  /** Writes the handle's cookie actions into the response headers (any other Set-Cookie is kept). */
  writeCookies: (res: ServerResponse, handle: SessionHandle<TData>) => void
  /**
   * The gate that runs `handle.finish()` before the response ends. The handle asks for it the
   * first time the request may have changed the data: a request that only reads needs no save.
   */
  endGate: (req: Request, res: ServerResponse, handle: SessionHandle<TData>) => EndGate
}

/**
 * Options of {@link SessionHandle.login}.
 * @example await req.session.login(user.id, { data: (guest) => ({ ...guest, cart: [...guest.cart, ...saved.cart] }) })
 */
export interface LoginOptions<TData> {
  /**
   * The data of the signed-in session. Default: the current (guest) data is kept, with this
   * request's changes. A function receives that data and returns the new data (merge a guest
   * cart into the user's, say).
   */
  data?: TData | Updater<TData>
  /**
   * Also issue a remember-me cookie (needs the middleware's `rememberMe` option): when this
   * session has expired, the browser is signed in again from it. Default false.
   */
  remember?: boolean
  /**
   * Guest upgrade: combines this (guest) session's data with the data of the user's most
   * recent live session on another device (`null` when there is none), e.g. a cart merge. Runs
   * after `data`. Costs one extra store round trip (the user's session list).
   * @example await req.session.login(user.id, { merge: (guest, existing) => ({ cart: [...(existing?.cart ?? []), ...guest.cart] }) })
   */
  merge?: GuestMerge<TData>
  /**
   * One session per device: the user's previous sessions on this device (same `id`) are
   * revoked, and the device's name is kept for the devices list (`listDevices` in core). The
   * `id` should be stable per browser, e.g. a long-lived random cookie of your own.
   * @example await req.session.login(user.id, { device: { id: req.cookies.device_id, name: 'Firefox on Linux' } })
   */
  device?: { id: string; name?: string }
}

const CSRF_CONTEXT = 'sessionkit/csrf/v1'
const NO_COOKIE: CookieAction = Object.freeze({ kind: 'none' })
const CLEAR_COOKIE: CookieAction = Object.freeze({ kind: 'clear' })

/**
 * `req.session`: the request's session, loaded by the middleware in one store round trip.
 *
 * Read and write `data` like a plain object; at the end of the request only the top-level keys
 * this request changed are saved, merged onto the latest stored version in one compare-and-set
 * round trip, so concurrent requests that change different keys never undo each other. A
 * request that changes nothing writes nothing. When there is no session yet, the first change
 * creates one (a guest session) at the end of the request.
 *
 * @example
 * app.post('/cart', (req, res) => {
 *   req.session.data.cart = [...(req.session.data.cart ?? []), req.body.item]
 *   res.json({ items: req.session.data.cart.length })
 * })
 */
export class SessionHandle<TData extends SessionData = Record<string, unknown>> {
  readonly #ctx: HandleContext<TData>
  readonly #req: Request
  readonly #res: ServerResponse
  readonly #tracker: ChangeTracker<TData>
  readonly #rememberToken: string | null
  #token: string | null
  #current: Session<TData> | null
  #cookie: CookieAction = NO_COOKIE
  #rememberCookie: CookieAction = NO_COOKIE
  #headersHooked = false
  #gate: EndGate | null = null
  #finishing = false

  /**
   * @internal Created by the middleware. `startedAt` is when the request began: a session
   * touched since then had its sliding expiry moved, so the cookie is re-sent.
   */
  constructor(ctx: HandleContext<TData>, req: Request, res: ServerResponse, token: string | null, current: Session<TData> | null, startedAt: number) {
    this.#ctx = ctx
    this.#req = req
    this.#res = res
    this.#rememberToken = ctx.remember ? ctx.rememberTokenOf(req) : null
    this.#token = current ? token : null
    this.#current = current
    this.#tracker = new ChangeTracker(current ? current.data : ctx.initialData(), () => this.#hookEnd())
    // A cookie that names no live session (expired, revoked, malformed) is removed; a sliding
    // expiry that moved on this request's touch is re-sent.
    if (token !== null && !current) this.#setCookieAction(CLEAR_COOKIE)
    else if (current && ctx.slides && current.lastAccessedAt >= startedAt) this.#setCookie()
  }

  /** True when the request has a live session (loaded, or created earlier in this request). */
  get exists(): boolean {
    return this.#current !== null
  }

  /** The session id (`sha256(token)`, safe to show and to revoke by), or `null` without a session. */
  get id(): string | null {
    return this.#current?.id ?? null
  }

  /** The signed-in user, or `null` for a guest session or no session. */
  get userId(): string | null {
    return this.#current?.userId ?? null
  }

  /**
   * The session as last read or written in this request (times, version, metadata, the data as
   * stored), or `null`. Change data through `data`, not here.
   */
  get current(): Session<TData> | null {
    return this.#current
  }

  /**
   * The session data. Assign and delete top-level keys freely; objects changed in place
   * (`data.cart.push(x)`) are found too. Saved at the end of the request.
   */
  get data(): TData {
    return this.#tracker.proxy
  }

  /** Replaces the whole data: keys that are missing from `next` are deleted at the save. */
  set data(next: TData) {
    this.#tracker.replaceAll(next)
  }

  /**
   * Atomic read-modify-write, now: `fn` receives the latest stored data (with this request's
   * pending changes applied) and returns the new data; on a concurrent change it runs again on
   * the newer version, so nothing is lost. One store round trip without contention. Creates the
   * session when there is none. Resolves to the saved data, or `null` when the session was
   * deleted meanwhile (it is not brought back).
   * @example await req.session.update((d) => ({ ...d, count: (d.count ?? 0) + 1 }))
   */
  async update(fn: Updater<TData>): Promise<TData | null> {
    const apply = this.#pendingApplied()
    const next: Updater<TData> = async (latest) => fn(apply(latest))
    if (!this.#current || !this.#token) {
      await this.#create(null, next)
      return this.#current!.data
    }
    const saved = await this.#ctx.manager.update(this.#token, next, { current: this.#current })
    this.#adopt(saved)
    return saved ? saved.data : null
  }

  /**
   * Saves pending changes now instead of at the end of the request, and creates the session if
   * there is none (to hand out a CSRF token before the first change, for example).
   * @example await req.session.save(); res.render('form', { csrf: req.session.csrfToken() })
   */
  async save(): Promise<void> {
    if (!this.#current) {
      await this.#create(null, this.#pendingApplied())
      return
    }
    await this.endOfRequest()
  }

  /**
   * Signs `userId` in. An existing session is rotated (new token, old one dead at once: no
   * session fixation), keeping its data unless `data` says otherwise; without a session one is
   * created (this counts against the creation rate limit).
   * @example await req.session.login(user.id, { data: (guest) => ({ ...guest, cart: mergeCarts(guest.cart, saved) }) })
   */
  async login(userId: string, options: LoginOptions<TData> = {}): Promise<void> {
    const apply = this.#pendingApplied()
    const given = options.data
    const merge = options.merge
    const existing = merge ? ((await this.#ctx.manager.getUserSessions(userId))[0]?.data ?? null) : null
    const next: Updater<TData> = async (old) => {
      const pending = apply(old)
      const data = given === undefined ? pending : typeof given === 'function' ? await (given as Updater<TData>)(pending) : given
      return merge ? merge(data, existing) : data
    }
    let rotated = false
    if (options.device) {
      // A new session carrying the device (a rotation keeps the guest's metadata), then the
      // guest session goes: the client holds a working token at every moment.
      if (!this.#current && this.#ctx.limit) await this.#ctx.limit(this.#req)
      const data = await next(this.#current ? this.#current.data : this.#ctx.initialData())
      const { id: deviceId, name: deviceName } = options.device
      const created = await createOnDevice(this.#ctx.manager, userId, data, {
        ...this.#ctx.client(this.#req),
        deviceId,
        ...(deviceName === undefined ? {} : { deviceName }),
      })
      if (this.#token) await this.#ctx.manager.delete(this.#token)
      this.#use(created.token, created.session)
      rotated = true
    } else if (this.#current && this.#token) {
      const result = await this.#ctx.manager.rotate(this.#token, { userId, data: next })
      if (result) {
        this.#use(result.token, result.session)
        rotated = true
      }
      // Else the session vanished meanwhile (logged out elsewhere): start a fresh one for the login.
    }
    if (!rotated) await this.#create(userId, next)
    if (options.remember) await this.#issueRemember(userId)
  }

  /**
   * Signs out: deletes the session and clears the cookie. Changes made afterwards in the same
   * request start a new guest session.
   * @example app.post('/logout', async (req, res) => { await req.session.logout(); res.redirect('/') })
   */
  async logout(): Promise<void> {
    // The remember chain goes first: a request racing this logout with the same cookies must not
    // find the session gone and the remember cookie still good, and sign back in. Store steps
    // before cookies: if one fails, the client keeps cookies for what still exists.
    await this.#forgetRemember()
    if (this.#token) await this.#ctx.manager.delete(this.#token)
    this.#forget()
  }

  /**
   * Deletes every session of the signed-in user, this one included, and clears the cookie.
   * Resolves to how many were deleted. For a guest it is `logout()`.
   * @example await req.session.logoutEverywhere()
   */
  async logoutEverywhere(): Promise<number> {
    const userId = this.userId
    if (userId === null) {
      const had = this.exists
      await this.logout()
      return had ? 1 : 0
    }
    // No device stays remembered either: a stolen remember cookie must not sign back in. The
    // chains go before the sessions, so no request in between signs back in from one.
    if (this.#ctx.remember) await this.#ctx.remember.manager.forgetUser(userId)
    await this.#forgetRemember()
    const deleted = await this.#ctx.manager.deleteUserSessions(userId)
    this.#forget()
    return deleted
  }

  /**
   * Deletes every other session of the signed-in user ("log out other devices"), keeping this
   * one. Resolves to how many were deleted.
   * @example const removed = await req.session.logoutOtherDevices()
   */
  async logoutOtherDevices(): Promise<number> {
    const current = this.#current
    if (!current || current.userId === null) return 0
    return this.#ctx.manager.deleteUserSessions(current.userId, { except: current.id })
  }

  /**
   * The CSRF token of this session, for a form field or an `X-CSRF-Token` header; `null`
   * without a session. Derived from the session token with HMAC-SHA-256, so nothing is stored,
   * it changes with every login rotation, and it reveals nothing about the token.
   * @example res.json({ csrfToken: req.session.csrfToken() })
   */
  csrfToken(): string | null {
    return this.#token ? createHmac('sha256', this.#token).update(CSRF_CONTEXT).digest('base64url') : null
  }

  // ---------------------------------------------------------------- used by the middleware

  /** @internal What the response hook writes: set, clear or leave the session cookie. */
  cookieAction(): CookieAction {
    return this.#cookie
  }

  /** @internal What the response hook writes for the remember-me cookie. */
  rememberCookieAction(): CookieAction {
    return this.#rememberCookie
  }

  /**
   * @internal The middleware signed the browser in from its remember cookie: adopt the minted
   * session and hand out both new cookies.
   */
  adoptRemembered(token: string, session: Session<TData>, remember: { token: string; expiresAt: number }): void {
    this.#use(token, session)
    this.#setRememberAction({ kind: 'set', token: remember.token, expiresAt: remember.expiresAt })
  }

  /** @internal The remember cookie named nothing usable (or was replayed): remove it. */
  clearRemember(): void {
    this.#setRememberAction(CLEAR_COOKIE)
  }

  /**
   * @internal The end-of-request save: `null` when the request changed nothing (no write, no
   * extra tick), else one compare-and-set round trip of the changed keys onto the latest
   * version, or the creation of a guest session.
   */
  endOfRequest(): Promise<void> | null {
    return this.#saveChanges(null)
  }

  /**
   * @internal The end-of-request save, run by the response's `end` before the headers go out:
   * the cookies it sets are written here, so such a request needs no header hook.
   */
  finish(): Promise<void> | null {
    this.#finishing = true
    return this.#saveChanges(() => this.#writeCookiesNow())
  }

  // ---------------------------------------------------------------- internals

  /**
   * Saves the request's changes (see `endOfRequest`), then runs `after` in the same turn as
   * the save's result: the write path takes one turn of the microtask queue per step it needs.
   */
  #saveChanges(after: (() => void) | null): Promise<void> | null {
    const changes = this.#tracker.changes()
    if (changes.set.length === 0 && changes.deleted.length === 0) return null
    const apply = this.#pendingApplied(changes)
    if (!this.#current || !this.#token) {
      const creating = this.#create(null, apply)
      return after ? creating.then(after) : creating
    }
    return this.#ctx.manager.update(this.#token, apply, { current: this.#current }).then((saved) => {
      this.#adopt(saved)
      after?.()
    })
  }

  /**
   * The request's pending changes as a function of the latest data. `changes` when the caller
   * already computed them (computing them compares fingerprints).
   */
  #pendingApplied(changes: DataChanges = this.#tracker.changes()): (latest: TData) => TData {
    const source = this.#tracker.snapshot()
    return (latest) => mergeChanges(latest, source, changes)
  }

  async #create(userId: string | null, build: Updater<TData>): Promise<void> {
    if (this.#ctx.limit) await this.#ctx.limit(this.#req)
    const data = await build(this.#ctx.initialData())
    const created = await this.#ctx.manager.create(userId, data, this.#ctx.client(this.#req))
    this.#use(created.token, created.session)
  }

  /**
   * Takes over a saved version; `null` means the session was deleted meanwhile. The cookie is
   * re-sent only when the save moved the expiry (at most once per `touchAfter`, as for reads).
   */
  #adopt(saved: Session<TData> | null): void {
    if (!saved) {
      this.#forget()
      return
    }
    const moved = saved.expiresAt !== this.#current?.expiresAt
    this.#current = saved
    this.#tracker.reset(saved.data)
    if (this.#ctx.slides && moved) this.#setCookie()
  }

  #use(token: string, session: Session<TData>): void {
    this.#token = token
    this.#current = session
    this.#tracker.reset(session.data)
    this.#setCookieAction({ kind: 'set', token, expiresAt: session.expiresAt })
  }

  async #issueRemember(userId: string): Promise<void> {
    const remember = this.#ctx.remember
    if (!remember) throw new ConfigError('rememberMe', 'login({ remember: true }) needs the middleware option rememberMe')
    if (!this.#current) return
    // A new sign-in replaces the chain this browser held.
    if (this.#rememberToken) await remember.manager.forget(this.#rememberToken)
    const issued = await remember.manager.issue(userId, this.#current.id)
    this.#setRememberAction({ kind: 'set', token: issued.token, expiresAt: issued.expiresAt })
  }

  async #forgetRemember(): Promise<void> {
    if (!this.#ctx.remember || (this.#rememberToken === null && this.#rememberCookie.kind !== 'set')) return
    const token = this.#rememberCookie.kind === 'set' ? this.#rememberCookie.token : this.#rememberToken
    if (token) await this.#ctx.remember.manager.forget(token)
    this.#setRememberAction(CLEAR_COOKIE)
  }

  #forget(): void {
    this.#token = null
    this.#current = null
    this.#tracker.reset(this.#ctx.initialData())
    this.#setCookieAction(CLEAR_COOKIE)
  }

  #setCookie(): void {
    if (this.#token && this.#current) this.#setCookieAction({ kind: 'set', token: this.#token, expiresAt: this.#current.expiresAt })
  }

  #setCookieAction(action: CookieAction): void {
    this.#cookie = action
    this.#hookHeaders()
  }

  #setRememberAction(action: CookieAction): void {
    this.#rememberCookie = action
    this.#hookHeaders()
  }

  /**
   * The cookies are written just before the headers go out, whoever sends them (`res.end`, the
   * first `res.write`, an explicit `writeHead`). The hook goes in only once there is a cookie to
   * set or clear (most requests have none), and not during `finish()`, which writes them itself.
   */
  #hookHeaders(): void {
    if (this.#headersHooked || this.#finishing || this.#res.headersSent) return
    this.#headersHooked = true
    beforeHeaders(this.#res, () => this.#ctx.writeCookies(this.#res, this))
  }

  #writeCookiesNow(): void {
    if (this.#headersHooked || this.#res.headersSent) return
    if (this.#cookie.kind !== 'none' || this.#rememberCookie.kind !== 'none') this.#ctx.writeCookies(this.#res, this)
  }

  /**
   * The end-of-request save goes in front of `res.end`: through the shared `end` of Node's
   * responses (see `routeEndsThroughGates`; the gate is found in a WeakMap, nothing is added to
   * the response), or, for a response whose `end` is another one (see `endsThroughGates`), by
   * patching that response.
   */
  #hookEnd(): void {
    if (this.#gate) return
    this.#gate = this.#ctx.endGate(this.#req, this.#res, this)
    if (endsThroughGates(this.#res)) GATES.set(this.#res, this.#gate)
    else gateEnd(this.#res, this.#gate)
  }
}

/** The gates of the responses whose end waits for a save, found by the shared `end`. */
const GATES = new WeakMap<ServerResponse, EndGate>()

/**
 * The session gate of a response, if its request changed the session.
 * @internal
 */
export function sessionGateOf(res: ServerResponse): EndGate | null {
  return GATES.get(res) ?? null
}
