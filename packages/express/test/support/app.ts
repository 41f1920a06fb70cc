import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { SessionManager, type SessionManagerOptions } from '@sessionkit/core'
import { csrf, requireSession, session, sessionErrors, type SessionMiddlewareOptions } from '../../src/index'
import { Client, listen, type RunningApp } from './http'
import type { ExpressModule, TestStore } from './targets'

export type Data = Record<string, unknown> & { cart?: string[]; count?: number }

// What an app does once: tell the types which manager `req.session` belongs to.
declare module '../../src/register' {
  interface Register {
    manager: SessionManager<Data>
  }
}

/** A promise the test resolves by hand, to hold a request in flight. */
export class Gate {
  readonly wait: Promise<void>
  open!: () => void
  /** Requests parked at the gate so far. */
  entered = 0
  private onEnter: (() => void) | null = null
  constructor() {
    this.wait = new Promise((resolve) => (this.open = resolve))
  }
  enter(): Promise<void> {
    this.entered++
    this.onEnter?.()
    return this.wait
  }
  /** Resolves once a request is parked. */
  parked(): Promise<void> {
    if (this.entered > 0) return Promise.resolve()
    return new Promise((resolve) => (this.onEnter = resolve))
  }
}

/** Releases everyone once `size` have arrived (or after `ms`, so a lost request cannot hang a test). */
export class Barrier {
  private arrived = 0
  private readonly gate = new Gate()
  constructor(
    readonly size: number,
    ms = 10_000,
  ) {
    setTimeout(() => this.gate.open(), ms).unref()
  }
  /** How many requests had arrived when the barrier opened. */
  get count(): number {
    return this.arrived
  }
  arrive(): Promise<void> {
    if (++this.arrived >= this.size) this.gate.open()
    return this.gate.wait
  }
}

/** Hooks a test sets to steer a route from outside. */
export interface Hooks {
  gate?: Gate
  barrier?: Barrier
}

// Express 4 does not forward rejected promises: every async route goes through this.
const h =
  (fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler =>
  (req, res, next: NextFunction) => {
    fn(req, res).catch(next)
  }

/** A clock that only moves when the test says so (starting at the real time). */
export class Clock {
  private offset = 0
  readonly now = (): number => Date.now() + this.offset
  advance(ms: number): void {
    this.offset += ms
  }
}

export interface TestApp {
  url: string
  clock: Clock
  manager: SessionManager<Data>
  hooks: Hooks
  client(): Client
  close(): Promise<void>
}

export const COOKIE = '__Host-sid'

/**
 * The app every middleware test talks to over real HTTP: read, write, increment, cart, login,
 * logout, a gated write and CSRF-protected routes.
 */
export async function startApp(
  express: ExpressModule,
  store: TestStore,
  options: {
    session?: Partial<SessionMiddlewareOptions<Data>>
    manager?: Partial<SessionManagerOptions>
    csrf?: Parameters<typeof csrf>[0]
    cookieName?: string
  } = {},
): Promise<TestApp> {
  const clock = new Clock()
  const manager = new SessionManager<Data>({ store: store.store, cleanupInterval: false, now: clock.now, ...options.manager })
  store.calls.clear() // count what requests cost, not the manager's set-up (watchRemovals)
  const hooks: Hooks = {}
  const app = express()
  app.set('trust proxy', 'loopback')
  app.use(express.json())
  app.use(session<Data>({ manager, now: clock.now, ...options.session }))

  app.get('/me', (req, res) => {
    res.json({ exists: req.session.exists, id: req.session.id, userId: req.session.userId, data: req.session.data })
  })
  app.post('/set/:key', h(async (req, res) => {
    if (hooks.barrier) await hooks.barrier.arrive()
    if (hooks.gate) await hooks.gate.enter()
    req.session.data[String(req.params.key)] = (req.body as { value?: unknown }).value ?? true
    res.json({ ok: true })
  }))
  app.post('/unset/:key', (req, res) => {
    delete req.session.data[String(req.params.key)]
    res.json({ ok: true })
  })
  app.post('/cart', (req, res) => {
    // In-place change of a nested value: found at the end of the request without an assignment.
    const cart = req.session.data.cart
    if (cart) cart.push(String((req.body as { item: string }).item))
    else req.session.data.cart = [String((req.body as { item: string }).item)]
    res.json({ cart: req.session.data.cart })
  })
  app.post('/incr', h(async (req, res) => {
    if (hooks.barrier) await hooks.barrier.arrive()
    const data = await req.session.update((d) => ({ ...d, count: (d.count ?? 0) + 1 }))
    res.json({ count: data?.count ?? null })
  }))
  app.post('/login', h(async (req, res) => {
    const body = req.body as { userId: string; replace?: Data }
    await req.session.login(body.userId, body.replace ? { data: body.replace } : {})
    res.json({ userId: req.session.userId, id: req.session.id })
  }))
  app.post('/logout', h(async (req, res) => {
    await req.session.logout()
    res.json({ ok: true })
  }))
  app.post('/logout-everywhere', h(async (req, res) => {
    res.json({ deleted: await req.session.logoutEverywhere() })
  }))
  app.post('/logout-others', h(async (req, res) => {
    res.json({ deleted: await req.session.logoutOtherDevices() })
  }))
  app.get('/account', requireSession(), (req, res) => res.json({ userId: req.session.userId }))
  app.get('/guest-ok', requireSession({ guests: true }), (req, res) => res.json({ id: req.session.id }))
  app.get('/csrf-token', h(async (req, res) => {
    if (!req.session.exists) await req.session.save()
    res.json({ token: req.session.csrfToken() })
  }))
  app.post('/protected/transfer', csrf(options.csrf), (req, res) => {
    req.session.data.transferred = true
    res.json({ ok: true })
  })
  app.post('/own-cookie', (req, res) => {
    res.cookie('theme', 'dark')
    req.session.data.theme = 'dark'
    res.json({ ok: true })
  })
  app.post('/login-then-own-cookie', h(async (req, res) => {
    await req.session.login('user-own')
    res.setHeader('Set-Cookie', 'theme=light; Path=/') // replaces every Set-Cookie set so far
    res.json({ ok: true })
  }))
  app.get('/save-then-stream', h(async (req, res) => {
    await req.session.save()
    res.write('part one;')
    await new Promise((resolve) => setTimeout(resolve, 5))
    res.end('part two')
  }))
  app.get('/stream', (req, res) => {
    req.session.data.streamed = true
    res.write('part one;')
    setTimeout(() => res.end('part two'), 5)
  })
  app.use(sessionErrors())

  const running: RunningApp = await listen(app)
  return {
    url: running.url,
    clock,
    manager,
    hooks,
    client: () => new Client(running.url, options.cookieName ?? COOKIE),
    close: async () => {
      await running.close()
      await manager.close()
    },
  }
}
