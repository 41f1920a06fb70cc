/**
 * Fault injection, deterministic so a failing test replays the same way: each fault hits
 * exactly the next N matching requests (in the order the faults were added), optionally only
 * one route. Faults are decided before authentication, like a gateway in front of the API.
 */

/** Limits a fault to one route template, e.g. `'POST /tables/{table}/rows'`. */
export interface FaultScope {
  route?: string
}

/** How many requests each kind of fault has hit since the last `clear()`. */
export interface FaultHits {
  delayed: number
  rateLimited: number
  serverErrors: number
  dropped: number
}

/** The fault controls of a running emulator. */
export interface ZeroDbFaults {
  /**
   * Delays requests by `ms` before anything else happens (default: every request until `clear()`).
   * @example emulator.faults.latency(500, { count: 1 }) // the next request takes 500 ms more
   */
  latency(ms: number, options?: FaultScope & { count?: number }): void
  /**
   * Answers the next `count` requests with `429` and a `Retry-After` header (seconds, default 1),
   * without running them. `shape: 'error'` answers `{"error": {code, message, retry_after}}`,
   * the other shape ZeroDB uses; the default is `{"detail": ...}`.
   * @example emulator.faults.rateLimit(2, { retryAfter: 0 })
   */
  rateLimit(count: number, options?: FaultScope & { retryAfter?: number; shape?: 'detail' | 'error' }): void
  /**
   * Answers the next `count` requests with a 5xx (default 500). With `after: true` the request
   * runs first and only the answer is an error: the write applied, the client cannot know.
   * @example emulator.faults.serverError(3)
   */
  serverError(count: number, options?: FaultScope & { status?: number; after?: boolean }): void
  /**
   * Destroys the connection of the next `count` requests without answering (the client's fetch
   * throws). With `after: true` the request runs first and only the answer is lost.
   * @example emulator.faults.dropConnection(1, { after: true, route: 'POST /tables/{table}/rows' })
   */
  dropConnection(count: number, options?: FaultScope & { after?: boolean }): void
  /** Removes every fault and zeroes the hits. */
  clear(): void
  /** What the faults have done so far. */
  hits(): FaultHits
}

/** What to do with one request. */
export interface FaultDecision {
  latencyMs: number
  outcome:
    | { kind: 'pass' }
    | { kind: 'rate-limit'; retryAfter: number; shape: 'detail' | 'error' }
    | { kind: 'server-error'; status: number; after: boolean }
    | { kind: 'drop'; after: boolean }
}

/** The emulator's side of the faults. */
export interface FaultInjector extends ZeroDbFaults {
  decide(route: string): FaultDecision
}

interface Rule {
  remaining: number
  route: string | undefined
  outcome: FaultDecision['outcome']
}

interface LatencyRule {
  remaining: number
  route: string | undefined
  ms: number
}

function positiveCount(count: number, name: string): number {
  if (!(count >= 0)) throw new RangeError(`${name}: count must be a number >= 0`)
  return count
}

/**
 * A fresh fault injector with no faults.
 * @example const faults = createFaults(); faults.serverError(1); faults.decide('GET /tables').outcome.kind // 'server-error'
 */
export function createFaults(): FaultInjector {
  let rules: Rule[] = []
  let latencies: LatencyRule[] = []
  let hits: FaultHits = { delayed: 0, rateLimited: 0, serverErrors: 0, dropped: 0 }
  const applies = (rule: { remaining: number; route: string | undefined }, route: string) =>
    rule.remaining > 0 && (rule.route === undefined || rule.route === route)

  return {
    latency(ms, { count = Number.POSITIVE_INFINITY, route } = {}) {
      latencies.push({ remaining: positiveCount(count, 'latency'), route, ms })
    },
    rateLimit(count, { retryAfter = 1, shape = 'detail', route } = {}) {
      rules.push({ remaining: positiveCount(count, 'rateLimit'), route, outcome: { kind: 'rate-limit', retryAfter, shape } })
    },
    serverError(count, { status = 500, after = false, route } = {}) {
      rules.push({ remaining: positiveCount(count, 'serverError'), route, outcome: { kind: 'server-error', status, after } })
    },
    dropConnection(count, { after = false, route } = {}) {
      rules.push({ remaining: positiveCount(count, 'dropConnection'), route, outcome: { kind: 'drop', after } })
    },
    clear() {
      rules = []
      latencies = []
      hits = { delayed: 0, rateLimited: 0, serverErrors: 0, dropped: 0 }
    },
    hits: () => ({ ...hits }),
    decide(route) {
      const latency = latencies.find((rule) => applies(rule, route))
      if (latency) {
        latency.remaining--
        hits.delayed++
      }
      const rule = rules.find((candidate) => applies(candidate, route))
      if (rule) {
        rule.remaining--
        if (rule.outcome.kind === 'rate-limit') hits.rateLimited++
        else if (rule.outcome.kind === 'server-error') hits.serverErrors++
        else if (rule.outcome.kind === 'drop') hits.dropped++
      }
      return { latencyMs: latency?.ms ?? 0, outcome: rule?.outcome ?? { kind: 'pass' } }
    },
  }
}
