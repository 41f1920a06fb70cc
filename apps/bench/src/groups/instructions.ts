import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisServer } from '@sessionkit/testkit/redis'
import type { FactRow } from '../harness'
import { APP_LABELS, isReference } from '../row-names'
import { APP_KINDS, ROUTES, cookies, load, startApp } from './express'

/**
 * CPU instructions per request of each Express app, counted by valgrind's callgrind. Requests
 * per second on a shared 2-core machine move with the neighbours by a third and more; an
 * instruction count moves much less, so this group shows what each app costs in CPU whatever
 * else the machine is doing. It is not exact: the count includes V8's garbage collector and
 * compiler threads, and how many requests share one turn of the event loop depends on speed.
 * Blocks of 4,000 write requests of one build counted 735,000 to 846,000 instructions per
 * request, and the read route of an unchanged build 658,000 one day and 697,000 the next: a
 * difference of less than about 10% between two counts may be noise.
 *
 * Each app runs under callgrind with instrumentation off while it starts, hands out cookies and
 * warms up (the JIT), then on for exactly `requests` requests per route (autocannon, 64
 * connections). The count covers every thread of the process: JavaScript, the garbage collector's
 * helpers, V8's compiler, libuv. It leaves out the kernel (system calls) and Redis itself.
 */
const CALLGRIND = ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', '--dump-instr=no']

export async function instructionsGroup(options: { requests: number; warmup: number; sessions: number }): Promise<{ facts: FactRow[] }> {
  requireTool('valgrind', ['--version'])
  requireTool('callgrind_control', ['--help'])
  const redis = await startRedisServer()
  const facts: FactRow[] = []
  const counts = new Map<string, number>()
  try {
    for (const kind of APP_KINDS) {
      const dir = mkdtempSync(join(tmpdir(), `sessionkit-callgrind-${kind}-`))
      const app = await startApp(kind, redis.url, { command: 'valgrind', args: [...CALLGRIND, `--callgrind-out-file=${join(dir, 'out')}`] })
      try {
        const jar = kind === 'bare' ? [] : await cookies(app.port, options.sessions)
        for (const [route, method] of ROUTES) await load(app.port, route, method, jar, { amount: options.warmup })
        for (const [route, method] of ROUTES) {
          const pid = app.child.pid!
          control(['--zero', String(pid)])
          control(['--instr=on', String(pid)])
          const result = await load(app.port, route, method, jar, { amount: options.requests })
          control(['--instr=off', String(pid)])
          const before = new Set(readdirSync(dir))
          control(['--dump', String(pid)])
          if (result.non2xx > 0 || result.errors > 0) throw new Error(`${kind} ${route}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
          counts.set(`${kind} ${route}`, dumpedTotal(dir, before) / result.requests.total)
        }
      } finally {
        app.child.kill('SIGKILL')
        rmSync(dir, { recursive: true, force: true })
      }
    }
  } finally {
    await redis.destroy()
  }
  for (const [route, method] of ROUTES) {
    const group = `express: instructions per request, ${method} ${route} (callgrind, 64 connections)`
    const bare = counts.get(`bare ${route}`)!
    for (const kind of APP_KINDS) {
      const value = counts.get(`${kind} ${route}`)!
      facts.push({
        group,
        name: APP_LABELS[kind],
        value,
        unit: 'instructions',
        peer: kind !== 'sessionkit',
        ...(isReference(kind) ? { tag: 'reference' } : {}),
        baseline: kind === 'bare' ? null : APP_LABELS.bare,
        ratio: kind === 'bare' ? null : bare / value,
        ...(kind === 'bare' ? {} : { note: "bare Express's count over this row's (read it like a throughput ratio)" }),
      })
    }
  }
  return { facts }
}

function requireTool(command: string, args: string[]): void {
  const probe = spawnSync(command, args, { stdio: 'ignore' })
  if (probe.error || probe.status !== 0) {
    throw new Error(`the instructions group needs ${command} (valgrind's callgrind), which is not installed here; on Debian: apt-get install -y valgrind`)
  }
}

function control(args: string[]): void {
  const r = spawnSync('callgrind_control', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`callgrind_control ${args.join(' ')} failed: ${r.stderr || r.stdout}`)
}

/** The instruction total of the dump callgrind just wrote in `dir` (the file not in `before`). */
function dumpedTotal(dir: string, before: Set<string>): number {
  const written = readdirSync(dir).filter((name) => !before.has(name))
  if (written.length !== 1) throw new Error(`expected one new callgrind dump in ${dir}, found ${written.length}`)
  const file = join(dir, written[0]!)
  const total = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'))
  if (!total) throw new Error(`no instruction total in ${file}`)
  return Number(total[1])
}
