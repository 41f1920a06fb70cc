import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startRedisServer } from '@sessionkit/testkit/redis'
import autocannon from 'autocannon'
import { median, pairedRatio, type FactRow, type Row } from '../harness'
import { APP_LABELS, expressGroupName, isReference, type AppKind } from '../row-names'

/**
 * The middleware over real HTTP on loopback: a read route and a write route with sessionkit on
 * the Redis store, against the same Express app with no sessions and against express-session +
 * connect-redis. Two more apps are references: they do only the Redis round trips any
 * Redis-backed session needs (a plain ioredis `GET` per request, a plain `SET` per write) and
 * nothing else, so their ratios show how much of the distance to bare Express the round trips
 * alone cost on the machine at hand. The first writes each command with its own system call, as
 * plain ioredis does; the second holds the socket until the end of the event-loop turn, as the
 * sessionkit store does (`batchWrites`), which makes it the floor for sessionkit. Each app runs in
 * its own processes (several per app: see `instances`); autocannon (64 connections) runs here;
 * the processes take turns round after round (short rounds, the order rotating) and each row is
 * the median of all its runs. The ratio to bare Express is paired per round and process
 * (`pairedRatio`), so a slow spell of a shared host weighs on both sides of it.
 *
 * On Linux each round also reads the CPU time the app's process, its main thread and the Redis
 * server used (from `/proc`), per request. The app's one thread is what limits its requests per
 * second, so bare Express's CPU per request over an app's reads like a throughput ratio. It
 * separates what an app costs its own process from what Redis and the load generator cost.
 */
const here = dirname(fileURLToPath(import.meta.url))
export const APP_KINDS: readonly AppKind[] = ['bare', 'minimal', 'minimal-batched', 'sessionkit', 'express-session']

/** The two routes every app serves, with their methods. */
export const ROUTES = [
  ['/read', 'GET'],
  ['/write', 'POST'],
] as const

/**
 * Starts one app in its own process and waits for its port. `launcher` runs Node under another
 * program (valgrind, for the instructions group); its own output is kept for the error message.
 */
export async function startApp(kind: AppKind, redisUrl: string, launcher?: { command: string; args: string[] }): Promise<{ port: number; child: ChildProcess }> {
  const nodeArgs = ['--import', 'tsx', join(here, 'express-app.ts'), kind, redisUrl]
  const child = launcher
    ? spawn(launcher.command, [...launcher.args, process.execPath, ...nodeArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'inherit'] })
  let errors = ''
  child.stderr?.on('data', (d: Buffer) => (errors = (errors + d).slice(-4000)))
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      const m = /READY (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.on('exit', (code) => reject(new Error(`${kind} app exited with ${code}${errors ? `:\n${errors}` : ''}`)))
  })
  return { port, child }
}

/** Signs in `count` times and keeps each answer's cookies. */
export async function cookies(port: number, count: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST' })
    const set = res.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ')
    out.push(set)
  }
  return out
}

/** 64 connections of `method path` for a duration or a number of requests, cookies taken in turn from `jar`. */
export function load(port: number, path: string, method: 'GET' | 'POST', jar: string[], span: { durationS: number } | { amount: number }): Promise<autocannon.Result> {
  let i = 0
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: 64,
        // A counted load may run under valgrind, where one request can take seconds.
        ...('amount' in span ? { amount: span.amount, timeout: 120 } : { duration: span.durationS }),
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

/**
 * CPU time (user + system) a process has used, in microseconds, from `/proc/<pid>/stat`; `null`
 * where there is no `/proc` (not Linux) or the process is gone. Clock ticks are 1/100 s on Linux.
 * With `mainThread`, only its main thread's (`/proc/<pid>/task/<pid>/stat`): the rest of a Node
 * process's time is V8's helper threads (garbage collection, compilation) and libuv's pool.
 */
export function cpuMicros(pid: number | null | undefined, { mainThread = false } = {}): number | null {
  if (!pid) return null
  try {
    // Fields after the command name, which ends with ') ' and may itself hold spaces.
    const fields = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  } catch {
    return null
  }
}

/** One app's round: its autocannon result and the CPU per request its process (and its main thread) and Redis used. */
interface Round {
  result: autocannon.Result
  appCpuUs: number | null
  mainCpuUs: number | null
  redisCpuUs: number | null
}

export async function expressGroup(options: { rounds: number; durationS: number; sessions: number; instances: number }): Promise<{ rows: Row[]; facts: FactRow[] }> {
  const redis = await startRedisServer()
  // Each app runs as `instances` processes, each signed in with its own cookies: two processes
  // of one build differ by up to 15% in CPU per request (the JIT and V8's heap sizing decide
  // differently in each), so one process per app would measure that luck with the app.
  const apps = new Map<AppKind, { port: number; child: ChildProcess; jar: string[] }[]>()
  const all: ChildProcess[] = []
  const rows: Row[] = []
  const facts: FactRow[] = []
  try {
    for (const kind of APP_KINDS) {
      const list: { port: number; child: ChildProcess; jar: string[] }[] = []
      for (let i = 0; i < options.instances; i++) {
        const app = await startApp(kind, redis.url)
        all.push(app.child)
        list.push({ ...app, jar: kind === 'bare' ? [] : await cookies(app.port, options.sessions) })
      }
      apps.set(kind, list)
    }
    // One run of every app process per round, the order rotating round after round.
    const slots = APP_KINDS.flatMap((kind) => apps.get(kind)!.map((_, instance) => ({ kind, instance })))
    for (const [route, method] of ROUTES) {
      // runs[kind][round * instances + instance]: paired with bare Express's run of the same round and instance.
      const runs = new Map<AppKind, Round[]>(APP_KINDS.map((k) => [k, []]))
      for (const { kind, instance } of slots) {
        const app = apps.get(kind)![instance]!
        await load(app.port, route, method, app.jar, { durationS: 1 }) // warm-up
      }
      for (let round = 0; round < options.rounds; round++) {
        for (let j = 0; j < slots.length; j++) {
          const { kind, instance } = slots[(j + round) % slots.length]!
          const app = apps.get(kind)![instance]!
          const app0 = cpuMicros(app.child.pid), main0 = cpuMicros(app.child.pid, { mainThread: true }), redis0 = cpuMicros(redis.pid)
          const result = await load(app.port, route, method, app.jar, { durationS: options.durationS })
          const app1 = cpuMicros(app.child.pid), main1 = cpuMicros(app.child.pid, { mainThread: true }), redis1 = cpuMicros(redis.pid)
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${kind} ${route}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
          const perRequest = (a: number | null, b: number | null) => (a === null || b === null || result.requests.total === 0 ? null : (b - a) / result.requests.total)
          runs.get(kind)![round * options.instances + instance] = { result, appCpuUs: perRequest(app0, app1), mainCpuUs: perRequest(main0, main1), redisCpuUs: perRequest(redis0, redis1) }
        }
      }
      const group = expressGroupName(method, route)
      const bare = runs.get('bare')!.map((r) => r.result)
      for (const kind of APP_KINDS) {
        const results = runs.get(kind)!.map((r) => r.result)
        const rps = median(results.map((r) => r.requests.average))
        rows.push({
          group,
          name: APP_LABELS[kind],
          peer: kind !== 'sessionkit',
          ...(isReference(kind) ? { tag: 'reference' } : {}),
          concurrency: 64,
          baseline: kind === 'bare' ? null : APP_LABELS.bare,
          ratio: kind === 'bare' ? null : pairedRatio(results.map((r) => r.requests.average), bare.map((r) => r.requests.average)),
          ops: results.reduce((n, r) => n + r.requests.total, 0),
          opsPerSec: rps,
          p50us: median(results.map((r) => r.latency.p50)) * 1000,
          p99us: median(results.map((r) => r.latency.p99)) * 1000,
        })
      }
      facts.push(...cpuFacts(`express: CPU per request, ${method} ${route}`, runs))
    }
  } finally {
    for (const child of all) child.kill()
    await redis.destroy()
  }
  return { rows, facts }
}

/** The CPU rows of one route: each app's median CPU per request, and bare Express's over it, paired per round. */
function cpuFacts(group: string, runs: Map<AppKind, Round[]>): FactRow[] {
  const bare = runs.get('bare')!.map((r) => r.appCpuUs)
  if (bare.some((v) => v === null)) {
    console.error(`[bench] ${group}: no /proc on this system, so no CPU figures`)
    return []
  }
  return APP_KINDS.map((kind) => {
    const rounds = runs.get(kind)!
    const app = rounds.map((r) => r.appCpuUs!)
    const redisUs = rounds.every((r) => r.redisCpuUs !== null) ? median(rounds.map((r) => r.redisCpuUs!)) : null
    const mainUs = rounds.every((r) => r.mainCpuUs !== null) ? median(rounds.map((r) => r.mainCpuUs!)) : null
    // Where the process's time went: its JavaScript thread, and the rest (V8's collector and
    // compiler threads, libuv's pool), each the median of its rounds.
    const split = mainUs === null ? null : `main thread ${mainUs.toFixed(1)} µs, other threads ${median(rounds.map((r) => r.appCpuUs! - r.mainCpuUs!)).toFixed(1)} µs`
    return {
      group,
      name: `${APP_LABELS[kind]}: app process`,
      value: median(app),
      unit: 'µs per request',
      peer: kind !== 'sessionkit',
      ...(isReference(kind) ? { tag: 'reference' } : {}),
      baseline: kind === 'bare' ? null : `${APP_LABELS.bare}: app process`,
      // Requests per CPU-second, paired per round: bare Express's CPU per request over this app's.
      ratio: kind === 'bare' ? null : pairedRatio(app.map((us) => 1 / us), bare.map((us) => 1 / us!)),
      note: [
        kind === 'bare' ? "the baseline; each ratio is its CPU per request over the row's, so it reads like a throughput ratio" : null,
        split,
        kind === 'bare' || redisUs === null ? null : `Redis server: ${redisUs.toFixed(1)} µs per request`,
      ]
        .filter((part) => part !== null)
        .join('; '),
    }
  })
}
