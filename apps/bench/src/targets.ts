import type { FactRow, Row } from './harness'
import { APP_LABELS, MEMORY_GET, REDIS_GET, ROUND_TRIPS, expressGroupName } from './row-names'

/**
 * The performance targets of the bench (the project's issue 9), checked against one run: every
 * figure is a ratio or a count from that run's own tables, never from another run. A target whose
 * rows the run did not produce (a group that was not run) is left out.
 */
export interface TargetResult {
  target: string
  /** The goal as the issue states it, e.g. `≥ 0.85x`. */
  goal: string
  /** This run's figure. */
  figure: string
  met: boolean
  /** Rows of the same run that help read the figure (the reference apps, the peer). */
  context?: string
}

const x = (ratio: number) => `${ratio.toFixed(2)}x`

/** A ratio against its goal: with a third decimal when two would round a miss up to the goal. */
const against = (ratio: number, goal: number) => (ratio < goal && Number(ratio.toFixed(2)) >= goal ? `${ratio.toFixed(3)}x` : x(ratio))

/**
 * The targets, in the order, with this run's figures.
 * @example checkTargets(rows, facts).filter((t) => !t.met) // the targets this run missed
 */
export function checkTargets(rows: readonly Row[], facts: readonly FactRow[]): TargetResult[] {
  const ratioOf = (group: string, name: string, concurrency?: number) =>
    rows.find((r) => r.group === group && r.name === name && (concurrency === undefined || r.concurrency === concurrency))?.ratio ?? null
  const results: TargetResult[] = []

  const memory = ratioOf(MEMORY_GET.group, MEMORY_GET.storeTouch)
  if (memory !== null) {
    results.push({ target: 'Memory store get (touching) vs lru-cache get (ttl)', goal: '≥ 1.0x', figure: against(memory, 1), met: memory >= 1 })
  }

  const redisGet = ratioOf(REDIS_GET.group, REDIS_GET.managerGet, 64)
  if (redisGet !== null) {
    results.push({ target: 'Redis manager.get (with touch) vs raw ioredis GET, concurrency 64', goal: '≥ 0.85x', figure: against(redisGet, 0.85), met: redisGet >= 0.85 })
  }

  for (const [label, method, route, goal] of [
    ['Express read route vs bare Express', 'GET', '/read', 0.85],
    ['Express write route vs bare Express', 'POST', '/write', 0.75],
  ] as const) {
    const group = expressGroupName(method, route)
    const ours = ratioOf(group, APP_LABELS.sessionkit)
    if (ours === null) continue
    const reference = (name: string, ratio: number | null) => (ratio === null ? null : `${name} ${x(ratio)}${ratio < goal ? ', itself under the goal' : ''}`)
    const peer = ratioOf(group, APP_LABELS['express-session'])
    const context = [
      reference('minimal Redis session (reference)', ratioOf(group, APP_LABELS.minimal)),
      reference('the same, batched (reference)', ratioOf(group, APP_LABELS['minimal-batched'])),
      peer === null ? null : `express-session + connect-redis ${x(peer)}`,
    ].filter((part) => part !== null)
    results.push({ target: label, goal: `≥ ${goal.toFixed(2)}x`, figure: against(ours, goal), met: ours >= goal, ...(context.length ? { context: context.join('; ') } : {}) })
  }

  for (const store of ['Redis', 'Upstash']) {
    const counts = Object.entries(ROUND_TRIPS.operations).map(([short, operation]) => {
      const row = facts.find((f) => f.group === ROUND_TRIPS.group && f.name === ROUND_TRIPS.name(store, operation))
      return row ? { short, value: row.value } : null
    })
    const present = counts.filter((c) => c !== null)
    if (present.length < counts.length) continue
    results.push({
      target: `${store}: round trips per create, get, save and delete`,
      goal: '1 each',
      figure: present.map((c) => `${c.short} ${c.value}`).join(', '),
      met: present.every((c) => c.value === 1),
    })
  }

  // The cost at every concurrency the run measured: the goal holds only if it holds at each.
  const encryption = rows
    .filter((r) => r.group === REDIS_GET.group && r.name === REDIS_GET.encrypted && r.ratio !== null)
    .map((r) => ({ concurrency: r.concurrency, cost: 1 - r.ratio! }))
  if (encryption.length) {
    results.push({
      target: 'Encryption cost on the Redis get path (encrypted manager.get vs plain)',
      goal: '≤ 10%',
      // One decimal, so a cost just over the goal never reads as exactly 10%.
      figure: encryption.map((e) => `${(e.cost * 100).toFixed(1)}% at concurrency ${e.concurrency}`).join(', '),
      met: encryption.every((e) => e.cost <= 0.1),
    })
  }
  return results
}

/** The targets as a markdown section, or nothing when the run produced none of their rows. */
export function targetsMarkdown(results: readonly TargetResult[]): string[] {
  if (!results.length) return []
  const out = ['## Targets', '']
  out.push(`${results.filter((r) => r.met).length} of ${results.length} met in this run. Every figure is from this run's tables below.`, '')
  out.push('| target | goal | this run | met | same run |', '|---|---|---|---|---|')
  for (const r of results) out.push(`| ${r.target} | ${r.goal} | ${r.figure} | ${r.met ? 'yes' : '**no**'} | ${r.context ?? ''} |`)
  out.push('')
  return out
}
