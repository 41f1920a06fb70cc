import { describe, expect, it } from 'vitest'
import { useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { MINUTE, makeRecord, newSessionId } from './records'

/**
 * replace, the compare-and-set every write goes through: `ok`, `conflict` with the current
 * record, `missing`, and the rule that a replace never recreates a deleted or expired record,
 * even when it races the delete.
 * @example casTests(factory)
 */
export function casTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('compare-and-set (replace)', () => {
    const h = useHarness(factory, options)

    it('writes the new record when the stored version is the expected one', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { version: 4 })
      await h.insert(record)
      const t1 = h.clock.advance(1000)
      const next = { ...record, payload: '{"step":2}', lastAccessedAt: t1, expiresAt: t1 + 20 * MINUTE, version: 5 }
      expect(await h.store.replace(next, 4, t1)).toEqual({ status: 'ok' })
      expect(await h.store.get(record.id, t1)).toEqual(next)
      expect(await h.store.listByUser(record.userId!, t1)).toEqual([next])
    })

    it('answers conflict with the current record and writes nothing when the version differs', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { version: 4 })
      await h.insert(record)
      for (const expected of [3, 5, 0]) {
        const stale = { ...record, payload: 'lost update', version: expected + 1 }
        expect(await h.store.replace(stale, expected, t0)).toEqual({ status: 'conflict', current: record })
      }
      expect(await h.store.get(record.id, t0)).toEqual(record)
    })

    it('a chain of replaces each expecting the previous version all succeed', async () => {
      const t0 = h.clock.now()
      let record = makeRecord(t0)
      await h.insert(record)
      for (let i = 0; i < 5; i++) {
        const next = { ...record, payload: JSON.stringify({ i }), version: record.version + 1 }
        expect(await h.store.replace(next, record.version, t0)).toEqual({ status: 'ok' })
        record = next
      }
      expect(await h.store.get(record.id, t0)).toEqual(record)
    })

    it('answers missing for an id that was never stored and does not create it', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { id: newSessionId(), version: 2 })
      expect(await h.store.replace(record, 1, t0)).toEqual({ status: 'missing' })
      expect(await h.store.get(record.id, t0)).toBeNull()
      expect(await h.store.listByUser(record.userId!, t0)).toEqual([])
    })

    it('answers missing after a delete and never recreates the deleted record', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0)
      await h.insert(record)
      await h.store.delete(record.id)
      expect(await h.store.replace({ ...record, version: 2 }, 1, t0)).toEqual({ status: 'missing' })
      expect(await h.store.get(record.id, t0)).toBeNull()
      expect(await h.store.listByUser(record.userId!, t0)).toEqual([])
      expect(await h.scanAll({ includeExpired: true })).toEqual([])
    })

    it('answers missing for an expired record, even with a new deadline in the future', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { expiresAt: t0 + MINUTE })
      await h.insert(record)
      const t1 = h.clock.advance(MINUTE)
      const revived = { ...record, expiresAt: t1 + 60 * MINUTE, version: 2 }
      expect(await h.store.replace(revived, 1, t1)).toEqual({ status: 'missing' })
      expect(await h.store.get(record.id, t1)).toBeNull()
      expect(await h.store.listByUser(record.userId!, t1)).toEqual([])
    })

    it('a replace racing a delete never brings the record back', async () => {
      const t0 = h.clock.now()
      const records = Array.from({ length: 10 }, () => makeRecord(t0))
      for (const record of records) await h.insert(record)
      await Promise.all(
        records.flatMap((record, i) => {
          // Both in flight at once, sent in either order.
          const replace = () => h.store.replace({ ...record, payload: 'late write', version: 2 }, 1, t0)
          const del = () => h.store.delete(record.id)
          return i % 2 === 0 ? [replace(), del()] : [del(), replace()]
        }),
      )
      for (const record of records) expect(await h.store.get(record.id, t0)).toBeNull()
      expect(await h.scanAll({ includeExpired: true })).toEqual([])
    })

    it('of concurrent replaces expecting the same version exactly one wins', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0)
      await h.insert(record)
      const writers = Array.from({ length: 8 }, (_, i) => ({ ...record, payload: `writer ${i}`, version: 2 }))
      const results = await Promise.all(writers.map((w) => h.store.replace(w, 1, t0)))
      const winners = results.flatMap((r, i) => (r.status === 'ok' ? [writers[i]] : []))
      expect(winners).toHaveLength(1)
      expect(results.filter((r) => r.status === 'conflict')).toHaveLength(writers.length - 1)
      expect(await h.store.get(record.id, t0)).toEqual(winners[0])
    })

    it('can shorten the deadline: a replaced record expires at its new expiresAt', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { expiresAt: t0 + 60 * MINUTE })
      await h.insert(record)
      const next = { ...record, expiresAt: t0 + MINUTE, version: 2 }
      expect(await h.store.replace(next, 1, t0)).toEqual({ status: 'ok' })
      const t1 = h.clock.advance(MINUTE)
      expect(await h.store.get(record.id, t1)).toBeNull()
      expect(await h.store.purgeExpired({ now: t1 })).toEqual([{ id: record.id, userId: record.userId }])
    })
  })
}
