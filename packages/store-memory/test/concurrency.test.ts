import { describe, expect, it } from 'vitest'
import { MemoryStore } from '../src/index'
import { record } from './helpers'

const T0 = 1_700_000_000_000

describe('concurrent callers', () => {
  it('200 concurrent inserts for 10 users with maxPerUser 5 leave exactly 5 each, the newest', async () => {
    const store = new MemoryStore()
    const records = Array.from({ length: 200 }, (_, i) => record(T0, { userId: `u${i % 10}`, createdAt: T0 + i }))
    const results = await Promise.all(records.map((r) => store.insert(r, { now: T0, maxPerUser: 5 })))
    const evicted = results.flatMap((r) => (r.status === 'ok' ? r.evicted : []))
    expect(evicted).toHaveLength(150)
    for (let u = 0; u < 10; u++) {
      const listed = await store.listByUser(`u${u}`, T0)
      expect(listed.map((r) => r.createdAt)).toEqual([190, 180, 170, 160, 150].map((i) => T0 + i + u))
    }
    await store.close()
  })

  it('200 concurrent touches: every persisted access bumps the version exactly once', async () => {
    const store = new MemoryStore()
    const records = Array.from({ length: 50 }, () => record(T0))
    for (const r of records) await store.insert(r, { now: T0 })
    const touches = Array.from({ length: 200 }, (_, i) =>
      store.touch(records[i % 50]!.id, { now: T0 + 1 + i, idleTtlMs: 60_000, touchAfterMs: 0 }),
    )
    const results = await Promise.all(touches)
    expect(results.every((r) => r !== null)).toBe(true)
    for (const [k, r] of records.entries()) {
      const stored = await store.get(r.id, T0 + 500)
      expect(stored?.version).toBe(5)
      // The last of its four touches wins, at T0 + 1 + (150 + k).
      expect(stored?.lastAccessedAt).toBe(T0 + 151 + k)
      expect(stored?.expiresAt).toBe(T0 + 151 + k + 60_000)
    }
    await store.close()
  })

  it('concurrent replaces and touches on one session: no lost update, one winner per version', async () => {
    const store = new MemoryStore()
    const r = record(T0)
    await store.insert(r, { now: T0 })
    const writers = Array.from({ length: 100 }, (_, i) => store.replace({ ...r, payload: `w${i}`, version: 2 }, 1, T0))
    const touches = Array.from({ length: 100 }, () => store.touch(r.id, { now: T0 + 10, idleTtlMs: 60_000, touchAfterMs: 0 }))
    const results = await Promise.all(writers)
    await Promise.all(touches)
    expect(results.filter((x) => x.status === 'ok')).toHaveLength(1)
    const stored = await store.get(r.id, T0 + 10)
    expect(stored?.payload).toBe('w0')
    expect(stored?.version).toBe(102)
    await store.close()
  })
})
