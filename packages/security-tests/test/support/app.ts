/**
 * The Express app the HTTP security tests run against: the real `session()` middleware on a
 * real loopback server, with routes for each step of a session's life.
 */
import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:http'
import express, { type NextFunction, type Request, type RequestHandler, type Response as ExpressResponse } from 'express'
import { requireSession, session, sessionErrors, type SessionMiddlewareOptions } from '@sessionkit/express'

type Data = Record<string, unknown>

const h =
  (fn: (req: Request, res: ExpressResponse) => Promise<unknown>): RequestHandler =>
  (req, res, next: NextFunction) => {
    fn(req, res).catch(next)
  }

export interface RunningApp {
  url: string
  server: Server
  close(): Promise<void>
}

/**
 * Starts the app on 127.0.0.1 with the middleware options given (the manager is required).
 * @example const app = await startApp({ manager, rateLimit: false })
 */
export async function startApp(options: SessionMiddlewareOptions<Data>): Promise<RunningApp> {
  const app = express()
  app.set('trust proxy', 'loopback')
  app.use(express.json())
  app.use(session(options as SessionMiddlewareOptions<Data>))
  app.get('/me', (req, res) => {
    res.json({ exists: req.session.exists, id: req.session.id, userId: req.session.userId, data: req.session.exists ? req.session.data : null })
  })
  app.post('/cart', (req, res) => {
    const item = String((req.body as { item?: unknown } | undefined)?.item ?? 'item')
    req.session.data.cart = [...((req.session.data.cart as string[] | undefined) ?? []), item]
    res.json({ cart: req.session.data.cart })
  })
  app.post(
    '/login',
    h(async (req, res) => {
      await req.session.login(String((req.body as { userId?: unknown }).userId))
      res.json({ id: req.session.id, userId: req.session.userId })
    }),
  )
  app.post(
    '/promote',
    h(async (req, res) => {
      // A privilege change is a login again with the new role: the token rotates.
      await req.session.login(req.session.userId ?? 'anonymous', { data: (d: Data) => ({ ...d, role: 'admin' }) })
      res.json({ id: req.session.id, role: req.session.data.role })
    }),
  )
  app.post(
    '/logout',
    h(async (req, res) => {
      await req.session.logout()
      res.json({ ok: true })
    }),
  )
  app.get('/account', requireSession(), (req, res) => res.json({ userId: req.session.userId, data: req.session.data }))
  app.use(sessionErrors())
  const server = createServer(app)
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** The value of the named cookie in a response's Set-Cookie headers, or undefined. */
export function setCookie(response: Response, name: string): { value: string; attributes: string[] } | undefined {
  const headers = response.headers.getSetCookie()
  for (const header of headers) {
    const [pair, ...attributes] = header.split(';').map((p) => p.trim())
    const eq = pair!.indexOf('=')
    if (pair!.slice(0, eq) === name) return { value: pair!.slice(eq + 1), attributes }
  }
  return undefined
}
