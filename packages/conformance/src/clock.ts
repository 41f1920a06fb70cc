/**
 * The suite's injected clock. It starts at the real time (so stores with native expiry set
 * deadlines in the real future and nothing vanishes behind the suite's back) and only moves
 * when a test advances it: expiry is tested without sleeping.
 * @example
 * const clock = new FakeClock()
 * await store.get(id, clock.now())
 * clock.advance(60_000)
 */
export class FakeClock {
  #now: number

  constructor(start: number = Date.now()) {
    this.#now = start
  }

  /** The current fake time in epoch milliseconds. */
  now(): number {
    return this.#now
  }

  /** Moves the clock forward by `ms` (never backwards) and returns the new time. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError('FakeClock only moves forward')
    this.#now += ms
    return this.#now
  }
}
