/**
 * Fault injection for the local Upstash server: latency, 500 answers and dropped connections.
 * Everything is deterministic so a failing test replays the same way: a count hits exactly the
 * next N requests, and a probability draws from a seeded generator.
 */

/**
 * Which requests a fault hits: a number is "the next N requests"; `{ probability, seed }` hits
 * each request with that probability, drawn from a generator seeded with `seed` (default 1).
 */
export type FaultTrigger = number | { probability: number; seed?: number }

/** The whole fault state; each `faults.set()` replaces the previous one. */
export interface FaultSettings {
  /** Delay every request by this many milliseconds before anything else happens. */
  latencyMs?: number
  /** Answer `500 {"error": ...}` without running anything. */
  status500?: FaultTrigger
  /** Destroy the connection without answering (the client's `fetch` throws). */
  drop?: FaultTrigger
  /**
   * `'before'` (default): the connection drops before Redis runs anything. `'after'`: the
   * commands run on Redis and only the answer is lost, which is what makes client retries
   * dangerous for writes that are not idempotent.
   */
  dropWhen?: 'before' | 'after'
}

/** How many requests each fault has hit since the last `set`, `clear` or server reset. */
export interface FaultTally {
  delayed: number
  status500: number
  dropped: number
}

/** The fault controls a server exposes. */
export interface UpstashFaults {
  /**
   * Replaces the fault state.
   * @example server.faults.set({ status500: 2 }) // the next two requests answer 500
   */
  set(settings: FaultSettings): void
  /** No more faults. */
  clear(): void
  /** What the faults have hit so far. */
  tally(): FaultTally
}

/** What the server should do with one request, decided when it arrives. */
export interface FaultDecision {
  latencyMs: number
  outcome: 'pass' | 'status500' | 'drop-before' | 'drop-after'
}

/** The server's side of the faults: one decision per request. */
export interface FaultInjector extends UpstashFaults {
  decide(): FaultDecision
}

/** A trigger that can be asked, once per request, whether it fires. */
type Firing = () => boolean

/**
 * mulberry32: a tiny seeded PRNG, plenty for reproducible fault patterns.
 * @example const next = seededRandom(42); next() // same value on every run
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function firing(trigger: FaultTrigger | undefined, name: string): Firing {
  if (trigger === undefined) return () => false
  if (typeof trigger === 'number') {
    if (!Number.isInteger(trigger) || trigger < 0) throw new RangeError(`faults.${name}: expected a count >= 0`)
    let left = trigger
    return () => (left > 0 ? (left -= 1, true) : false)
  }
  const { probability, seed = 1 } = trigger
  if (!(probability >= 0 && probability <= 1)) throw new RangeError(`faults.${name}.probability: expected 0..1`)
  const next = seededRandom(seed)
  return () => next() < probability
}

/**
 * A fault injector with no faults set.
 * @example
 * const faults = createFaults()
 * faults.set({ drop: 1 })
 * faults.decide().outcome // 'drop-before', then 'pass'
 */
export function createFaults(): FaultInjector {
  let latencyMs = 0
  let dropWhen: 'before' | 'after' = 'before'
  let drop: Firing = () => false
  let status500: Firing = () => false
  let tally: FaultTally = { delayed: 0, status500: 0, dropped: 0 }

  const set = (settings: FaultSettings): void => {
    const latency = settings.latencyMs ?? 0
    if (!(latency >= 0)) throw new RangeError('faults.latencyMs: expected a number >= 0')
    latencyMs = latency
    dropWhen = settings.dropWhen ?? 'before'
    drop = firing(settings.drop, 'drop')
    status500 = firing(settings.status500, 'status500')
    tally = { delayed: 0, status500: 0, dropped: 0 }
  }

  return {
    set,
    clear: () => set({}),
    tally: () => ({ ...tally }),
    decide: () => {
      if (latencyMs > 0) tally.delayed += 1
      // A dropped connection wins over a 500: the client never sees an answer at all.
      if (drop()) {
        tally.dropped += 1
        return { latencyMs, outcome: dropWhen === 'after' ? 'drop-after' : 'drop-before' }
      }
      if (status500()) {
        tally.status500 += 1
        return { latencyMs, outcome: 'status500' }
      }
      return { latencyMs, outcome: 'pass' }
    },
  }
}
