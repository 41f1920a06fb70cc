import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startRedisServer } from '@sessionkit/testkit/redis'
import autocannon from 'autocannon'
import { pairedRatio, type Row } from '../harness'

/**
 * The middleware over real HTTP on loopback: a read route and a write route with sessionkit on
 * the Redis store, against the same Express app with no sessions and against express-session +
 * connect-redis. A fourth app, a reference, does only the Redis round trips any Redis-backed
 * session needs (a plain ioredis `GET` per request, a plain `SET` per write) and nothing else: its
 * ratio shows how much of the distance to bare Express the round trips alone cost on the machine
 * at hand. It is not a strict floor (plain ioredis writes each command with its own system call,
 * which the sessionkit store batches). Each app runs in its own process; autocannon (64 connections) runs here; the
 * apps take turns round after round (many short rounds, the order rotating) and each row is the
 * median of its rounds. The ratio to bare Express is paired per round (`pairedRatio`), so a slow
 * spell of a shared host weighs on both sides of it.
 */
const here = dirname(fileURLToPath(import.meta.url))
type Kind = 'bare' | 'minimal' | 'sessionkit' | 'express-session'
const LABEL: Record<Kind, string> = {
  bare: 'bare Express (no sessions)',
  minimal: 'minimal Redis session: plain ioredis GET per request, SET per write, nothing else',
  sessionkit: 'sessionkit middleware, Redis store',
  'express-session': 'express-session + connect-redis',
}

async function startApp(kind: Kind, redisUrl: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'express-app.ts'), kind, redisUrl], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const m = /READY (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.on('exit', (code) => reject(new Error(`${kind} app exited with ${code}`)))
  })
  return { port, child }
}

async function cookies(port: number, count: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST' })
    const set = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ')
    out.push(set)
  }
  return out
}

function load(port: number, path: string, method: 'GET' | 'POST', jar: string[], durationS: number): Promise<autocannon.Result> {
  let i = 0
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: 64,
        duration: durationS,
        requests: [
          {
            method,
            path,
            setupRequest: (req) => {
              if (jar.length) req.headers = { ...req.headers, cookie: jar[(i = (i + 1) % jar.length)]! }
              return req
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    )
  })
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!

export async function expressGroup(options: { rounds: number; durationS: number; sessions: number }): Promise<{ rows: Row[] }> {
  const redis = await startRedisServer()
  const kinds: Kind[] = ['bare', 'minimal', 'sessionkit', 'express-session']
  const apps = new Map<Kind, { port: number; child: ChildProcess; jar: string[] }>()
  for (const kind of kinds) {
    const app = await startApp(kind, redis.url)
    apps.set(kind, { ...app, jar: kind === 'bare' ? [] : await cookies(app.port, options.sessions) })
  }
  const rows: Row[] = []
  try {
    for (const [route, method] of [['/read', 'GET'], ['/write', 'POST']] as const) {
      const runs = new Map<Kind, autocannon.Result[]>(kinds.map((k) => [k, []]))
      for (const kind of kinds) await load(apps.get(kind)!.port, route, method, apps.get(kind)!.jar, 1) // warm-up
      for (let round = 0; round < options.rounds; round++) {
        for (let j = 0; j < kinds.length; j++) {
          const kind = kinds[(j + round) % kinds.length]!
          const app = apps.get(kind)!
          const result = await load(app.port, route, method, app.jar, options.durationS)
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${kind} ${route}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
          runs.get(kind)!.push(result)
        }
      }
      const group = `express: ${method} ${route} ${route === '/read' ? '(read a session value)' : '(change a session value)'}`
      const bare = runs.get('bare')!
      for (const kind of kinds) {
        const results = runs.get(kind)!
        const rps = median(results.map((r) => r.requests.average))
        rows.push({
          group,
          name: LABEL[kind],
          peer: kind !== 'sessionkit',
          ...(kind === 'minimal' ? { tag: 'reference' } : {}),
          concurrency: 64,
          baseline: kind === 'bare' ? null : LABEL.bare,
          ratio: kind === 'bare' ? null : pairedRatio(results.map((r) => r.requests.average), bare.map((r) => r.requests.average)),
          ops: results.reduce((n, r) => n + r.requests.total, 0),
          opsPerSec: rps,
          p50us: median(results.map((r) => r.latency.p50)) * 1000,
          p99us: median(results.map((r) => r.latency.p99)) * 1000,
        })
      }
    }
  } finally {
    for (const app of apps.values()) app.child.kill()
    await redis.destroy()
  }
  return { rows }
}
