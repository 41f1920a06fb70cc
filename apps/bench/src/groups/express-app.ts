// One of the three apps of the Express group, in its own process so the load generator never
// shares a thread with it. Prints `READY <port>` once listening. Same routes in each:
//   POST /login  creates a session (the bench collects cookies from it)
//   GET  /read   reads a value from the session
//   POST /write  changes a value in the session
import { SessionManager } from '@sessionkit/core'
import { session, type SessionHandle } from '@sessionkit/express'
import { RedisStore } from '@sessionkit/store-redis'
import { RedisStore as ConnectRedisStore } from 'connect-redis'
import express from 'express'
import expressSession from 'express-session'
import { createClient } from 'redis'

const [kind, redisUrl] = process.argv.slice(2) as ['bare' | 'sessionkit' | 'express-session', string]
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
