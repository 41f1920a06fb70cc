/**
 * The OWASP Session Management Cheat Sheet as tests: one `describe` per checklist item, named
 * after the cheat sheet's section, each through the real Express middleware over loopback HTTP
 * (or the manager where the item is about the manager), with an injected clock for expiry.
 * https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
 */
import { inspect } from 'node:util'
import {
  SessionManager,
  TOKEN_BYTES,
  generateToken,
  sessionIdFromToken,
  type SessionEventName,
  type SessionStore,
} from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { afterEach, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from './support/app'
import { cookieValue, send, type LoadRequest, type Reply } from './support/load'

const COOKIE = '__Host-sid'
type Data = Record<string, unknown>

/** A clock that only moves when the test says so. */
class Clock {
  private t = Date.UTC(2026, 0, 1)
  readonly now = (): number => this.t
  advance(seconds: number): void {
    this.t += seconds * 1000
  }
}

interface Harness {
  app: RunningApp
  manager: SessionManager<Data>
  store: MemoryStore
  clock: Clock
  call(req: LoadRequest): Promise<Reply>
  /** The token a reply set in the session cookie (fails when none was set). */
  tokenOf(reply: Reply): string
}

const open: Harness[] = []
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.app.close()
    await h.manager.close()
  }
})

async function harness(
  options: { binding?: { ip?: boolean; userAgent?: boolean }; encryption?: boolean; wrapStore?: (s: SessionStore) => SessionStore } = {},
): Promise<Harness> {
  const clock = new Clock()
  const store = new MemoryStore({ now: clock.now })
  const manager = new SessionManager<Data>({
    store: options.wrapStore ? options.wrapStore(store) : store,
    now: clock.now,
    cleanupInterval: false,
    expiration: { strategy: 'hybrid', idleTtl: 60, absoluteTtl: 600 },
    ...(options.encryption ? { encryption: { keys: ['a-long-passphrase-used-only-in-these-tests-0123456789'] } } : {}),
  })
  const app = await startApp({
    manager,
    now: clock.now,
    rateLimit: false,
    cookie: { secure: true },
    ...(options.binding ? { binding: options.binding, clientIp: (req) => req.get('x-test-ip') ?? req.ip } : {}),
  })
  const h: Harness = {
    app,
    manager,
    store,
    clock,
    call: (req) => send(app.url, req, 5_000),
    tokenOf(reply) {
      const token = cookieValue(reply, COOKIE)
      expect(token, 'a session cookie was set').toBeTruthy()
      return token!
    },
  }
  open.push(h)
  return h
}

const me = (token: string, headers?: Record<string, string>): LoadRequest => ({ method: 'GET', path: '/me', cookie: `${COOKIE}=${token}`, ...(headers ? { headers } : {}) })
const body = <T = { exists: boolean; id: string | null; userId: string | null; data: Data | null }>(reply: Reply) => JSON.parse(reply.body) as T

describe('Session ID Entropy and Length (at least 64 bits; here 256)', () => {
  it('a token is 32 random bytes (256 bits), base64url, as the manager issues it', async () => {
    expect(TOKEN_BYTES).toBe(32)
    const manager = new SessionManager({ store: new MemoryStore(), cleanupInterval: false })
    const { token } = await manager.create(null, {})
    await manager.close()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(token, 'base64url')).toHaveLength(32)
  })

  it('10,000 issued tokens: all distinct, and every bit position is balanced (a sanity check, not a proof)', async () => {
    const manager = new SessionManager({ store: new MemoryStore({ maxSessions: Infinity }), cleanupInterval: false })
    const tokens = new Set<string>()
    for (let i = 0; i < 10_000; i++) tokens.add((await manager.create(null, {})).token)
    await manager.close()
    expect(tokens.size).toBe(10_000)
    const ones = new Array<number>(256).fill(0)
    let total = 0
    for (const token of tokens) {
      const bytes = Buffer.from(token, 'base64url')
      for (let bit = 0; bit < 256; bit++) {
        const set = (bytes[bit >> 3]! >> (bit & 7)) & 1
        ones[bit]! += set
        total += set
      }
    }
    // Per position: 10,000 fair coin flips have sd 50; 6 sd (300) is a 1-in-10^8 false alarm
    // per position. Overall 2,560,000 flips: sd 800.
    for (const count of ones) expect(Math.abs(count - 5_000)).toBeLessThan(300)
    expect(Math.abs(total - 1_280_000)).toBeLessThan(6 * 800)
  })

  it('the session id is a SHA-256 of the token, not the token nor anything about the user', async () => {
    const h = await harness()
    const reply = await h.call({ method: 'POST', path: '/cart' })
    const token = h.tokenOf(reply)
    const { id } = body(await h.call(me(token)))
    expect(id).toBe(sessionIdFromToken(token))
    expect(id).not.toBe(token)
    expect(generateToken()).not.toBe(generateToken())
  })
})

describe('Session ID Name Fingerprinting', () => {
  it('the cookie has a generic name that does not reveal the framework (__Host-sid)', async () => {
    const h = await harness()
    const reply = await h.call({ method: 'POST', path: '/cart' })
    const names = reply.setCookie.map((c) => c.split('=')[0])
    expect(names).toEqual([COOKIE])
    expect(names.join()).not.toMatch(/sessionkit|connect|express/i)
  })
})

describe('Cookies: Secure, HttpOnly, SameSite, Domain and Path, Expire and Max-Age attributes', () => {
  it('the session cookie is Secure, HttpOnly, SameSite=Lax, Path=/, host-only (__Host-), and expires with the session', async () => {
    const h = await harness()
    const reply = await h.call({ method: 'POST', path: '/cart' })
    const header = reply.setCookie.find((c) => c.startsWith(`${COOKIE}=`))!
    const attributes = header.split(';').slice(1).map((a) => a.trim().toLowerCase())
    expect(attributes).toContain('secure')
    expect(attributes).toContain('httponly')
    expect(attributes).toContain('samesite=lax')
    expect(attributes).toContain('path=/')
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false)
    const expires = attributes.find((a) => a.startsWith('expires='))
    expect(expires).toBeDefined()
    // The cookie lives as long as the session (idle ttl 60 s from the injected clock), not longer.
    const session = await h.manager.peek(h.tokenOf(reply))
    expect(Math.abs(Date.parse(expires!.slice('expires='.length)) - session!.expiresAt)).toBeLessThan(1000)
  })
})

describe('Renew the Session ID After Any Privilege Level Change', () => {
  it('login rotates the token: a token planted before login (session fixation) is dead after it', async () => {
    const h = await harness()
    const planted = h.tokenOf(await h.call({ method: 'POST', path: '/cart', json: { item: 'guest-item' } }))
    const login = await h.call({ method: 'POST', path: '/login', cookie: `${COOKIE}=${planted}`, json: { userId: 'alice' } })
    expect(login.status).toBe(200)
    const fresh = h.tokenOf(login)
    expect(fresh).not.toBe(planted)
    expect(body(await h.call(me(planted)))).toMatchObject({ exists: false })
    expect(await h.manager.peek(planted)).toBeNull()
    expect(body(await h.call(me(fresh)))).toMatchObject({ exists: true, userId: 'alice', data: { cart: ['guest-item'] } })
  })

  it('a privilege change (promotion) rotates again: the pre-promotion token is dead', async () => {
    const h = await harness()
    const user = h.tokenOf(await h.call({ method: 'POST', path: '/login', json: { userId: 'bob' } }))
    const promoted = await h.call({ method: 'POST', path: '/promote', cookie: `${COOKIE}=${user}` })
    const admin = h.tokenOf(promoted)
    expect(admin).not.toBe(user)
    expect(body(await h.call(me(user)))).toMatchObject({ exists: false })
    expect(body(await h.call(me(admin)))).toMatchObject({ exists: true, userId: 'bob', data: { role: 'admin' } })
  })
})

describe('Automatic Session Expiration: Idle Timeout (server-side)', () => {
  it('a session unused for longer than the idle timeout is refused by the server even if the client still sends the cookie', async () => {
    const h = await harness()
    const token = h.tokenOf(await h.call({ method: 'POST', path: '/login', json: { userId: 'carol' } }))
    h.clock.advance(59)
    expect(body(await h.call(me(token)))).toMatchObject({ exists: true }) // activity slides the idle deadline
    h.clock.advance(59)
    expect(body(await h.call(me(token)))).toMatchObject({ exists: true })
    h.clock.advance(61)
    expect(body(await h.call(me(token)))).toMatchObject({ exists: false })
    expect((await h.call({ method: 'GET', path: '/account', cookie: `${COOKIE}=${token}` })).status).toBe(401)
    expect(await h.manager.peek(token)).toBeNull()
  })
})

describe('Automatic Session Expiration: Absolute Timeout (server-side)', () => {
  it('a session in constant use still ends at the absolute deadline, and rotation does not extend it', async () => {
    const h = await harness()
    let token = h.tokenOf(await h.call({ method: 'POST', path: '/login', json: { userId: 'dave' } }))
    for (let t = 50; t < 600; t += 50) {
      h.clock.advance(50)
      if (t === 300) token = h.tokenOf(await h.call({ method: 'POST', path: '/promote', cookie: `${COOKIE}=${token}` }))
      expect(body(await h.call(me(token))), `at ${t} s`).toMatchObject({ exists: true })
    }
    h.clock.advance(50) // 600 s after login: the absolute deadline
    expect(body(await h.call(me(token)))).toMatchObject({ exists: false })
    expect(await h.manager.peek(token)).toBeNull()
  })
})

describe('Manual Session Expiration: Logout (server-side invalidation)', () => {
  it('logout deletes the session on the server and clears the cookie; replaying the old cookie gets nothing', async () => {
    const h = await harness()
    const token = h.tokenOf(await h.call({ method: 'POST', path: '/login', json: { userId: 'erin' } }))
    const logout = await h.call({ method: 'POST', path: '/logout', cookie: `${COOKIE}=${token}` })
    expect(logout.status).toBe(200)
    const cleared = logout.setCookie.find((c) => c.startsWith(`${COOKIE}=`))!
    expect(cookieValue(logout, COOKIE)).toBe('')
    expect(Date.parse(/expires=([^;]+)/i.exec(cleared)![1]!)).toBeLessThan(Date.now())
    // Server side: the record is gone from the store, not just the cookie from the browser.
    expect(await h.store.get(sessionIdFromToken(token), h.clock.now())).toBeNull()
    expect(body(await h.call(me(token)))).toMatchObject({ exists: false })
    expect((await h.call({ method: 'GET', path: '/account', cookie: `${COOKIE}=${token}` })).status).toBe(401)
  })
})

describe('Web Content Caching', () => {
  it('every response that sets or clears the session cookie is Cache-Control: no-store', async () => {
    const h = await harness()
    const replies: Reply[] = []
    const created = await h.call({ method: 'POST', path: '/cart' })
    replies.push(created)
    const guest = h.tokenOf(created)
    h.clock.advance(30) // the expiry moves: the cookie is re-sent
    replies.push(await h.call(me(guest)))
    const login = await h.call({ method: 'POST', path: '/login', cookie: `${COOKIE}=${guest}`, json: { userId: 'frank' } })
    replies.push(login)
    replies.push(await h.call({ method: 'POST', path: '/logout', cookie: `${COOKIE}=${h.tokenOf(login)}` }))
    replies.push(await h.call(me(guest))) // a dead cookie is cleared
    const withCookie = replies.filter((r) => cookieValue(r, COOKIE) !== undefined)
    expect(withCookie.length).toBe(replies.length)
    for (const reply of withCookie) expect(reply.cacheControl).toContain('no-store')
  })
})

describe('Session Attacks Detection: Binding the Session ID to Other User Properties', () => {
  it('with user-agent binding, the session used from another user agent is revoked (401), not served', async () => {
    const h = await harness({ binding: { userAgent: true } })
    const revoked: string[] = []
    h.manager.on('revoked', (e) => void revoked.push(e.reason ?? ''))
    const token = h.tokenOf(await h.call({ method: 'POST', path: '/login', json: { userId: 'gina' }, headers: { 'user-agent': 'Browser/1' } }))
    expect(body(await h.call(me(token, { 'user-agent': 'Browser/1' })))).toMatchObject({ exists: true })
    const stolen = await h.call(me(token, { 'user-agent': 'curl/8' }))
    expect(stolen.status).toBe(401)
    expect(body<{ error: string }>(stolen).error).toBe('session_binding_mismatch')
    expect(revoked).toEqual(['binding-mismatch:user-agent'])
    // Revoked server-side: the rightful client is signed out too, which is the safe outcome.
    expect(body(await h.call(me(token, { 'user-agent': 'Browser/1' })))).toMatchObject({ exists: false })
  })

  it('with IP binding, the session used from another IP address is revoked (401)', async () => {
    const h = await harness({ binding: { ip: true } })
    const token = h.tokenOf(await h.call({ method: 'POST', path: '/login', json: { userId: 'hank' }, headers: { 'x-test-ip': '198.51.100.1' } }))
    expect(body(await h.call(me(token, { 'x-test-ip': '198.51.100.1' })))).toMatchObject({ exists: true })
    expect((await h.call(me(token, { 'x-test-ip': '203.0.113.9' }))).status).toBe(401)
    expect(await h.manager.peek(token)).toBeNull()
  })

  it('without binding (the default) a change of user agent does not end the session', async () => {
    const h = await harness()
    const token = h.tokenOf(await h.call({ method: 'POST', path: '/login', json: { userId: 'ivy' }, headers: { 'user-agent': 'Browser/1' } }))
    expect(body(await h.call(me(token, { 'user-agent': 'Browser/2' })))).toMatchObject({ exists: true })
  })
})

describe('Logging Sessions Life Cycle: nothing secret in logs or events', () => {
  it('a whole flow (guest, login, update, promotion, damaged payload, failed save, binding mismatch, logout) logs and emits no token, data or key', async () => {
    const key = 'a-long-passphrase-used-only-in-these-tests-0123456789'
    let failNextReplace = false
    const h = await harness({
      encryption: true,
      binding: { userAgent: true },
      // A store whose next write fails, to drive the middleware's error path (a 500 and a log line).
      wrapStore: (store) =>
        new Proxy(store, {
          get(target, prop, receiver) {
            const value = Reflect.get(target, prop, receiver) as unknown
            if (prop === 'replace')
              return (...args: Parameters<SessionStore['replace']>) => {
                if (failNextReplace) {
                  failNextReplace = false
                  return Promise.reject(new Error('disk on fire'))
                }
                return target.replace(...args)
              }
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
          },
        }),
    })
    const captured: string[] = []
    const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const
    const originals = methods.map((m) => console[m])
    for (const m of methods) console[m] = (...args: unknown[]) => void captured.push(args.map((a) => inspect(a, { depth: 8 })).join(' '))
    const events: Array<{ name: string; payload: Record<string, unknown> }> = []
    const names: SessionEventName[] = ['created', 'updated', 'refreshed', 'rotated', 'deleted', 'revoked', 'expired', 'evicted', 'locked', 'unlocked', 'error']
    for (const name of names) h.manager.on(name, (payload) => void events.push({ name, payload: payload as unknown as Record<string, unknown> }))

    const secretData = 'credit-card-4111111111111111'
    const tokens: string[] = []
    const ua = { 'user-agent': 'Browser/1' }
    try {
      const guest = h.tokenOf(await h.call({ method: 'POST', path: '/cart', json: { item: secretData }, headers: ua }))
      tokens.push(guest)
      const login = h.tokenOf(await h.call({ method: 'POST', path: '/login', cookie: `${COOKIE}=${guest}`, json: { userId: 'jane' }, headers: ua }))
      tokens.push(login)
      await h.call({ method: 'POST', path: '/cart', cookie: `${COOKIE}=${login}`, json: { item: `${secretData}-2` }, headers: ua })
      failNextReplace = true
      expect((await h.call({ method: 'POST', path: '/cart', cookie: `${COOKIE}=${login}`, json: { item: 'x' }, headers: ua })).status).toBe(500)
      const admin = h.tokenOf(await h.call({ method: 'POST', path: '/promote', cookie: `${COOKIE}=${login}`, headers: ua }))
      tokens.push(admin)
      // A damaged payload: the manager answers no session and emits an error event.
      const damaged = h.tokenOf(await h.call({ method: 'POST', path: '/cart', json: { item: secretData }, headers: ua }))
      tokens.push(damaged)
      const record = (await h.store.get(sessionIdFromToken(damaged), h.clock.now()))!
      await h.store.replace({ ...record, payload: `${record.payload.slice(0, -3)}AAA`, version: record.version + 1 }, record.version, h.clock.now())
      expect(body(await h.call(me(damaged, ua)))).toMatchObject({ exists: false })
      expect((await h.call(me(admin, { 'user-agent': 'Thief/1' }))).status).toBe(401)
      const last = h.tokenOf(await h.call({ method: 'POST', path: '/login', json: { userId: 'jane' }, headers: ua }))
      tokens.push(last)
      await h.call({ method: 'POST', path: '/logout', cookie: `${COOKIE}=${last}`, headers: ua })
    } finally {
      methods.forEach((m, i) => (console[m] = originals[i]!))
    }

    // The flow did produce logs and events, so the search below is over something.
    expect(captured.join('\n')).toContain('saving the session failed')
    expect(new Set(events.map((e) => e.name))).toEqual(new Set(['created', 'updated', 'rotated', 'deleted', 'revoked', 'error']))
    const text = [...captured, ...events.map((e) => inspect(e.payload, { depth: 8 }))].join('\n')
    for (const token of tokens) expect(text.includes(token), 'a token in logs or events').toBe(false)
    expect(text).not.toContain(secretData)
    expect(text).not.toContain(key)
    // Events carry ids, times and reasons only.
    const allowed = new Set(['sessionId', 'userId', 'timestamp', 'reason', 'version', 'expiresAt', 'previousSessionId', 'error', 'operation'])
    for (const { payload } of events) for (const field of Object.keys(payload)) expect(allowed).toContain(field)
  })
})
