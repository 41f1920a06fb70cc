/**
 * Requests the emulator received, by route template (`'POST /tables/{table}/query'`), so a
 * test can assert how many HTTP requests an operation cost. Faulted requests count too: the
 * client did send them.
 */
export interface ZeroDbCounters {
  /** Every request, matched or not. */
  readonly total: number
  /** Requests of one route, e.g. `counters.get('PUT /tables/{table}/rows/bulk')`. */
  get(route: string): number
  /** A copy of every route's count. */
  byRoute(): Record<string, number>
  /** Back to zero. */
  reset(): void
}

/** The emulator's side of the counters. */
export interface CounterRecorder extends ZeroDbCounters {
  record(route: string): void
}

/**
 * A fresh set of counters.
 * @example const counters = createCounters(); counters.record('GET /tables'); counters.total // 1
 */
export function createCounters(): CounterRecorder {
  const counts = new Map<string, number>()
  let total = 0
  return {
    get total() {
      return total
    },
    get: (route) => counts.get(route) ?? 0,
    byRoute: () => Object.fromEntries(counts),
    reset() {
      counts.clear()
      total = 0
    },
    record(route) {
      total++
      counts.set(route, (counts.get(route) ?? 0) + 1)
    },
  }
}
