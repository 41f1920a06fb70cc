import { afterEach, describe, expect, it } from 'vitest'
import express from 'express'
import { listDevices, RememberMe, SessionManager, type SessionStore } from '@sessionkit/core'
import { session } from '../src/index'
import type { Data } from './support/app'
import { listen, setCookies, type RunningApp } from './support/http'
import { flowBackends } from './support/targets'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const backends = flowBackends((cleanup) => cleanups.push(cleanup))


/** A browser's cookie jar for one site: keeps every cookie the server sets, drops cleared ones. */
class Browser {
  jar = new Map<string, string>()
  constructor(readonly base: string) {}
  clone(): Browser {
    const b = new Browser(this.base)
    b.jar = new Map(this.jar)
    return b
  }
  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { origin: this.base }
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    for (const c of setCookies(res)) {
      if (c.value === '' || c.attributes['max-age'] === '0') this.jar.delete(c.name)
      else this.jar.set(c.name, c.value)
    }
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
}

async function startApp(backend: { store: () => SessionStore }): Promise<{ app: RunningApp; advance: (ms: number) => void; sessions: SessionManager<Data> }> {
  const clock = { t: Date.now() }
  const now = () => clock.t
  const sessions = new SessionManager<Data>({ store: backend.store(), expiration: { strategy: 'sliding', ttl: 1800 }, cleanupInterval: false, now })
  const rememberMe = new RememberMe<Data>({ sessions, store: backend.store(), now })
  const app = express()
  app.use(express.json())
  app.use(session<Data>({ manager: sessions, now, initialData: () => ({ cart: [] }), cookie: { secure: false }, rememberMe: { manager: rememberMe } }))
  app.get('/me', (req, res) => void res.json({ userId: req.session.userId, cart: req.session.data.cart }))
  app.get('/devices', async (req, res) => void res.json(await listDevices(sessions, String(req.query.user))))
  app.post('/cart', (req, res) => {
    req.session.data.cart = [...(req.session.data.cart ?? []), String((req.body as { item: string }).item)]
    res.json({ cart: req.session.data.cart })
  })
  app.post('/login', async (req, res) => {
    const { user, remember, merge, device } = req.body as { user: string; remember: boolean; merge?: boolean; device?: string }
    await req.session.login(user, {
      remember,
      ...(device ? { device: { id: device, name: `device ${device}` } } : {}),
      ...(merge ? { merge: (guest: Data, existing: Data | null) => ({ cart: [...(existing?.cart ?? []), ...(guest.cart ?? [])] }) } : {}),
    })
    res.json({ userId: req.session.userId })
  })
  app.post('/logout', async (req, res) => {
    await req.session.logout()
    res.json({ ok: true })
  })
  const running = await listen(app)
  cleanups.push(() => running.close())
  return { app: running, advance: (ms) => void (clock.t += ms), sessions }
}

describe.each(backends)('remember-me cookie over HTTP on $name', (backend) => {
  it("login({ merge }) carries the guest cart into the user's cart from another device; the guest cookie is dead", async () => {
    const { app } = await startApp(backend)
    const phone = new Browser(app.url)
    await phone.request('POST', '/login', { user: 'gus', remember: false })
    await phone.request('POST', '/cart', { item: 'lamp' })
    const laptop = new Browser(app.url)
    await laptop.request('POST', '/cart', { item: 'mug' })
    const guest = laptop.clone()
    await laptop.request('POST', '/login', { user: 'gus', remember: false, merge: true })
    expect((await laptop.request('GET', '/me')).body).toEqual({ userId: 'gus', cart: ['lamp', 'mug'] })
    expect((await guest.request('GET', '/me')).body).toEqual({ userId: null, cart: [] })
    expect((await phone.request('GET', '/me')).body).toEqual({ userId: 'gus', cart: ['lamp'] })
  })

  it('signs the browser back in after its session expired, with both cookies rotated', async () => {
    const { app, advance } = await startApp(backend)
    const browser = new Browser(app.url)
    await browser.request('POST', '/login', { user: 'alice', remember: true })
    expect([...browser.jar.keys()].sort()).toEqual(['remember', 'sid'])
    const first = { ...Object.fromEntries(browser.jar) }
    advance(2 * 3600_000)
    const me = await browser.request('GET', '/me')
    expect(me.body.userId).toBe('alice')
    expect(browser.jar.get('sid')).not.toBe(first.sid)
    expect(browser.jar.get('remember')).not.toBe(first.remember)
  })

  it('several requests at once with the expired session: one signs in, the others leave the cookies alone', async () => {
    const { app, advance } = await startApp(backend)
    const browser = new Browser(app.url)
    await browser.request('POST', '/login', { user: 'hal', remember: true })
    advance(2 * 3600_000)
    const tabs = [browser.clone(), browser.clone(), browser.clone()]
    const answers = await Promise.all(tabs.map((t) => t.request('GET', '/me')))
    expect(answers.every((a) => a.status === 200)).toBe(true)
    expect(answers.filter((a) => a.body.userId === 'hal')).toHaveLength(1)
    // Losers set no cookie at all, so the winner's new cookies are what the browser keeps.
    const changed = tabs.filter((t) => t.jar.get('sid') !== browser.jar.get('sid'))
    expect(changed).toHaveLength(1)
    expect(tabs.filter((t) => t.jar.get('remember') === browser.jar.get('remember'))).toHaveLength(2)
    // The chain is intact: the winner's session and remember token keep working.
    expect((await changed[0]!.request('GET', '/me')).body.userId).toBe('hal')
  })

  it("login({ device }): a second sign-in on one device leaves one session for it, and keeps the guest's cart", async () => {
    const { app } = await startApp(backend)
    const first = new Browser(app.url)
    await first.request('POST', '/login', { user: 'ivy', remember: false, device: 'd1' })
    const other = new Browser(app.url)
    await other.request('POST', '/login', { user: 'ivy', remember: false, device: 'd2' })
    const again = new Browser(app.url)
    await again.request('POST', '/cart', { item: 'pen' })
    const guest = again.clone()
    await again.request('POST', '/login', { user: 'ivy', remember: false, device: 'd1' })
    expect((await again.request('GET', '/me')).body).toEqual({ userId: 'ivy', cart: ['pen'] })
    expect((await first.request('GET', '/me')).body.userId).toBeNull()
    expect((await guest.request('GET', '/me')).body.userId).toBeNull()
    const devices = (await again.request('GET', '/devices?user=ivy')).body as unknown as { deviceName: string }[]
    expect(devices.map((d) => d.deviceName).sort()).toEqual(['device d1', 'device d2'])
  })

  it('without remember: true, an expired session is simply gone', async () => {
    const { app, advance } = await startApp(backend)
    const browser = new Browser(app.url)
    await browser.request('POST', '/login', { user: 'bob', remember: false })
    expect(browser.jar.has('remember')).toBe(false)
    advance(2 * 3600_000)
    expect((await browser.request('GET', '/me')).body.userId).toBeNull()
  })

  it('a stolen, already used remember cookie is refused and signs the victim out too', async () => {
    const { app, advance } = await startApp(backend)
    const victim = new Browser(app.url)
    await victim.request('POST', '/login', { user: 'carol', remember: true })
    const thief = victim.clone()
    thief.jar.delete('sid')
    advance(2 * 3600_000)
    expect((await victim.request('GET', '/me')).body.userId).toBe('carol') // uses the remember token
    advance(60_000)
    const stolen = await thief.request('GET', '/me')
    expect(stolen.body.userId).toBeNull()
    expect(thief.jar.has('remember')).toBe(false)
    // The chain is revoked: the victim's minted session and new remember token are dead.
    expect((await victim.request('GET', '/me')).body.userId).toBeNull()
  })

  it('logout forgets the remember cookie: it no longer signs in', async () => {
    const { app, advance } = await startApp(backend)
    const browser = new Browser(app.url)
    await browser.request('POST', '/login', { user: 'dan', remember: true })
    const copy = browser.clone()
    await browser.request('POST', '/logout')
    expect(browser.jar.has('remember')).toBe(false)
    advance(2 * 3600_000)
    copy.jar.delete('sid')
    expect((await copy.request('GET', '/me')).body.userId).toBeNull()
  })

  it('a request racing a logout never signs back in from the remember cookie', async () => {
    // The sessions' store runs `race` right after it deletes a session: a request from the same
    // browser lands exactly between the logout's store steps.
    let race: (() => Promise<void>) | null = null
    let first = true
    const raced = {
      store: () => {
        const store = backend.store()
        if (!first) return store
        first = false
        return new Proxy(store, {
          get: (target, key, receiver) =>
            key === 'delete'
              ? async (id: string) => {
                  const removed = await target.delete(id)
                  const run = race
                  race = null
                  await run?.()
                  return removed
                }
              : typeof Reflect.get(target, key) === 'function'
                ? (Reflect.get(target, key) as (...a: unknown[]) => unknown).bind(target)
                : Reflect.get(target, key, receiver),
        })
      },
    }
    const { app } = await startApp(raced)
    const browser = new Browser(app.url)
    await browser.request('POST', '/login', { user: 'ivy', remember: true })
    const tab = browser.clone()
    let during: unknown = 'not run'
    race = async () => {
      during = (await tab.request('GET', '/me')).body.userId
    }
    await browser.request('POST', '/logout')
    expect(during).toBeNull()
    expect(tab.jar.has('remember')).toBe(false)
    expect((await tab.request('GET', '/me')).body.userId).toBeNull()
  })

  it('a guest cart survives the sign-in and the guest cookie is dead', async () => {
    const { app } = await startApp(backend)
    const browser = new Browser(app.url)
    await browser.request('POST', '/cart', { item: 'mug' })
    const guest = browser.clone()
    await browser.request('POST', '/login', { user: 'erin', remember: true })
    expect((await browser.request('GET', '/me')).body).toEqual({ userId: 'erin', cart: ['mug'] })
    guest.jar.delete('remember')
    expect((await guest.request('GET', '/me')).body).toEqual({ userId: null, cart: [] })
  })
})
