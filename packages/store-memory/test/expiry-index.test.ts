import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../src/index'
import { ExpiryHeap } from '../src/expiry-heap'
import { record } from './helpers'

const T0 = 1_700_000_000_000
const MINUTE = 60_000

describe('the expiry index', () => {
  it('purge pops only the expired entries, never the live ones', async () => {
    const store = new MemoryStore({ maxSessions: Infinity })
    for (let i = 0; i < 1000; i++) await store.insert(record(T0, { userId: null, expiresAt: T0 + 60 * MINUTE + i }), { now: T0 })
    const expired = []
    for (let i = 0; i < 10; i++) {
      const r = record(T0, { expiresAt: T0 + MINUTE + i })
      expired.push(r)
      await store.insert(r, { now: T0 })
    }
    const before = store.stats().expiryIndexVisits
    const removed = await store.purgeExpired({ now: T0 + 2 * MINUTE })
    expect(removed.map((r) => r.id).sort()).toEqual(expired.map((r) => r.id).sort())
    expect(store.stats().expiryIndexVisits - before, 'heap items examined').toBe(10)
    expect(store.size).toBe(1000)
    await store.close()
  })

  it('a touched session is re-indexed once when its old deadline passes, then left alone', async () => {
    const store = new MemoryStore()
    const records = Array.from({ length: 100 }, () => record(T0, { expiresAt: T0 + MINUTE }))
    for (const r of records) await store.insert(r, { now: T0 })
    for (const r of records) await store.touch(r.id, { now: T0 + 1000, idleTtlMs: 10 * MINUTE, touchAfterMs: 0 })
    // The touches did no index work: the deadlines only moved later.
    expect(store.stats().expiryIndexSize).toBe(100)
    expect(await store.purgeExpired({ now: T0 + 2 * MINUTE })).toEqual([])
    expect(store.stats().expiryIndexVisits).toBe(100)
    expect(await store.purgeExpired({ now: T0 + 3 * MINUTE })).toEqual([])
    expect(store.stats().expiryIndexVisits, 'nothing due, nothing examined').toBe(100)
    expect((await store.purgeExpired({ now: T0 + 1000 + 10 * MINUTE })).length).toBe(100)
    await store.close()
  })

  it('an earlier deadline set by replace is honoured by purge', async () => {
    const store = new MemoryStore()
    const r = record(T0, { expiresAt: T0 + 60 * MINUTE })
    await store.insert(r, { now: T0 })
    expect(await store.replace({ ...r, expiresAt: T0 + MINUTE, version: 2 }, 1, T0)).toEqual({ status: 'ok' })
    expect(await store.purgeExpired({ now: T0 + MINUTE })).toEqual([{ id: r.id, userId: r.userId }])
    // The old, later heap item is stale and skipped.
    expect(await store.purgeExpired({ now: T0 + 61 * MINUTE })).toEqual([])
    await store.close()
  })

  it('stays bounded when sessions are deleted and never purged', async () => {
    const store = new MemoryStore({ maxSessions: Infinity })
    for (let i = 0; i < 5000; i++) {
      const r = record(T0)
      await store.insert(r, { now: T0 })
      await store.delete(r.id)
    }
    const stats = store.stats()
    expect(stats.sessions).toBe(0)
    expect(stats.expiryIndexSize).toBeLessThanOrEqual(2 * stats.sessions + 1025)
    await store.close()
  })

  it('ExpiryHeap pops in deadline order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 300 }), (times) => {
        const heap = new ExpiryHeap<number>()
        times.forEach((t, i) => heap.push(t, i, 0))
        const popped: number[] = []
        while (heap.pop((time) => popped.push(time)));
        expect(popped).toEqual([...times].sort((a, b) => a - b))
        expect(heap.size).toBe(0)
      }),
      { seed: 7, numRuns: 200 },
    )
  })
})
