// Runs one benchmark group in this process and writes its rows as JSON to the path given.
// The parent (index.ts) starts one process per group so groups never share a heap or a JIT.
import { writeFileSync } from 'node:fs'
import type { RunOptions } from './harness'
import { memoryGroup } from './groups/memory'
import { redisGroup } from './groups/redis'
import { expressGroup } from './groups/express'
import { instructionsGroup } from './groups/instructions'
import { roundTripsGroup } from './groups/round-trips'
import { scalingGroup } from './groups/scaling'

const [group, out, mode] = process.argv.slice(2)
const quick = mode === 'quick'
const base: RunOptions = quick
  ? { concurrency: 1, durationMs: 200, warmupMs: 100, rounds: 2 }
  : { concurrency: 1, durationMs: 1500, warmupMs: 1000, rounds: 5 }

const groups: Record<string, () => Promise<unknown>> = {
  memory: () => memoryGroup({ ...base, population: quick ? 10_000 : 100_000, heapCount: quick ? 20_000 : 1_000_000 }),
  express: () => expressGroup({ rounds: quick ? 1 : 3, durationS: quick ? 1 : 2, sessions: quick ? 50 : 1000, instances: quick ? 1 : 3 }),
  instructions: async () => ({ rows: [], ...(await instructionsGroup({ requests: quick ? 300 : 10_000, warmup: quick ? 300 : 3_000, sessions: quick ? 20 : 200 })) }),
  'round-trips': async () => ({ rows: [], facts: await roundTripsGroup() }),
  scaling: async () => ({ rows: [], facts: await scalingGroup({ expired: quick ? 10_000 : 100_000, total: quick ? 100_000 : 1_000_000 }) }),
  redis: () => redisGroup({ ...base, population: quick ? 1_000 : 10_000, memoryCount: quick ? 5_000 : 100_000, concurrencies: [1, 64] }),
}

const run = groups[group ?? '']
if (!run) {
  console.error(`unknown group "${group}"; known: ${Object.keys(groups).join(', ')}`)
  process.exit(2)
}
writeFileSync(out!, JSON.stringify(await run()))
process.exit(0)
