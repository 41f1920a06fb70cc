/**
 * What the local Upstash server has seen: HTTP requests by route, commands by name (what Upstash
 * bills per request), and answers by status. Tests and the benchmark read these to prove how many
 * requests and commands each store operation costs.
 */

/** A plain copy of the counters at one moment. */
export interface UpstashCounterSnapshot {
  /** HTTP requests received (every status, faults included), in total and by route. */
  requests: { total: number; byRoute: Record<string, number> }
  /**
   * Commands sent on to Redis, in total and by lower-case name (`evalsha`, `get`, ...). A command
   * inside a pipeline or a transaction counts once; the `redis.call`s a script makes are not seen
   * here (read Redis's own `INFO commandstats` for those).
   */
  commands: { total: number; byName: Record<string, number> }
  /** How requests ended: by HTTP status (`"200"`, `"400"`, ...) or `"dropped"`. */
  responses: Record<string, number>
}

/** Live counters with a snapshot and a reset. */
export interface UpstashCounters {
  /** A copy that later requests do not change. */
  snapshot(): UpstashCounterSnapshot
  /** Back to zero. */
  reset(): void
}

/** The server's side of the counters. */
export interface CounterRecorder extends UpstashCounters {
  /** Counts one HTTP request on `route`. */
  countRequest(route: string): void
  /** Counts commands about to run on Redis, by their lower-case names. */
  countCommands(names: readonly string[]): void
  /** Counts how a request ended. */
  countResponse(outcome: number | 'dropped'): void
}

function increment(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1
}

/**
 * New counters, all zero.
 * @example
 * const counters = createCounters()
 * counters.countRequest('/pipeline')
 * counters.snapshot().requests.byRoute['/pipeline'] // 1
 */
export function createCounters(): CounterRecorder {
  let state: UpstashCounterSnapshot = empty()
  return {
    snapshot: () => structuredClone(state),
    reset: () => {
      state = empty()
    },
    countRequest: (route) => {
      state.requests.total += 1
      increment(state.requests.byRoute, route)
    },
    countCommands: (names) => {
      for (const name of names) {
        state.commands.total += 1
        increment(state.commands.byName, name)
      }
    },
    countResponse: (outcome) => increment(state.responses, String(outcome)),
  }
}

function empty(): UpstashCounterSnapshot {
  return { requests: { total: 0, byRoute: {} }, commands: { total: 0, byName: {} }, responses: {} }
}
