import { describe, expect, it } from 'vitest'
import { useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { MINUTE, makeRecord, newSessionId } from './records'

/**
 * touch: the slide formula `min(now + idle, absoluteExpiresAt)`, the fixed strategy, the
 * `touchAfterMs` write throttle, and the version bump only when the access is persisted.
 * @example touchTests(factory)
 */
export function touchTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('touch', () => {
    const h = useHarness(factory, options)

    it('slides expiresAt to now + idleTtlMs, sets lastAccessedAt and bumps the version (sliding)', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { expiresAt: t0 + 30 * MINUTE, absoluteExpiresAt: null, version: 3 })
      await h.insert(record)
      const t1 = h.clock.advance(10 * MINUTE)
      const touched = await h.store.touch(record.id, { now: t1, idleTtlMs: 30 * MINUTE, touchAfterMs: 0 })
      const expected = { ...record, lastAccessedAt: t1, expiresAt: t1 + 30 * MINUTE, version: 4 }
      expect(touched).toEqual(expected)
      expect(await h.store.get(record.id, t1)).toEqual(expected)
    })

    it('never slides past absoluteExpiresAt (hybrid)', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { expiresAt: t0 + 30 * MINUTE, absoluteExpiresAt: t0 + 40 * MINUTE })
      await h.insert(record)
      const t1 = h.clock.advance(5 * MINUTE)
      const first = await h.store.touch(record.id, { now: t1, idleTtlMs: 30 * MINUTE, touchAfterMs: 0 })
      expect(first?.expiresAt).toBe(t0 + 35 * MINUTE)
      const t2 = h.clock.advance(25 * MINUTE)
      const second = await h.store.touch(record.id, { now: t2, idleTtlMs: 30 * MINUTE, touchAfterMs: 0 })
      expect(second).toEqual({ ...record, lastAccessedAt: t2, expiresAt: t0 + 40 * MINUTE, version: record.version + 2 })
      expect(await h.store.get(record.id, t0 + 40 * MINUTE)).toBeNull()
    })

    it('with idleTtlMs null (fixed) keeps expiresAt and only records the access', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { expiresAt: t0 + 20 * MINUTE, absoluteExpiresAt: t0 + 20 * MINUTE })
      await h.insert(record)
      const t1 = h.clock.advance(MINUTE)
      const touched = await h.store.touch(record.id, { now: t1, idleTtlMs: null, touchAfterMs: 0 })
      expect(touched).toEqual({ ...record, lastAccessedAt: t1, version: record.version + 1 })
      expect(await h.store.get(record.id, t0 + 20 * MINUTE)).toBeNull()
    })

    it('within touchAfterMs of the last persisted access, nothing is written', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { expiresAt: t0 + 30 * MINUTE })
      await h.insert(record)
      const t1 = h.clock.advance(MINUTE - 1)
      const touched = await h.store.touch(record.id, { now: t1, idleTtlMs: 30 * MINUTE, touchAfterMs: MINUTE })
      expect(touched, 'returns the record as stored').toEqual(record)
      expect(await h.store.get(record.id, t1)).toEqual(record)
    })

    it('once touchAfterMs has passed (at least, boundary included), the access is persisted', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { expiresAt: t0 + 30 * MINUTE })
      await h.insert(record)
      const t1 = h.clock.advance(MINUTE)
      const touched = await h.store.touch(record.id, { now: t1, idleTtlMs: 30 * MINUTE, touchAfterMs: MINUTE })
      const expected = { ...record, lastAccessedAt: t1, expiresAt: t1 + 30 * MINUTE, version: record.version + 1 }
      expect(touched).toEqual(expected)
      // The throttle counts from the persisted access, not from the last call.
      const t2 = h.clock.advance(MINUTE / 2)
      expect(await h.store.touch(record.id, { now: t2, idleTtlMs: 30 * MINUTE, touchAfterMs: MINUTE })).toEqual(expected)
      const t3 = h.clock.advance(MINUTE / 2)
      expect(await h.store.touch(record.id, { now: t3, idleTtlMs: 30 * MINUTE, touchAfterMs: MINUTE })).toEqual({
        ...expected,
        lastAccessedAt: t3,
        expiresAt: t3 + 30 * MINUTE,
        version: record.version + 2,
      })
    })

    it('answers null for an absent or expired record and does not bring it back', async () => {
      const t0 = h.clock.now()
      expect(await h.store.touch(newSessionId(), { now: t0, idleTtlMs: MINUTE, touchAfterMs: 0 })).toBeNull()
      const record = makeRecord(t0, { expiresAt: t0 + MINUTE })
      await h.insert(record)
      const t1 = h.clock.advance(MINUTE)
      expect(await h.store.touch(record.id, { now: t1, idleTtlMs: 30 * MINUTE, touchAfterMs: 0 })).toBeNull()
      expect(await h.store.get(record.id, t1)).toBeNull()
      expect(await h.store.replace({ ...record, version: record.version + 1 }, record.version, t1)).toEqual({ status: 'missing' })
    })

    it('never changes payload, userId, createdAt or absoluteExpiresAt', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { createdAt: t0 - 1000, absoluteExpiresAt: t0 + 90 * MINUTE, payload: '{"a":"ü"}' })
      await h.insert(record)
      const t1 = h.clock.advance(MINUTE)
      const touched = await h.store.touch(record.id, { now: t1, idleTtlMs: MINUTE, touchAfterMs: 0 })
      expect(touched).toMatchObject({
        payload: record.payload,
        userId: record.userId,
        createdAt: record.createdAt,
        absoluteExpiresAt: record.absoluteExpiresAt,
      })
    })

    it('a persisted touch is a write: a replace expecting the older version conflicts', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0)
      await h.insert(record)
      const t1 = h.clock.advance(1000)
      const touched = await h.store.touch(record.id, { now: t1, idleTtlMs: 30 * MINUTE, touchAfterMs: 0 })
      const result = await h.store.replace({ ...record, payload: 'stale', version: record.version + 1 }, record.version, t1)
      expect(result).toEqual({ status: 'conflict', current: touched })
    })

    it('keeps the record listed for its user and slid records are not purged at the old deadline', async () => {
      const t0 = h.clock.now()
      const record = makeRecord(t0, { expiresAt: t0 + MINUTE })
      await h.insert(record)
      const t1 = h.clock.advance(MINUTE - 1)
      await h.store.touch(record.id, { now: t1, idleTtlMs: 10 * MINUTE, touchAfterMs: 0 })
      const t2 = h.clock.advance(2 * MINUTE)
      expect(await h.store.purgeExpired({ now: t2 })).toEqual([])
      expect((await h.store.listByUser(record.userId!, t2)).map((r) => r.id)).toEqual([record.id])
    })
  })
}
