import { performance } from 'node:perf_hooks'

/** One thing measured: an async operation, called over and over by `concurrency` workers. */
export interface BenchCase {
  name: string
  /** What this row is compared with (the name of another case in the same group). */
  baseline?: string
  /** Marks the libraries people use today, so the table can tell ours from theirs. */
  peer?: boolean
  op: () => Promise<unknown>
}

export interface Measurement {
  ops: number
  opsPerSec: number
  p50us: number
  p99us: number
}

export interface Row extends Measurement {
  group: string
  name: string
  peer: boolean
  /** Shown after a peer row's name instead of "peer" (a reference row that is not a library). */
  tag?: string
  concurrency: number
  baseline: string | null
  ratio: number | null
}

export interface RunOptions {
  concurrency: number
  /** Milliseconds per case per round. */
  durationMs: number
  warmupMs: number
  rounds: number
}

const MAX_SAMPLES = 100_000

/** Runs `op` from `concurrency` workers for `durationMs`; latency is sampled per call. */
export async function measure(op: () => Promise<unknown>, concurrency: number, durationMs: number): Promise<Measurement> {
  const samples = new Float64Array(MAX_SAMPLES)
  let sampled = 0
  let ops = 0
  const started = performance.now()
  const deadline = started + durationMs
  async function worker(): Promise<void> {
    while (performance.now() < deadline) {
      const t0 = performance.now()
      await op()
      const dt = performance.now() - t0
      if (sampled < MAX_SAMPLES) samples[sampled++] = dt
      else if (Math.random() < MAX_SAMPLES / ops) samples[Math.floor(Math.random() * MAX_SAMPLES)] = dt
      ops++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = performance.now() - started
  const sorted = samples.subarray(0, sampled).sort()
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000 : 0)
  return { ops, opsPerSec: (ops / elapsed) * 1000, p50us: at(0.5), p99us: at(0.99) }
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/**
 * The ratio of two cases measured in the same rounds: the median, over the rounds, of that
 * round's rate over the baseline's rate in the same round. A slow spell of a shared machine then
 * weighs on both sides of a ratio instead of on one case's median.
 * @example pairedRatio([90, 45], [100, 50]) // 0.9
 */
export function pairedRatio(rates: readonly number[], baseRates: readonly number[]): number {
  return median(rates.map((rate, round) => rate / baseRates[round]!))
}

/**
 * Measures every case of a group in the same process and the same run: after a warm-up, the
 * cases take turns round after round (rotating who goes first), and each row reports the median
 * of its rounds. Ratios compare rows measured side by side, never against numbers from elsewhere,
 * and are paired per round (`pairedRatio`).
 */
export async function compare(group: string, cases: BenchCase[], options: RunOptions): Promise<Row[]> {
  for (const c of cases) await measure(c.op, options.concurrency, options.warmupMs)
  const results = new Map<string, Measurement[]>(cases.map((c) => [c.name, []]))
  for (let round = 0; round < options.rounds; round++) {
    const order = cases.map((_, i) => cases[(i + round) % cases.length]!)
    for (const c of order) {
      globalThis.gc?.()
      results.get(c.name)!.push(await measure(c.op, options.concurrency, options.durationMs))
    }
  }
  const rows: Row[] = cases.map((c) => {
    const runs = results.get(c.name)!
    return {
      group,
      name: c.name,
      peer: c.peer ?? false,
      concurrency: options.concurrency,
      baseline: c.baseline ?? null,
      ratio: null,
      ops: runs.reduce((n, r) => n + r.ops, 0),
      opsPerSec: median(runs.map((r) => r.opsPerSec)),
      p50us: median(runs.map((r) => r.p50us)),
      p99us: median(runs.map((r) => r.p99us)),
    }
  })
  const rates = (name: string) => results.get(name)!.map((r) => r.opsPerSec)
  for (const row of rows) {
    if (row.baseline !== null && results.has(row.baseline)) row.ratio = pairedRatio(rates(row.name), rates(row.baseline))
  }
  return rows
}

/** A row of a table that is not a throughput (bytes per session, round trips...). */
export interface FactRow {
  group: string
  name: string
  value: number
  unit: string
  peer: boolean
  /** Shown after a peer row's name instead of "peer" (a reference row that is not a library). */
  tag?: string
  baseline: string | null
  ratio: number | null
  note?: string
}

/** Bytes of heap retained per item after building `count` items with `build`. Needs --expose-gc. */
export async function heapPerItem(count: number, build: (i: number) => unknown | Promise<unknown>): Promise<number> {
  if (!globalThis.gc) throw new Error('run with node --expose-gc to measure heap')
  globalThis.gc()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < count; i++) await build(i)
  globalThis.gc()
  const after = process.memoryUsage().heapUsed
  return (after - before) / count
}
