/**
 * A bounded load generator: `concurrency` workers on one keep-alive agent send requests to a
 * loopback app until a fixed deadline, each request with its own client timeout. It never
 * throws: every outcome (status, client timeout, connection error) is counted.
 */
import { Agent, request } from 'node:http'

export interface LoadRequest {
  method: 'GET' | 'POST'
  path: string
  cookie?: string
  headers?: Record<string, string>
  /** JSON body of a POST; default `{ item: 'apple' }`. */
  json?: unknown
}

export interface LoadResult {
  total: number
  byStatus: Record<number, number>
  timeouts: number
  errors: string[]
}

export interface LoadOptions {
  url: string
  durationMs: number
  concurrency: number
  timeoutMs: number
  next: (i: number) => LoadRequest
}

export interface Reply {
  status: number
  body: string
  setCookie: string[]
  cacheControl: string | undefined
}

/** One request with a client timeout; rejects with 'timeout' or the connection error. */
export function send(url: string, req: LoadRequest, timeoutMs: number, agent?: Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = req.method === 'POST' ? JSON.stringify(req.json ?? { item: 'apple' }) : undefined
    const headers: Record<string, string> = { ...req.headers }
    if (req.cookie) headers.cookie = req.cookie
    if (body) headers['content-type'] = 'application/json'
    const r = request(`${url}${req.path}`, { method: req.method, agent, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          setCookie: res.headers['set-cookie'] ?? [],
          cacheControl: res.headers['cache-control'],
        }),
      )
      res.on('error', reject)
    })
    r.on('timeout', () => r.destroy(new Error('timeout')))
    r.on('error', reject)
    r.end(body)
  })
}

/**
 * Runs the load until `durationMs` has passed (requests in flight then finish or time out).
 * @example const result = await runLoad({ url, durationMs: 6000, concurrency: 16, timeoutMs: 5000, next: () => ({ method: 'GET', path: '/me' }) })
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency })
  const result: LoadResult = { total: 0, byStatus: {}, timeouts: 0, errors: [] }
  const deadline = Date.now() + options.durationMs
  let i = 0
  const worker = async () => {
    while (Date.now() < deadline) {
      const req = options.next(i++)
      result.total++
      try {
        const reply = await send(options.url, req, options.timeoutMs, agent)
        result.byStatus[reply.status] = (result.byStatus[reply.status] ?? 0) + 1
      } catch (error) {
        if ((error as Error).message === 'timeout') result.timeouts++
        else result.errors.push((error as Error).message)
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  agent.destroy()
  return result
}

/** The session cookie's value in a reply's Set-Cookie headers ('' when cleared), or undefined. */
export function cookieValue(reply: Reply, name: string): string | undefined {
  const header = reply.setCookie.find((c) => c.startsWith(`${name}=`))
  return header === undefined ? undefined : header.slice(name.length + 1).split(';')[0]
}

/** Collects unhandled rejections while a scenario runs. */
export function watchUnhandledRejections(): { seen: unknown[]; stop(): void } {
  const seen: unknown[] = []
  const listener = (reason: unknown) => void seen.push(reason)
  process.on('unhandledRejection', listener)
  return { seen, stop: () => void process.off('unhandledRejection', listener) }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
