import { describe, expect, it } from 'vitest'
import { dumpContains, sleep, useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { MINUTE, makeRecord, marker, refOf } from './records'

/** Real deadline of the native-expiry check: short enough to catch seconds granularity. */
export const REAL_EXPIRY_DEADLINE_MS = 300
/** How long the native-expiry check waits in real time before looking. */
export const REAL_EXPIRY_WAIT_MS = 600

/**
 * Expiry with the injected clock (a record is expired when `expiresAt <= now`, whatever the
 * backend's own TTL says), and the backend's own expiry with real sub-second deadlines.
 * @example expiryTests(factory, { realExpiry: true, rawDump })
 */
export function expiryTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('expiry', () => {
    const h = useHarness(factory, options)

    it('a record is live until expiresAt and expired from expiresAt on (expiresAt <= now)', async () => {
      const now = h.clock.now()
      const record = makeRecord(now, { expiresAt: now + MINUTE })
      await h.insert(record)
      expect(await h.store.get(record.id, now + MINUTE - 1)).toEqual(record)
      expect(await h.store.get(record.id, now + MINUTE)).toBeNull()
      expect(await h.store.get(record.id, now + MINUTE + 1)).toBeNull()
    })

    it('the injected now decides, not the wall clock: a record far past its fake deadline is gone', async () => {
      const now = h.clock.now()
      const record = makeRecord(now, { expiresAt: now + MINUTE })
      await h.insert(record)
      h.clock.advance(24 * 60 * MINUTE)
      expect(await h.store.get(record.id, h.clock.now())).toBeNull()
    })

    it('an expired record is invisible to every reading operation', async () => {
      const now = h.clock.now()
      const userId = 'user-expiring'
      const expired = makeRecord(now, { userId, expiresAt: now + MINUTE })
      const live = makeRecord(now, { userId, expiresAt: now + 10 * MINUTE })
      await h.insert(expired)
      await h.insert(live)
      const later = h.clock.advance(MINUTE)
      expect(await h.store.get(expired.id, later)).toBeNull()
      expect(await h.store.touch(expired.id, { now: later, idleTtlMs: MINUTE, touchAfterMs: 0 })).toBeNull()
      expect((await h.store.listByUser(userId, later)).map((r) => r.id)).toEqual([live.id])
      expect((await h.scanAll()).map((r) => r.id)).toEqual([live.id])
      expect(await h.store.get(live.id, later)).toEqual(live)
    })

    it('absoluteExpiresAt alone does not expire a record: expiresAt decides', async () => {
      // Core keeps expiresAt <= absoluteExpiresAt; the store only compares expiresAt.
      const now = h.clock.now()
      const record = makeRecord(now, { expiresAt: now + MINUTE, absoluteExpiresAt: now + MINUTE })
      await h.insert(record)
      expect(await h.store.get(record.id, now + MINUTE - 1)).toEqual(record)
      expect(await h.store.get(record.id, now + MINUTE)).toBeNull()
    })

    it('expires in real time too: a 300 ms deadline is honoured within 600 ms', async () => {
      const realExpiry = options.realExpiry ?? h.store.capabilities.nativeExpiry
      const tag = marker('real-expiry')
      const payload = JSON.stringify({ marker: tag })
      const start = Date.now()
      const record = makeRecord(start, { payload, expiresAt: start + REAL_EXPIRY_DEADLINE_MS })
      await h.insert(record)
      // Live before its deadline (checked only with a clear margin: on a loaded machine the
      // insert alone may eat the 300 ms, and a native TTL may fire while the get travels).
      const before = Date.now()
      if (before < record.expiresAt - 150) expect(await h.store.get(record.id, before), 'live before its deadline').toEqual(record)
      await sleep(REAL_EXPIRY_WAIT_MS - (Date.now() - start))
      const now = Date.now()
      expect(await h.store.get(record.id, now)).toBeNull()
      expect(await h.store.listByUser(record.userId!, now)).toEqual([])
      if (realExpiry) {
        // The backend's own TTL must have dropped the bytes (a seconds-granularity TTL has not).
        if (options.rawDump) {
          expect(dumpContains(await h.dump(), tag), 'the backend dropped the record itself').toBe(false)
        }
      } else {
        // Without native expiry the store keeps it until purged, and purge finds it.
        expect(await h.store.purgeExpired({ now })).toEqual([refOf(record)])
      }
    })
  })
}
