import { describe, expect, it } from 'vitest'
import { useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { MINUTE, makeRecord, newSessionId, refOf } from './records'

/**
 * Two namespaces never see each other: records, user indexes, scans, purges and locks.
 * @example isolationTests(factory)
 */
export function isolationTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('isolation between namespaces', () => {
    const h = useHarness(factory, options)

    it('a record in one namespace is invisible in another, and the same id can live in both', async () => {
      const other = await h.open()
      const t0 = h.clock.now()
      const record = makeRecord(t0)
      await h.insert(record)
      expect(await other.get(record.id, t0)).toBeNull()
      expect(await other.touch(record.id, { now: t0, idleTtlMs: MINUTE, touchAfterMs: 0 })).toBeNull()
      expect(await other.replace({ ...record, version: 2 }, 1, t0)).toEqual({ status: 'missing' })
      expect(await other.delete(record.id)).toBeNull()
      const twin = makeRecord(t0, { id: record.id, userId: record.userId, payload: '"twin"' })
      await h.insert(twin, undefined, other)
      expect(await h.store.get(record.id, t0)).toEqual(record)
      expect(await other.get(record.id, t0)).toEqual(twin)
    })

    it('user indexes, limits and deleteByUser stay within their namespace', async () => {
      const other = await h.open()
      const t0 = h.clock.now()
      const userId = 'user-shared-name'
      const mine = [0, 1].map((i) => makeRecord(t0, { userId, createdAt: t0 + i }))
      const theirs = [0, 1].map((i) => makeRecord(t0, { userId, createdAt: t0 + 10 + i }))
      for (const record of mine) await h.insert(record)
      for (const record of theirs) await h.insert(record, 2, other)
      expect(await h.store.listByUser(userId, t0)).toEqual([mine[1], mine[0]])
      expect(await other.listByUser(userId, t0)).toEqual([theirs[1], theirs[0]])
      expect((await h.store.deleteByUser(userId)).map(refOf).length).toBe(2)
      expect(await other.listByUser(userId, t0)).toHaveLength(2)
    })

    it('scan and purgeExpired see only their own namespace', async () => {
      const other = await h.open()
      const t0 = h.clock.now()
      const mine = makeRecord(t0, { expiresAt: t0 + MINUTE })
      const theirs = makeRecord(t0, { expiresAt: t0 + MINUTE })
      await h.insert(mine)
      await h.insert(theirs, undefined, other)
      expect((await h.scanAll({ limit: 10 })).map((r) => r.id)).toEqual([mine.id])
      const t1 = h.clock.advance(MINUTE)
      expect(await h.store.purgeExpired({ now: t1 })).toEqual([refOf(mine)])
      expect((await h.scanAll({ store: other, limit: 10, includeExpired: true })).map((r) => r.id)).toEqual([theirs.id])
    })

    it('a lock in one namespace does not block the same name in another', async () => {
      const other = await h.open()
      const id = newSessionId()
      expect(await h.store.acquireLock(id, { ttlMs: 10_000 })).not.toBeNull()
      expect(await other.acquireLock(id, { ttlMs: 10_000 })).not.toBeNull()
    })
  })
}
