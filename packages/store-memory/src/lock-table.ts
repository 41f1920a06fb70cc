import { randomUUID } from 'node:crypto'

interface Lock {
  token: string
  expiresAt: number
}

/**
 * Process-local locks with owner tokens and a ttl. A lock whose ttl passed is free; only the
 * token returned by `acquire` releases it. Expired locks are dropped when met and by `sweep`,
 * so the table never outgrows the locks actually held.
 */
export class LockTable {
  readonly #locks = new Map<string, Lock>()
  readonly #clock: () => number

  constructor(clock: () => number) {
    this.#clock = clock
  }

  /** The owner token, or null when someone else holds the lock. */
  acquire(name: string, ttlMs: number): string | null {
    const now = this.#clock()
    const held = this.#locks.get(name)
    if (held && held.expiresAt > now) return null
    const token = randomUUID()
    this.#locks.set(name, { token, expiresAt: now + ttlMs })
    return token
  }

  /** True when `token` owned the live lock and it is now released; anything else is a no-op. */
  release(name: string, token: string): boolean {
    const held = this.#locks.get(name)
    if (!held) return false
    if (held.expiresAt <= this.#clock()) {
      this.#locks.delete(name)
      return false
    }
    if (held.token !== token) return false
    this.#locks.delete(name)
    return true
  }

  /** Drops locks whose ttl has passed. */
  sweep(): void {
    const now = this.#clock()
    for (const [name, lock] of this.#locks) if (lock.expiresAt <= now) this.#locks.delete(name)
  }

  get size(): number {
    return this.#locks.size
  }

  /** `[name, token]` pairs, for the test backdoor. */
  entries(): [string, string][] {
    return [...this.#locks].map(([name, lock]) => [name, lock.token])
  }

  clear(): void {
    this.#locks.clear()
  }
}
