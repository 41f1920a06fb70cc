import { describe, expect, it } from 'vitest'
import { useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { makeRecord, marker, newSessionId, refOf } from './records'

/** Payloads that must come back byte for byte: the store never parses or re-encodes them. */
export const AWKWARD_PAYLOADS: readonly string[] = [
  '',
  '{}',
  JSON.stringify({ cart: [{ sku: 'a', qty: 2 }], nested: { deep: [1, 2, { x: null }] } }),
  'héllo wörld — ünïcödé ✓ 日本語 中文 한국어 العربية עברית 🎉👩‍👩‍👧‍👦🏳️‍🌈',
  'quotes " \' ` backslash \\ slash / newline \n tab \t cr \r',
  '{"looks":"like json"',
  'redis-ish: * ? [ ] { } -- KEYS * \r\n$3\r\nSET',
  'lua-ish: return redis.call("FLUSHALL") %s %d \u00a0 \u2028 \u2029',
  'x'.repeat(64 * 1024),
  '🙂'.repeat(10_000),
]

/**
 * insert, get and delete: exact round trips, duplicates, guests, and copies in and out.
 * @example crudTests(({ namespace }) => new MyStore({ prefix: namespace }))
 */
export function crudTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('crud', () => {
    const h = useHarness(factory, options)

    it('get returns exactly what insert stored, every field', async () => {
      const now = h.clock.now()
      const record = makeRecord(now, { createdAt: now - 5000, lastAccessedAt: now - 1000, version: 7 })
      await h.insert(record)
      expect(await h.store.get(record.id, now)).toEqual(record)
    })

    it('round-trips absoluteExpiresAt both as a number and as null', async () => {
      const now = h.clock.now()
      const fixed = makeRecord(now, { absoluteExpiresAt: now + 120_000, expiresAt: now + 60_000 })
      const sliding = makeRecord(now, { absoluteExpiresAt: null })
      await h.insert(fixed)
      await h.insert(sliding)
      expect(await h.store.get(fixed.id, now)).toEqual(fixed)
      expect(await h.store.get(sliding.id, now)).toEqual(sliding)
    })

    it('round-trips unicode, control characters and large payloads byte for byte', async () => {
      const now = h.clock.now()
      const records = AWKWARD_PAYLOADS.map((payload) => makeRecord(now, { payload }))
      for (const record of records) await h.insert(record)
      for (const record of records) {
        const got = await h.store.get(record.id, now)
        expect(got?.payload.length).toBe(record.payload.length)
        expect(got).toEqual(record)
      }
    })

    it('get answers null for an id that was never stored', async () => {
      expect(await h.store.get(newSessionId(), h.clock.now())).toBeNull()
    })

    it('insert of an existing id answers exists and leaves the stored record untouched', async () => {
      const now = h.clock.now()
      const original = makeRecord(now)
      await h.insert(original)
      const duplicate = makeRecord(now, { id: original.id, payload: JSON.stringify({ marker: marker() }) })
      expect(await h.store.insert(duplicate, { now })).toEqual({ status: 'exists' })
      expect(await h.store.get(original.id, now)).toEqual(original)
    })

    it('insert of a new id answers ok with no evictions when no limit is given', async () => {
      const now = h.clock.now()
      const userId = 'user-many'
      for (let i = 0; i < 5; i++) {
        expect(await h.store.insert(makeRecord(now + i, { userId }), { now })).toEqual({ status: 'ok', evicted: [] })
      }
      expect(await h.store.listByUser(userId, now)).toHaveLength(5)
    })

    it('delete returns the ref of what it removed, then get answers null', async () => {
      const now = h.clock.now()
      const record = makeRecord(now)
      await h.insert(record)
      expect(await h.store.delete(record.id)).toEqual(refOf(record))
      expect(await h.store.get(record.id, now)).toBeNull()
    })

    it('delete of an absent id, or a second delete, returns null', async () => {
      const now = h.clock.now()
      const record = makeRecord(now)
      await h.insert(record)
      expect(await h.store.delete(newSessionId())).toBeNull()
      await h.store.delete(record.id)
      expect(await h.store.delete(record.id)).toBeNull()
    })

    it('an id can be inserted again after it was deleted', async () => {
      const now = h.clock.now()
      const record = makeRecord(now)
      await h.insert(record)
      await h.store.delete(record.id)
      const again = makeRecord(now, { id: record.id, userId: record.userId })
      await h.insert(again)
      expect(await h.store.get(record.id, now)).toEqual(again)
    })

    it('stores guest sessions (userId null) and returns them with a null userId', async () => {
      const now = h.clock.now()
      const guest = makeRecord(now, { userId: null })
      await h.insert(guest)
      expect(await h.store.get(guest.id, now)).toEqual(guest)
      expect(await h.store.delete(guest.id)).toEqual({ id: guest.id, userId: null })
    })

    it('a caller mutating a record it passed in or got back does not change the store', async () => {
      const now = h.clock.now()
      const record = makeRecord(now)
      const copy = { ...record }
      await h.insert(record)
      record.payload = 'mutated after insert'
      record.version = 99
      const got = await h.store.get(copy.id, now)
      expect(got).toEqual(copy)
      got!.payload = 'mutated after get'
      got!.expiresAt = 0
      expect(await h.store.get(copy.id, now)).toEqual(copy)
    })

    it('a record whose stored id looks like another id prefix stays separate', async () => {
      // Catches stores that key by a prefix match or a truncated id.
      const now = h.clock.now()
      const a = makeRecord(now)
      const b = makeRecord(now, { id: a.id.slice(0, 42) + (a.id.endsWith('A') ? 'E' : 'A') })
      await h.insert(a)
      await h.insert(b)
      await h.store.delete(a.id)
      expect(await h.store.get(b.id, now)).toEqual(b)
    })
  })
}
