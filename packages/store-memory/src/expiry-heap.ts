/**
 * A binary min-heap of `(deadline, item, generation)` kept in three parallel arrays, so a push
 * allocates nothing beyond array growth. It is the expiry index of the memory store: purge pops
 * only items whose deadline has passed and never looks at the rest.
 *
 * Invalidation is lazy: when a record's deadline moves later (a touch) its item is left in
 * place; when the item's deadline passes, purge sees the record is still live and pushes it
 * again once. The generation lets the owner tell the current item of a record from stale ones.
 */
export class ExpiryHeap<T> {
  #times: number[] = []
  #items: T[] = []
  #gens: number[] = []
  /** Items popped since creation: the work purges did, exposed for tests and stats. */
  pops = 0

  /** Items held, stale ones included. */
  get size(): number {
    return this.#times.length
  }

  /** The earliest deadline, or `Infinity` when empty. */
  peekTime(): number {
    return this.#times.length === 0 ? Infinity : this.#times[0]!
  }

  /**
   * Adds an item due at `time`.
   * @example heap.push(record.expiresAt, entry, ++entry.generation)
   */
  push(time: number, item: T, generation: number): void {
    const times = this.#times
    const items = this.#items
    const gens = this.#gens
    let i = times.length
    times.push(time)
    items.push(item)
    gens.push(generation)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (times[parent]! <= time) break
      times[i] = times[parent]!
      items[i] = items[parent]!
      gens[i] = gens[parent]!
      i = parent
    }
    times[i] = time
    items[i] = item
    gens[i] = generation
  }

  /**
   * Removes the earliest item and hands it to `visit(time, item, generation)`. Returns false
   * when the heap is empty. A callback instead of a returned tuple keeps purge allocation-free.
   */
  pop(visit: (time: number, item: T, generation: number) => void): boolean {
    const times = this.#times
    const items = this.#items
    const gens = this.#gens
    const n = times.length
    if (n === 0) return false
    const time = times[0]!
    const item = items[0]!
    const generation = gens[0]!
    const lastTime = times.pop()!
    const lastItem = items.pop()!
    const lastGen = gens.pop()!
    if (n > 1) {
      let i = 0
      const size = n - 1
      for (;;) {
        const left = 2 * i + 1
        if (left >= size) break
        const right = left + 1
        const child = right < size && times[right]! < times[left]! ? right : left
        if (times[child]! >= lastTime) break
        times[i] = times[child]!
        items[i] = items[child]!
        gens[i] = gens[child]!
        i = child
      }
      times[i] = lastTime
      items[i] = lastItem
      gens[i] = lastGen
    }
    this.pops++
    visit(time, item, generation)
    return true
  }

  /** Drops every item (used when the owner rebuilds the index from its live records). */
  clear(): void {
    this.#times = []
    this.#items = []
    this.#gens = []
  }
}
