import { describe, expect, it } from 'vitest'
import type { SessionRecord } from '@sessionkit/core'
import { useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { MINUTE, makeRecord, newUserId, refOf, sortIds, sortRefs } from './records'

/**
 * scan (cursor pagination that covers every record exactly once, `includeExpired`) and
 * purgeExpired (removes exactly the expired, returns them, honours `limit`, never touches
 * live records).
 * @example scanTests(factory)
 */
export function scanTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('scan and cleanup', () => {
    const h = useHarness(factory, options)

    /** 25 records: some users, some guests; every third one expires after a minute. */
    async function populate(): Promise<{ live: SessionRecord[]; expiring: SessionRecord[] }> {
      const t0 = h.clock.now()
      const users = [newUserId(), newUserId(), null]
      const live: SessionRecord[] = []
      const expiring: SessionRecord[] = []
      for (let i = 0; i < 25; i++) {
        const expires = i % 3 === 0
        const record = makeRecord(t0, { userId: users[i % 3]!, createdAt: t0 + i, expiresAt: t0 + (expires ? MINUTE : 60 * MINUTE) })
        await h.insert(record)
        ;(expires ? expiring : live).push(record)
      }
      return { live, expiring }
    }

    it('pages through every record exactly once, whatever the page size', async () => {
      const { live, expiring } = await populate()
      const all = [...live, ...expiring]
      for (const limit of [1, 2, 7, 25, 100]) {
        const seen = await h.scanAll({ limit })
        expect(sortIds(seen), `limit ${limit}`).toEqual(sortIds(all))
        expect(new Set(seen.map((r) => r.id)).size, `no duplicates with limit ${limit}`).toBe(seen.length)
      }
    })

    it('returns whole records, equal to what get returns', async () => {
      const { live } = await populate()
      const seen = await h.scanAll({ limit: 4 })
      const byId = new Map(seen.map((r) => [r.id, r]))
      for (const record of live) expect(byId.get(record.id)).toEqual(record)
    })

    it('leaves out expired records unless includeExpired asks for them', async () => {
      const { live, expiring } = await populate()
      h.clock.advance(MINUTE)
      expect(sortIds(await h.scanAll({ limit: 4 }))).toEqual(sortIds(live))
      expect(sortIds(await h.scanAll({ limit: 4, includeExpired: true }))).toEqual(sortIds([...live, ...expiring]))
    })

    it('an empty namespace scans to nothing', async () => {
      expect(await h.scanAll({ limit: 3, includeExpired: true })).toEqual([])
    })

    it('purgeExpired removes exactly the expired records and returns their refs', async () => {
      const { live, expiring } = await populate()
      const t1 = h.clock.advance(MINUTE)
      expect(sortRefs(await h.store.purgeExpired({ now: t1 }))).toEqual(sortRefs(expiring))
      expect(sortIds(await h.scanAll({ limit: 10, includeExpired: true }))).toEqual(sortIds(live))
      for (const record of live) expect(await h.store.get(record.id, t1)).toEqual(record)
      expect(await h.store.purgeExpired({ now: t1 })).toEqual([])
    })

    it('purgeExpired treats expiresAt == now as expired and expiresAt == now + 1 as live', async () => {
      const t0 = h.clock.now()
      const due = makeRecord(t0, { expiresAt: t0 + MINUTE })
      const notYet = makeRecord(t0, { expiresAt: t0 + MINUTE + 1 })
      await h.insert(due)
      await h.insert(notYet)
      expect(await h.store.purgeExpired({ now: t0 + MINUTE })).toEqual([refOf(due)])
      expect(await h.store.get(notYet.id, t0 + MINUTE)).toEqual(notYet)
    })

    it('purgeExpired honours limit: full batches while more remain, each record once', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const expiring = Array.from({ length: 10 }, (_, i) => makeRecord(t0, { userId, createdAt: t0 + i, expiresAt: t0 + MINUTE + i }))
      for (const record of expiring) await h.insert(record)
      const keeper = makeRecord(t0, { userId, expiresAt: t0 + 60 * MINUTE })
      await h.insert(keeper)
      const t1 = h.clock.advance(2 * MINUTE)
      const removed = []
      for (let call = 0; call < 20; call++) {
        const batch = await h.store.purgeExpired({ now: t1, limit: 3 })
        expect(batch.length).toBeLessThanOrEqual(3)
        removed.push(...batch)
        if (batch.length < 3) break
      }
      expect(sortRefs(removed)).toEqual(sortRefs(expiring))
      expect(await h.store.listByUser(userId, t1)).toEqual([keeper])
    })

    it('purgeExpired on a store with only live records removes nothing', async () => {
      const t0 = h.clock.now()
      const records = [0, 1, 2].map(() => makeRecord(t0))
      for (const record of records) await h.insert(record)
      expect(await h.store.purgeExpired({ now: t0 + 1000 })).toEqual([])
      for (const record of records) expect(await h.store.get(record.id, t0 + 1000)).toEqual(record)
    })

    it('purged sessions leave their user’s index: deleteByUser no longer finds them', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const old = makeRecord(t0, { userId, expiresAt: t0 + MINUTE })
      const current = makeRecord(t0, { userId, createdAt: t0 + 1, expiresAt: t0 + 60 * MINUTE })
      await h.insert(old)
      await h.insert(current)
      const t1 = h.clock.advance(MINUTE)
      expect(await h.store.purgeExpired({ now: t1 })).toEqual([refOf(old)])
      expect(await h.store.deleteByUser(userId)).toEqual([refOf(current)])
    })
  })
}
