import { createServer, OutgoingMessage, ServerResponse, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RequestHandler } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { SessionManager } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { session } from '../src/index'
import { Client, listen, type RunningApp } from './support/http'
import { targets } from './support/targets'

/**
 * The end-of-request save waits in front of Node's shared `ServerResponse#end` instead of a
 * patch on each response (a property added to a response costs more than the save). These
 * tests pin what that must not change: the save still comes before the answer whatever other
 * middleware does to `res.end`, and responses without a session are untouched.
 */
const memoryTargets = targets.filter((t) => t.backend === 'memory')
type Data = { count?: number; seen?: string[] }

describe.each(memoryTargets)('the save before the response ends, on $name', (target) => {
  let running: RunningApp | null = null
  afterEach(async () => {
    await running?.close()
    running = null
  })

  async function start(
    before: RequestHandler[],
    after: RequestHandler[],
    customize?: (app: ReturnType<typeof target.express>) => void,
  ): Promise<{ client: Client; manager: SessionManager<Data> }> {
    const manager = new SessionManager<Data>({ store: new MemoryStore(), cleanupInterval: false })
    const app = target.express()
    customize?.(app)
    for (const m of before) app.use(m)
    app.use(session<Data>({ manager, cookie: { secure: false, name: 'sid' }, rateLimit: false }))
    for (const m of after) app.use(m)
    app.post('/incr', (req, res) => {
      const data = req.session.data as Data
      data.count = (data.count ?? 0) + 1
      // What a handler can see of the response: the save added nothing to it.
      res.json({ count: data.count, ownEnd: Object.hasOwn(res, 'end'), ownSymbols: Object.getOwnPropertySymbols(res).length })
    })
    app.get('/count', (req, res) => void res.json({ count: (req.session.data as Data).count ?? null }))
    running = await listen(app)
    return { client: new Client(running.url, 'sid'), manager }
  }

  /** What compression and similar middleware do: replace `res.end` on the response, and call the one they found. */
  const wrapsEnd = (label: string, log: string[]): RequestHandler => (_req, res, next) => {
    const end = res.end
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      log.push(label)
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args)
    } as typeof res.end
    next()
  }

  it('adds nothing to the response, and the next request sees what was saved', async () => {
    const { client } = await start([], [])
    const symbolsBefore = (await client.post<{ ownSymbols: number }>('/incr')).body.ownSymbols
    const second = await client.post<{ count: number; ownEnd: boolean; ownSymbols: number }>('/incr')
    expect(second.body).toEqual({ count: 2, ownEnd: false, ownSymbols: symbolsBefore })
    expect((await client.get('/count')).body).toEqual({ count: 2 })
  })

  it('still saves first when an earlier middleware replaced res.end on the response', async () => {
    const log: string[] = []
    const { client } = await start([wrapsEnd('earlier', log)], [])
    for (let i = 0; i < 3; i++) await client.post('/incr')
    expect((await client.get('/count')).body).toEqual({ count: 3 })
    expect(log.length).toBeGreaterThanOrEqual(4)
  })

  it('still saves first when a later middleware replaced res.end, and the saved cookie goes out with the answer', async () => {
    const log: string[] = []
    const { client } = await start([], [wrapsEnd('later', log)])
    const first = await client.post('/incr')
    expect(first.cookies.map((c) => c.name)).toContain('sid')
    await client.post('/incr')
    expect((await client.get('/count')).body).toEqual({ count: 2 })
    expect(log).toEqual(['later', 'later', 'later'])
  })

  it("still saves first when the app's response prototype has an end of its own that bypasses Node's", async () => {
    // `app.response` is Express's documented extension point; this end goes straight to
    // OutgoingMessage's, never through ServerResponse.prototype.end.
    const { client } = await start([], [], (app) => {
      Object.defineProperty(app.response, 'end', {
        configurable: true,
        writable: true,
        value: function (this: ServerResponse, ...args: unknown[]) {
          return (OutgoingMessage.prototype.end as (...a: unknown[]) => ServerResponse).apply(this, args)
        },
      })
    })
    await client.post('/incr')
    await client.post('/incr')
    expect((await client.get('/count')).body).toEqual({ count: 2 })
  })

  it('req.session is the handle without being an own property of the request, and a later assignment wins', async () => {
    const { client } = await start(
      [],
      [
        (req, res, next) => {
          if (req.path === '/shape') return void res.json({ own: Object.hasOwn(req, 'session'), exists: req.session.exists })
          if (req.path !== '/replaced') return next()
          // The request changes the session, then a later middleware puts something else there.
          ;(req.session.data as Data).count = 41
          ;(req as { session: unknown }).session = { stub: true }
          next()
        },
      ],
    )
    // Express sets each request's prototype, and V8 then builds a hidden class per request for
    // every property added to it: the handle is found through a prototype accessor instead.
    await client.post('/incr')
    expect((await client.get('/shape')).body).toEqual({ own: false, exists: true })
    const replaced = await client.get('/replaced')
    expect(replaced.status).toBe(404)
    // What the request changed before the assignment is still saved at its end.
    expect((await client.get('/count')).body).toEqual({ count: 41 })
  })

  it('runs the save once when several wrappers each call the end they found', async () => {
    const log: string[] = []
    const { client, manager } = await start([wrapsEnd('a', log)], [wrapsEnd('b', log), wrapsEnd('c', log)])
    const updated: number[] = []
    manager.on('updated', (event) => void updated.push(event.version))
    await client.post('/incr')
    await client.post('/incr')
    expect((await client.get('/count')).body).toEqual({ count: 2 })
    // The first request creates the session; the second is one compare-and-set, not one per wrapper.
    expect(updated).toHaveLength(1)
  })
})

describe("Node's shared ServerResponse#end", () => {
  let server: Server | null = null
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    server = null
  })

  it('is installed once however many session middlewares exist, and leaves other servers as they were', async () => {
    const manager = new SessionManager({ store: new MemoryStore(), cleanupInterval: false })
    session({ manager })
    const installed = ServerResponse.prototype.end
    session({ manager })
    session({ manager, cookie: { secure: false } })
    expect(ServerResponse.prototype.end).toBe(installed)

    // A plain Node server in the same process: every form of end still works, callbacks included.
    const calls: string[] = []
    server = createServer((req, res) => {
      if (req.url === '/cb') res.end(() => calls.push('cb'))
      else if (req.url === '/chunk') res.end('chunk', 'utf8', () => calls.push('chunk'))
      else res.end(Buffer.from('buffer'))
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const bodies = await Promise.all(['/cb', '/chunk', '/buffer'].map(async (path) => (await fetch(base + path)).text()))
    expect(bodies).toEqual(['', 'chunk', 'buffer'])
    await expect.poll(() => calls.sort()).toEqual(['cb', 'chunk'])
    await manager.close()
  })

  it('leaves req.session undefined on requests no session middleware handled, and assignable', async () => {
    const manager = new SessionManager({ store: new MemoryStore(), cleanupInterval: false })
    session({ manager })
    const seen: unknown[] = []
    server = createServer((req, res) => {
      const request = req as { session?: unknown }
      seen.push(request.session)
      request.session = { mine: true }
      seen.push(request.session, Object.keys(req).includes('session'))
      res.end()
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()))
    await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).text()
    expect(seen).toEqual([undefined, { mine: true }, true])
    await manager.close()
  })
})
