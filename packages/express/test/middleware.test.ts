import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sessionIdFromToken } from '@sessionkit/core'
import { COOKIE, Gate, startApp, type TestApp } from './support/app'
import { targets, type TestStore } from './support/targets'

describe.each(targets)('session middleware on $name', (target) => {
  let store: TestStore
  let app: TestApp

  beforeEach(async () => {
    store = await target.makeStore()
    app = await startApp(target.express, store)
  })
  afterEach(async () => {
    await app.close()
    await store.cleanup()
  })

  /** Replaces this test's app and store with fresh ones built with `options`. */
  async function restartWith(options: Parameters<typeof startApp>[2]) {
    await app.close()
    await store.cleanup()
    store = await target.makeStore()
    app = await startApp(target.express, store, options)
  }

  it('a request without a cookie has no session, sets no cookie and makes no store call', async () => {
    const res = await app.client().get('/me')
    expect(res.body).toEqual({ exists: false, id: null, userId: null, data: {} })
    expect(res.cookies).toEqual([])
    expect(store.total()).toBe(0)
  })

  it('the first change creates a guest session with a __Host- cookie: HttpOnly, Secure, SameSite=Lax, Path=/, no-store', async () => {
    const client = app.client()
    const res = await client.post('/set/theme', { value: 'dark' })
    expect(res.status).toBe(200)
    const cookie = res.cookies.find((c) => c.name === COOKIE)!
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(cookie.attributes).toMatchObject({ httponly: true, secure: true, samesite: 'Lax', path: '/' })
    expect(cookie.attributes.domain).toBeUndefined()
    expect(new Date(String(cookie.attributes.expires)).getTime()).toBeGreaterThan(Date.now())
    expect(res.headers.get('cache-control')).toBe('no-store')
    const me = await client.get('/me')
    expect(me.body).toMatchObject({ exists: true, userId: null, data: { theme: 'dark' } })
    // The store holds the hash of the token, never the token.
    expect(me.body.id).toBe(sessionIdFromToken(client.cookie!))
  })

  it('loading costs one store round trip, a change one more, and a request that changes nothing writes nothing', async () => {
    const client = app.client()
    await client.post('/set/a', { value: 1 })
    store.calls.clear()
    await client.get('/me')
    expect(Object.fromEntries(store.calls)).toEqual({ touch: 1 })
    store.calls.clear()
    await client.post('/set/b', { value: 2 })
    expect(Object.fromEntries(store.calls)).toEqual({ touch: 1, replace: 1 })
    expect((await client.get('/me')).body.data).toEqual({ a: 1, b: 2 })
  })

  it('objects changed in place (cart.push) are saved; deleted keys are removed', async () => {
    const client = app.client()
    await client.post('/cart', { item: 'book' })
    await client.post('/cart', { item: 'pen' })
    await client.post('/set/note', { value: 'x' })
    await client.post('/unset/note')
    expect((await client.get('/me')).body.data).toEqual({ cart: ['book', 'pen'] })
  })

  it('the cookie is re-sent with the new expiry when a sliding expiry moved', async () => {
    const client = app.client()
    const first = await client.post('/set/a', { value: 1 })
    const firstExpiry = new Date(String(first.cookies[0]!.attributes.expires)).getTime()
    app.clock.advance(60_000)
    const read = await client.get('/me')
    const cookie = read.cookies.find((c) => c.name === COOKIE)!
    expect(cookie.value).toBe(client.cookie)
    expect(new Date(String(cookie.attributes.expires)).getTime()).toBeGreaterThan(firstExpiry)
    expect(read.headers.get('cache-control')).toBe('no-store')
  })

  it('with touchAfter, a read inside the window writes nothing and re-sends no cookie', async () => {
    await restartWith({ manager: { touchAfter: 300 } })
    const client = app.client()
    await client.post('/set/a', { value: 1 })
    app.clock.advance(10_000)
    const quiet = await client.get('/me')
    expect(quiet.body.exists).toBe(true)
    expect(quiet.cookies).toEqual([])
    expect(quiet.headers.get('cache-control')).toBeNull()
    app.clock.advance(300_000)
    const moved = await client.get('/me')
    expect(moved.cookies.map((c) => c.name)).toEqual([COOKIE])
  })

  it('with touchAfter, a write inside the window saves the data and re-sends no cookie; one after it re-sends the moved expiry', async () => {
    await restartWith({ manager: { touchAfter: 300 } })
    const client = app.client()
    const first = await client.post('/set/a', { value: 1 })
    const firstExpiry = new Date(String(first.cookies[0]!.attributes.expires)).getTime()
    app.clock.advance(10_000)
    const quiet = await client.post('/set/b', { value: 2 })
    expect(quiet.cookies).toEqual([])
    expect(quiet.headers.get('cache-control')).toBeNull()
    expect((await client.get('/me')).body.data).toEqual({ a: 1, b: 2 })
    app.clock.advance(300_000)
    const moved = await client.post('/set/c', { value: 3 })
    const cookie = moved.cookies.find((c) => c.name === COOKIE)!
    expect(cookie.value).toBe(client.cookie)
    expect(new Date(String(cookie.attributes.expires)).getTime()).toBeGreaterThan(firstExpiry + 300_000)
    expect(moved.headers.get('cache-control')).toBe('no-store')
  })

  it('an expired session is no session: its cookie is cleared and a change starts a new one', async () => {
    const client = app.client()
    await client.post('/set/a', { value: 1 })
    const old = client.cookie
    app.clock.advance(31 * 60_000) // past the default 30 min idle timeout
    const read = await client.get('/me')
    expect(read.body.exists).toBe(false)
    expect(client.cookie).toBeNull()
    await client.post('/set/b', { value: 2 })
    expect(client.cookie).not.toBe(old)
    expect((await client.get('/me')).body.data).toEqual({ b: 2 })
  })

  it.each([
    ['garbage', 'not-a-token'],
    ['a well-formed but unknown token', 'A'.repeat(42) + 'E'],
    ['bad percent-encoding', '%E0%A4%A'],
    ['a huge value', 'x'.repeat(4000)],
  ])('a malformed cookie (%s) is treated as no session and removed', async (_label, value) => {
    const client = app.client()
    client.cookie = value
    const res = await client.get('/me')
    expect(res.status).toBe(200)
    expect(res.body.exists).toBe(false)
    const cleared = res.cookies.find((c) => c.name === COOKIE)!
    expect(cleared.value).toBe('')
    expect(new Date(String(cleared.attributes.expires)).getTime()).toBeLessThanOrEqual(Date.now())
  })

  it('a response streamed before the end still saves the change', async () => {
    const client = app.client()
    await client.post('/set/a', { value: 1 })
    const res = await fetch(`${app.url}/stream`, { headers: { cookie: `${COOKIE}=${client.cookie}` } })
    expect(await res.text()).toBe('part one;part two')
    expect((await client.get('/me')).body.data).toEqual({ a: 1, streamed: true })
  })

  it("the app's own Set-Cookie headers go out next to the session cookie", async () => {
    const client = app.client()
    const saved = await client.post('/own-cookie')
    expect(saved.cookies.map((c) => c.name).sort()).toEqual([COOKIE, 'theme'].sort())
    const login = await client.post('/login-then-own-cookie')
    expect(login.cookies.map((c) => `${c.name}=${c.name === COOKIE ? 'token' : c.value}`).sort()).toEqual([`${COOKIE}=token`, 'theme=light'].sort())
    expect((await client.get('/me')).body).toMatchObject({ exists: true, userId: 'user-own', data: { theme: 'dark' } })
  })

  it('a session created before a streamed response sends its cookie with the first part', async () => {
    const client = app.client()
    const res = await client.get('/save-then-stream')
    expect(res.body).toEqual({ text: 'part one;part two' })
    expect(res.cookies.map((c) => c.name)).toEqual([COOKIE])
    expect((await client.get('/me')).body.exists).toBe(true)
  })

  it('a request still in flight when its session is deleted does not bring it back', async () => {
    const client = app.client()
    await client.post('/set/a', { value: 1 })
    const token = client.cookie!
    const gate = (app.hooks.gate = new Gate())
    const slowClient = client.clone()
    const slow = slowClient.post('/set/late', { value: 'after logout' })
    await gate.parked() // loaded, not yet saved
    expect((await client.post('/logout')).status).toBe(200)
    gate.open()
    const answer = await slow
    expect(answer.status).toBe(200)
    // Not recreated: gone from the store, and the stale cookie is cleared.
    expect(await app.manager.peek(token)).toBeNull()
    expect(slowClient.cookie).toBeNull()
    const again = app.client()
    again.cookie = token
    expect((await again.get('/me')).body.exists).toBe(false)
  })
})
