import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express5 from 'express'
import session from 'express-session'
import { SessionManager, sessionIdFromToken } from '@sessionkit/core'
import { expressSessionStore, type SessionkitExpressStore } from '../src/express-session-store'
import { targets, type TestStore } from './support/targets'

declare module 'express-session' {
  interface SessionData {
    userId: string
    cart: string[]
    [key: string]: unknown
  }
}

// express-session is what this adapter serves; its own behaviour does not depend on the
// Express major, so it runs once per store backend.
const backends = targets.filter((t) => t.name.startsWith('express 5'))

/** The sid inside express-session's signed cookie value `s:<sid>.<signature>`. */
function sidOf(cookieValue: string): string {
  const raw = decodeURIComponent(cookieValue)
  return raw.slice(2, raw.lastIndexOf('.'))
}

class Browser {
  cookie: string | null = null
  constructor(readonly base: string) {}
  async call(method: string, path: string, json?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = {}
    if (this.cookie) headers.cookie = `connect.sid=${this.cookie}`
    if (json !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(this.base + path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) })
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      if (pair.startsWith('connect.sid=')) this.cookie = pair.slice('connect.sid='.length) || null
    }
    const text = await res.text()
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
  }
}

describe.each(backends)('express-session with expressSessionStore over $backend', (target) => {
  let store: TestStore
  let adapter: SessionkitExpressStore
  let server: Server
  let base: string

  beforeEach(async () => {
    store = await target.makeStore()
    adapter = expressSessionStore(store.store)
    const app = express5()
    app.use(express5.json())
    // The one-line switch: `store: expressSessionStore(sessionkitStore)`.
    app.use(session({ store: adapter, secret: 'test secret, not for production', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }))
    app.post('/login', (req, res, next) => {
      req.session.regenerate((err) => {
        if (err) return next(err)
        req.session.userId = String((req.body as { userId: string }).userId)
        res.json({ ok: true })
      })
    })
    app.get('/me', (req, res) => res.json({ userId: req.session.userId ?? null, cart: req.session.cart ?? [] }))
    app.post('/cart', (req, res) => {
      req.session.cart = [...(req.session.cart ?? []), String((req.body as { item: string }).item)]
      res.json({ cart: req.session.cart })
    })
    app.post('/logout', (req, res, next) => {
      req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })))
    })
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(async () => {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    await store.cleanup()
  })

  it('login, read, write, touch and destroy through express-session', async () => {
    const browser = new Browser(base)
    expect((await browser.call('GET', '/me')).body).toEqual({ userId: null, cart: [] })
    expect(browser.cookie).toBeNull() // saveUninitialized: false

    await browser.call('POST', '/login', { userId: 'ivy' })
    const sid = sidOf(browser.cookie!)
    const id = sessionIdFromToken(sid)
    // Keyed by the hash of express-session's sid: the store holds nothing a cookie could use.
    const stored = await store.store.get(id, Date.now())
    expect(stored).not.toBeNull()
    expect(stored!.id).not.toContain(sid)
    expect(stored!.payload).not.toContain(sid)
    expect((await browser.call('GET', '/me')).body).toEqual({ userId: 'ivy', cart: [] })

    await browser.call('POST', '/cart', { item: 'tea' })
    await browser.call('POST', '/cart', { item: 'cup' })
    expect((await browser.call('GET', '/me')).body).toEqual({ userId: 'ivy', cart: ['tea', 'cup'] })

    // An unmodified request touches: the record's expiry follows the cookie's, data untouched.
    const before = (await store.store.get(id, Date.now()))!
    await new Promise((r) => setTimeout(r, 20))
    store.calls.clear()
    await browser.call('GET', '/me')
    expect(store.calls.get('touch')).toBe(1)
    expect(store.calls.get('replace') ?? 0).toBe(0)
    const after = (await store.store.get(id, Date.now()))!
    expect(after.expiresAt).toBeGreaterThan(before.expiresAt)
    expect(after.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000)
    expect(after.payload).toBe(before.payload)

    await browser.call('POST', '/logout')
    expect(await store.store.get(id, Date.now())).toBeNull()
    expect((await browser.call('GET', '/me')).body).toEqual({ userId: null, cart: [] })
  })

  it('login regenerates the sid: the pre-login session is gone from the store', async () => {
    const browser = new Browser(base)
    await browser.call('POST', '/cart', { item: 'guest item' })
    const guestId = sessionIdFromToken(sidOf(browser.cookie!))
    expect(await store.store.get(guestId, Date.now())).not.toBeNull()
    await browser.call('POST', '/login', { userId: 'jack' })
    expect(await store.store.get(guestId, Date.now())).toBeNull()
  })

  it('get, set, touch, destroy, all, length and clear work with callbacks and with promises, and clear spares sessionkit sessions', async () => {
    const manager = new SessionManager({ store: store.store, cleanupInterval: false })
    const own = await manager.create('kim', { note: 'a sessionkit session in the same store' })
    const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000).toISOString(), httpOnly: true, path: '/' }
    await adapter.set('sid-one', { cookie, cart: ['x'] } as unknown as session.SessionData)
    await new Promise<void>((resolve, reject) =>
      adapter.set('sid-two', { cookie, cart: ['y'] } as unknown as session.SessionData, (err) => (err ? reject(err as Error) : resolve())),
    )
    expect((await adapter.get('sid-one'))?.cart).toEqual(['x'])
    const viaCallback = await new Promise((resolve) => adapter.get('sid-two', (_err, sess) => resolve(sess?.cart)))
    expect(viaCallback).toEqual(['y'])
    expect(await adapter.get('never-set')).toBeNull()
    // An overwrite is the last writer winning, as express-session expects.
    await adapter.set('sid-one', { cookie, cart: ['x', 'z'] } as unknown as session.SessionData)
    expect((await adapter.get('sid-one'))?.cart).toEqual(['x', 'z'])
    expect(await adapter.length()).toBe(2)
    expect((await adapter.all()).map((s) => s.cart).sort()).toEqual([['x', 'z'], ['y']])
    const later = { ...cookie, expires: new Date(Date.now() + 120_000).toISOString() }
    await adapter.touch('sid-one', { cookie: later } as unknown as session.SessionData)
    expect((await store.store.get(sessionIdFromToken('sid-one'), Date.now()))!.expiresAt).toBe(new Date(later.expires).getTime())
    await adapter.destroy('sid-two')
    expect(await adapter.get('sid-two')).toBeNull()
    const count = await new Promise((resolve) => adapter.length((_err, n) => resolve(n)))
    expect(count).toBe(1)
    await adapter.clear()
    expect(await adapter.length()).toBe(0)
    expect(await manager.peek(own.token)).not.toBeNull()
  })

  it('a cookie already expired deletes; a cookie without expiry lives ttl seconds', async () => {
    const short = expressSessionStore(store.store, { ttl: 5 })
    await short.set('sid-session-cookie', { cookie: { originalMaxAge: null, expires: null } } as unknown as session.SessionData)
    const record = (await store.store.get(sessionIdFromToken('sid-session-cookie'), Date.now()))!
    expect(record.expiresAt - Date.now()).toBeGreaterThan(4000)
    expect(record.expiresAt - Date.now()).toBeLessThanOrEqual(5000)
    await short.set('sid-session-cookie', { cookie: { originalMaxAge: 0, expires: new Date(Date.now() - 1000).toISOString() } } as unknown as session.SessionData)
    expect(await short.get('sid-session-cookie')).toBeNull()
  })
})
