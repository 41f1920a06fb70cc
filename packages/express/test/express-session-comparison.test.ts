import { afterEach, describe, expect, it } from 'vitest'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import session from 'express-session'

declare module 'express-session' {
  interface SessionData {
    [key: string]: unknown
  }
}

const N = 200

/** Releases everyone once `size` requests have loaded their session (or after 10 s). */
function barrier(size: number): () => Promise<void> {
  let arrived = 0
  let open!: () => void
  const gate = new Promise<void>((resolve) => (open = resolve))
  setTimeout(open, 10_000).unref()
  return () => {
    if (++arrived >= size) open()
    return gate
  }
}

/**
 * The baseline the sessionkit middleware is measured against (its own runs are in
 * concurrency.test.ts): express-session saves the whole session object at the end of each
 * request, so concurrent requests of one session overwrite each other.
 */
describe('baseline: express-session + its MemoryStore under the same concurrent load', () => {
  let server: Server | null = null
  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise((r) => server?.close(r))
  })

  it(`loses most of ${N} concurrent key writes and ${N} concurrent increments (sessionkit keeps all of both)`, async () => {
    let arrive: (() => Promise<void>) | null = null
    const app = express()
    app.use(session({ secret: 'baseline', resave: false, saveUninitialized: false }))
    app.post('/start', (req, res) => {
      req.session.count = 0
      res.json({ ok: true })
    })
    app.post('/set/:key', async (req, res) => {
      if (arrive) await arrive()
      req.session[String(req.params.key)] = true
      res.json({ ok: true })
    })
    app.post('/incr', async (req, res) => {
      if (arrive) await arrive()
      req.session.count = Number(req.session.count ?? 0) + 1
      res.json({ ok: true })
    })
    app.get('/me', (req, res) => res.json(req.session))
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const start = await fetch(`${base}/start`, { method: 'POST' })
    const cookie = start.headers.getSetCookie()[0]!.split(';')[0]!
    const post = (path: string) => fetch(base + path, { method: 'POST', headers: { cookie } }).then((r) => r.status)

    arrive = barrier(N)
    expect(await Promise.all(Array.from({ length: N }, (_, i) => post(`/set/k${i}`)))).toEqual(Array(N).fill(200))
    arrive = barrier(N)
    expect(await Promise.all(Array.from({ length: N }, () => post('/incr')))).toEqual(Array(N).fill(200))
    arrive = null

    const data = (await (await fetch(`${base}/me`, { headers: { cookie } })).json()) as Record<string, unknown>
    const keysKept = Object.keys(data).filter((k) => /^k\d+$/.test(k)).length
    const count = Number(data.count)
    console.log(`express-session + MemoryStore kept ${keysKept}/${N} keys and ${count}/${N} increments; sessionkit keeps ${N}/${N} and ${N}/${N}`)
    expect(keysKept).toBeLessThan(N)
    expect(count).toBeLessThan(N)
  })
})
