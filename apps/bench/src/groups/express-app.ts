// One of the apps of the Express group, in its own process so the load generator never
// shares a thread with it. Prints `READY <port>` once listening. Same routes in each:
//   POST /login  creates a session (the bench collects cookies from it)
//   GET  /read   reads a value from the session
//   POST /write  changes a value in the session
import { randomBytes } from 'node:crypto'
import { SessionManager } from '@sessionkit/core'
import { session, type SessionHandle } from '@sessionkit/express'
import { RedisStore } from '@sessionkit/store-redis'
import { RedisStore as ConnectRedisStore } from 'connect-redis'
import express from 'express'
import expressSession from 'express-session'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import type { AppKind } from '../row-names'

const [kind, redisUrl] = process.argv.slice(2) as [AppKind, string]
const app = express()
app.disable('x-powered-by')
app.set('etag', false)

type Data = { count: number; cart: string[] }
// express-session and @sessionkit/express both declare `req.session`; this file uses both, so
// each branch names the type it means.
const sk = (req: express.Request) => (req as unknown as { session: SessionHandle<Data> }).session

if (kind === 'bare') {
  app.post('/login', (_req, res) => void res.json({ ok: true }))
  app.get('/read', (_req, res) => void res.json({ count: 0 }))
  app.post('/write', (_req, res) => void res.json({ count: 1 }))
} else if (kind === 'minimal' || kind === 'minimal-batched') {
  // The least any Redis-backed session can do, with none of a session library's work: the key
  // is the raw cookie value (no parsing, no hashing, no validation), one plain ioredis `GET` and
  // `JSON.parse` per request, one `SET ... PX` of the whole value per write (no concurrency
  // control), no cookie re-sent. Its ratio to bare Express is what the round trips alone cost.
  const client = new Redis(redisUrl)
  // The batched one corks the socket until the end of the turn, so the commands of every request
  // read in one poll go out in one system call: what the sessionkit store does (write-batcher.ts).
  let corked = false
  const hold = () => {
    const socket = kind === 'minimal-batched' && !corked ? (client as unknown as { stream?: { cork(): void; uncork(): void } }).stream : undefined
    if (!socket) return
    socket.cork()
    corked = true
    setImmediate(() => {
      corked = false
      socket.uncork()
    })
  }
  const COOKIE = 'minimal='
  type Minimal = { key: string; data: Data }
  const minimalOf = (req: express.Request) => (req as unknown as { minimal: Minimal }).minimal
  app.post('/login', async (_req, res) => {
    const key = `bench-minimal:${randomBytes(24).toString('base64url')}`
    await client.set(key, JSON.stringify({ count: 0, cart: [] }), 'PX', 1_800_000)
    res.setHeader('Set-Cookie', `${COOKIE}${key}; Path=/; HttpOnly`)
    res.json({ ok: true })
  })
  app.use((req, _res, next) => {
    const cookie = req.headers.cookie
    const key = cookie?.startsWith(COOKIE) ? cookie.slice(COOKIE.length) : 'bench-minimal:none'
    hold()
    client.get(key).then((value) => {
      ;(req as unknown as { minimal: Minimal }).minimal = { key, data: value ? (JSON.parse(value) as Data) : { count: 0, cart: [] } }
      next()
    }, next)
  })
  app.get('/read', (req, res) => void res.json({ count: minimalOf(req).data.count }))
  app.post('/write', (req, res, next) => {
    const { key, data } = minimalOf(req)
    data.count += 1
    hold()
    client.set(key, JSON.stringify(data), 'PX', 1_800_000).then(() => res.json({ count: data.count }), next)
  })
} else if (kind === 'sessionkit') {
  const manager = new SessionManager<Data>({
    store: new RedisStore({ url: redisUrl, prefix: 'bench-http' }),
    // Defaults otherwise: an access is written at most once a minute (touchAfter).
    expiration: { strategy: 'sliding', ttl: 1800 },
    cleanupInterval: false,
  })
  app.use(session({ manager, initialData: () => ({ count: 0, cart: [] }), cookie: { secure: false }, rateLimit: false }))
  app.post('/login', async (req, res) => {
    await sk(req).login(`user-${Math.floor(Math.random() * 1000)}`)
    res.json({ ok: true })
  })
  app.get('/read', (req, res) => void res.json({ count: sk(req).data.count }))
  app.post('/write', (req, res) => {
    const data = sk(req).data
    data.count += 1
    res.json({ count: data.count })
  })
} else {
  const client = createClient({ url: redisUrl })
  await client.connect()
  app.use(
    expressSession({
      store: new ConnectRedisStore({ client, prefix: 'bench-es:' }),
      secret: 'bench secret that is long enough to be realistic',
      resave: false,
      saveUninitialized: false,
      cookie: { secure: false, maxAge: 1_800_000 },
    }),
  )
  app.post('/login', (req, res) => {
    const s = req.session as unknown as Data
    s.count = 0
    s.cart = []
    res.json({ ok: true })
  })
  app.get('/read', (req, res) => void res.json({ count: (req.session as unknown as Data).count }))
  app.post('/write', (req, res) => {
    const s = req.session as unknown as Data
    s.count += 1
    res.json({ count: s.count })
  })
}

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(`READY ${typeof address === 'object' && address ? address.port : 0}`)
})
