import { describe, expect, it } from 'vitest'
import { useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { MINUTE, makeRecord, newUserId, refOf, sortIds, sortRefs } from './records'

/**
 * The per-user index: listByUser (newest first, live only), deleteByUser (with `exceptId`),
 * maxPerUser eviction of the oldest, guests outside any index, and the declared
 * `atomicInsert` / `atomicUserLimit` behaviour under concurrency.
 * @example userIndexTests(factory)
 */
export function userIndexTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('user index and limits', () => {
    const h = useHarness(factory, options)

    it('listByUser returns the user’s live sessions, newest createdAt first', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      // Inserted out of createdAt order: the order comes from createdAt, not from insertion.
      const records = [2, 0, 4, 1, 3].map((i) => makeRecord(t0, { userId, createdAt: t0 - 10_000 + i * 1000 }))
      for (const record of records) await h.insert(record)
      await h.insert(makeRecord(t0)) // another user
      const listed = await h.store.listByUser(userId, t0)
      expect(listed).toEqual([...records].sort((a, b) => b.createdAt - a.createdAt))
    })

    it('listByUser answers an empty list for an unknown user', async () => {
      expect(await h.store.listByUser(newUserId(), h.clock.now())).toEqual([])
    })

    it('delete removes the session from its user’s list', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const [a, b] = [makeRecord(t0, { userId }), makeRecord(t0 + 1, { userId })]
      await h.insert(a)
      await h.insert(b)
      await h.store.delete(b.id)
      expect(await h.store.listByUser(userId, t0)).toEqual([a])
    })

    it('listByUser leaves out expired sessions and stays right as they accumulate', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      for (let i = 0; i < 6; i++) await h.insert(makeRecord(t0 + i, { userId, createdAt: t0 + i, expiresAt: t0 + MINUTE }))
      const keeper = makeRecord(t0 + 10, { userId, createdAt: t0 + 10, expiresAt: t0 + 60 * MINUTE })
      await h.insert(keeper)
      const t1 = h.clock.advance(MINUTE)
      expect(await h.store.listByUser(userId, t1)).toEqual([keeper])
      // A second look (after any pruning the first one did) answers the same.
      expect(await h.store.listByUser(userId, t1)).toEqual([keeper])
    })

    it('guest sessions (userId null) belong to no user and no limit', async () => {
      const t0 = h.clock.now()
      const guests = [0, 1, 2].map((i) => makeRecord(t0 + i, { userId: null, createdAt: t0 + i }))
      for (const guest of guests) {
        expect(await h.store.insert(guest, { now: t0, maxPerUser: 1 })).toEqual({ status: 'ok', evicted: [] })
      }
      for (const guest of guests) expect(await h.store.get(guest.id, t0)).toEqual(guest)
      for (const name of ['null', '', 'undefined']) expect(await h.store.listByUser(name, t0)).toEqual([])
      expect(await h.store.deleteByUser('null')).toEqual([])
      for (const guest of guests) expect(await h.store.get(guest.id, t0)).toEqual(guest)
    })

    it('maxPerUser removes the oldest by createdAt (not by insertion order) and returns them', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const [b, a, c] = [1, 0, 2].map((i) => makeRecord(t0, { userId, createdAt: t0 + i * 1000 }))
      for (const record of [b!, a!, c!]) await h.insert(record, 3)
      const d = makeRecord(t0, { userId, createdAt: t0 + 3000 })
      expect(await h.store.insert(d, { now: t0, maxPerUser: 3 })).toEqual({ status: 'ok', evicted: [refOf(a!)] })
      expect(await h.store.get(a!.id, t0)).toBeNull()
      expect(await h.store.listByUser(userId, t0)).toEqual([d, c, b])
    })

    it('maxPerUser below the current count removes every oldest session beyond it', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const records = [0, 1, 2, 3, 4].map((i) => makeRecord(t0, { userId, createdAt: t0 + i }))
      for (const record of records) await h.insert(record)
      const newest = makeRecord(t0, { userId, createdAt: t0 + 10 })
      const result = await h.store.insert(newest, { now: t0, maxPerUser: 2 })
      expect(result.status).toBe('ok')
      expect(sortRefs(result.status === 'ok' ? result.evicted : [])).toEqual(sortRefs(records.slice(0, 4)))
      expect(await h.store.listByUser(userId, t0)).toEqual([newest, records[4]])
    })

    it('maxPerUser counts only live sessions: expired ones are not evicted in their place', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      for (let i = 0; i < 2; i++) await h.insert(makeRecord(t0, { userId, createdAt: t0 + i, expiresAt: t0 + MINUTE }))
      const t1 = h.clock.advance(MINUTE)
      const fresh = [0, 1].map((i) => makeRecord(t1, { userId, createdAt: t1 + i }))
      for (const record of fresh) {
        expect(await h.store.insert(record, { now: t1, maxPerUser: 2 })).toEqual({ status: 'ok', evicted: [] })
      }
      expect(await h.store.listByUser(userId, t1)).toEqual([fresh[1], fresh[0]])
    })

    it('maxPerUser applies to one user only', async () => {
      const t0 = h.clock.now()
      const [u1, u2] = [newUserId(), newUserId()]
      for (let i = 0; i < 3; i++) await h.insert(makeRecord(t0, { userId: u1, createdAt: t0 + i }), 3)
      const other = makeRecord(t0, { userId: u2, createdAt: t0 + 5 })
      expect(await h.store.insert(other, { now: t0, maxPerUser: 1 })).toEqual({ status: 'ok', evicted: [] })
      expect(await h.store.listByUser(u1, t0)).toHaveLength(3)
    })

    it('deleteByUser removes every session of the user and returns them; others stay', async () => {
      const t0 = h.clock.now()
      const [userId, otherUser] = [newUserId(), newUserId()]
      const mine = [0, 1, 2].map((i) => makeRecord(t0, { userId, createdAt: t0 + i }))
      const theirs = makeRecord(t0, { userId: otherUser })
      const guest = makeRecord(t0, { userId: null })
      for (const record of [...mine, theirs, guest]) await h.insert(record)
      expect(sortRefs(await h.store.deleteByUser(userId))).toEqual(sortRefs(mine))
      expect(await h.store.listByUser(userId, t0)).toEqual([])
      for (const record of mine) expect(await h.store.get(record.id, t0)).toBeNull()
      expect(await h.store.get(theirs.id, t0)).toEqual(theirs)
      expect(await h.store.get(guest.id, t0)).toEqual(guest)
      expect(await h.store.deleteByUser(userId)).toEqual([])
    })

    it('deleteByUser with exceptId keeps that one session', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const mine = [0, 1, 2].map((i) => makeRecord(t0, { userId, createdAt: t0 + i }))
      for (const record of mine) await h.insert(record)
      const removed = await h.store.deleteByUser(userId, { exceptId: mine[1]!.id })
      expect(sortRefs(removed)).toEqual(sortRefs([mine[0]!, mine[2]!]))
      expect(await h.store.listByUser(userId, t0)).toEqual([mine[1]])
    })

    it('deleteByUser of an unknown user removes nothing', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0)
      await h.insert(record)
      expect(await h.store.deleteByUser(newUserId())).toEqual([])
      expect(await h.store.get(record.id, t0)).toEqual(record)
    })

    it('concurrent inserts of one id: as declared by capabilities.atomicInsert', async () => {
      const t0 = h.clock.now()
      const base = makeRecord(t0)
      const contenders = Array.from({ length: 8 }, (_, i) => ({ ...base, payload: `contender ${i}` }))
      const results = await Promise.all(contenders.map((r) => h.store.insert(r, { now: t0 })))
      const okIndexes = results.flatMap((r, i) => (r.status === 'ok' ? [i] : []))
      const stored = await h.store.get(base.id, t0)
      if (h.store.capabilities.atomicInsert) {
        expect(okIndexes, 'atomicInsert: exactly one concurrent insert wins').toHaveLength(1)
        expect(stored).toEqual(contenders[okIndexes[0]!])
      } else {
        // Without atomic insert the store still ends with one whole record, never a mix.
        expect(okIndexes.length).toBeGreaterThanOrEqual(1)
        expect(contenders).toContainEqual(stored)
      }
      expect(await h.store.listByUser(base.userId!, t0)).toHaveLength(1)
    })

    it('concurrent inserts for one user: as declared by capabilities.atomicUserLimit', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const limit = 3
      const records = Array.from({ length: 10 }, (_, i) => makeRecord(t0, { userId, createdAt: t0 + i }))
      const results = await Promise.all(records.map((r) => h.store.insert(r, { now: t0, maxPerUser: limit })))
      expect(results.every((r) => r.status === 'ok')).toBe(true)
      const evicted = results.flatMap((r) => (r.status === 'ok' ? r.evicted : []))
      const listed = await h.store.listByUser(userId, t0)
      if (h.store.capabilities.atomicUserLimit) {
        expect(listed, 'atomicUserLimit: the limit holds under concurrency').toHaveLength(limit)
        expect(sortIds(evicted).concat(sortIds(listed)).sort()).toEqual(sortIds(records))
      } else {
        // Without it, the next sequential insert brings the user back within the limit.
        const next = makeRecord(t0, { userId, createdAt: t0 + 100 })
        await h.insert(next, limit)
        const after = await h.store.listByUser(userId, t0)
        expect(after).toHaveLength(limit)
        expect(after[0]).toEqual(next)
      }
      // Whatever was reported evicted is really gone.
      for (const ref of evicted) expect(await h.store.get(ref.id, t0)).toBeNull()
    })
  })
}
