import { performance } from 'node:perf_hooks'
import { SessionManager } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import type { FactRow } from '../harness'

/**
 * Work that must not grow with the total: cleanup of N expired sessions (the expiry index
 * visits only the expired), and getUserSessions for a user with 10 sessions among a million
 * (the per-user index). Memory store, injected clock.
 */
export async function scalingGroup(options: { expired: number; total: number }): Promise<FactRow[]> {
  const rows: FactRow[] = []
  let now = Date.now()
  const clock = () => now
  const timeIt = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now()
    await fn()
    return performance.now() - t0
  }

  // Cleanup: N expired among N live.
  {
    const store = new MemoryStore({ maxSessions: Infinity })
    const manager = new SessionManager({ store, expiration: { strategy: 'fixed', ttl: 60 }, cleanupInterval: false, now: clock })
    for (let i = 0; i < options.expired; i++) await manager.create(`u${i % 1000}`, {})
    now += 120_000
    for (let i = 0; i < options.expired; i++) await manager.create(`u${i % 1000}`, {})
    let removed = 0
    const ms = await timeIt(async () => {
      removed = await manager.cleanup()
    })
    rows.push({
      group: 'scaling',
      name: `cleanup of ${removed.toLocaleString('en')} expired among ${(options.expired * 2).toLocaleString('en')} (memory)`,
      value: ms,
      unit: 'ms',
      peer: false,
      baseline: null,
      ratio: null,
      note: `${((ms * 1000) / Math.max(1, removed)).toFixed(2)} µs per removed session; live ones not visited (expiry index visits: ${store.stats().expiryIndexVisits.toLocaleString('en')})`,
    })
    await manager.close()
  }

  // getUserSessions for a user with 10 sessions, among `total`.
  for (const total of [10_000, options.total]) {
    const store = new MemoryStore({ maxSessions: Infinity })
    const manager = new SessionManager({ store, expiration: { strategy: 'sliding', ttl: 3600 }, cleanupInterval: false, now: clock })
    for (let i = 0; i < total - 10; i++) await manager.create(`user-${i}`, {})
    for (let i = 0; i < 10; i++) await manager.create('the-user', {})
    for (let i = 0; i < 100; i++) await manager.getUserSessions('the-user')
    const runs = 1000
    const ms = await timeIt(async () => {
      for (let i = 0; i < runs; i++) await manager.getUserSessions('the-user')
    })
    rows.push({
      group: 'scaling',
      name: `getUserSessions, 10 sessions among ${total.toLocaleString('en')} (memory)`,
      value: (ms * 1000) / runs,
      unit: 'µs per call',
      peer: false,
      baseline: total === options.total ? `getUserSessions, 10 sessions among ${(10_000).toLocaleString('en')} (memory)` : null,
      ratio: null,
      note: 'the ratio to the 10,000 row shows whether it grows with the total',
    })
    await manager.close()
  }
  const small = rows.find((r) => r.name.includes('among 10,000'))!
  const large = rows.at(-1)!
  large.ratio = large.value / small.value
  return rows
}
