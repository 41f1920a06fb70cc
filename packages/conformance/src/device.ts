import type { InsertResult, SessionStore } from '@sessionkit/core'
import { describe, expect, it } from 'vitest'
import { useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { makeRecord, newUserId, refOf, sortIds } from './records'

/** A device id no other test uses. */
function newDeviceId(): string {
  return `device-${Math.random().toString(36).slice(2)}`
}

/**
 * Whether the store takes part in `replaceDevice`: it declares `atomicDeviceReplace` (either
 * way). A store written before the option omits it; core then replaces devices itself under a
 * lock, and the suite only asks such a store to accept the option and keep the device.
 */
function supportsReplace(store: SessionStore): boolean {
  return store.capabilities.atomicDeviceReplace !== undefined
}

function okResult(result: InsertResult): InsertResult & { status: 'ok' } {
  expect(result.status, 'insert of a new id answers ok').toBe('ok')
  return result as InsertResult & { status: 'ok' }
}

/**
 * One session per device: `SessionRecord.deviceId` round-trips; `insert` with `replaceDevice`
 * removes and returns the user's other live sessions on the same device (never another
 * device's, another user's, or a guest's), and, when `atomicDeviceReplace` is declared `true`,
 * concurrent sign-ins on one device leave exactly one session for it.
 * @example deviceTests(factory)
 */
export function deviceTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('one session per device', () => {
    const h = useHarness(factory, options)

    it('deviceId round-trips through get, listByUser, touch and replace; a record without one reads back without one', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const withDevice = makeRecord(t0, { userId, deviceId: newDeviceId() })
      const without = makeRecord(t0, { userId, createdAt: t0 - 1 })
      await h.insert(withDevice)
      await h.insert(without)
      expect((await h.store.get(withDevice.id, t0))?.deviceId).toBe(withDevice.deviceId)
      expect((await h.store.get(without.id, t0))?.deviceId ?? null).toBeNull()
      const listed = await h.store.listByUser(userId, t0)
      expect(listed.map((r) => r.deviceId ?? null)).toEqual([withDevice.deviceId, null])
      const touched = await h.store.touch(withDevice.id, { now: t0 + 1, idleTtlMs: 60_000, touchAfterMs: 0 })
      expect(touched?.deviceId).toBe(withDevice.deviceId)
      const next = { ...touched!, payload: 'changed', version: touched!.version + 1 }
      expect(await h.store.replace(next, touched!.version, t0 + 1)).toEqual({ status: 'ok' })
      expect((await h.store.get(withDevice.id, t0 + 1))?.deviceId).toBe(withDevice.deviceId)
    })

    it('replaceDevice removes the user’s previous session on the device and returns it', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const deviceId = newDeviceId()
      const first = makeRecord(t0, { userId, deviceId })
      const second = makeRecord(t0, { userId, deviceId, createdAt: t0 + 1 })
      okResult(await h.store.insert(first, { now: t0, replaceDevice: true }))
      const result = okResult(await h.store.insert(second, { now: t0, replaceDevice: true }))
      expect(await h.store.get(second.id, t0)).toEqual(second)
      if (!supportsReplace(h.store)) return
      expect(result.replaced).toEqual([refOf(first)])
      expect(result.evicted).toEqual([])
      expect(await h.store.get(first.id, t0)).toBeNull()
      expect(await h.store.listByUser(userId, t0)).toEqual([second])
    })

    it('replaceDevice leaves other devices, sessions without a device, other users and guests alone', async () => {
      const t0 = h.clock.now()
      const [userId, otherUser] = [newUserId(), newUserId()]
      const deviceId = newDeviceId()
      const otherDevice = makeRecord(t0, { userId, deviceId: newDeviceId(), createdAt: t0 - 3 })
      const noDevice = makeRecord(t0, { userId, createdAt: t0 - 2 })
      const otherUsers = makeRecord(t0, { userId: otherUser, deviceId })
      const guest = makeRecord(t0, { userId: null, deviceId })
      for (const record of [otherDevice, noDevice, otherUsers, guest]) await h.insert(record)
      const mine = makeRecord(t0, { userId, deviceId })
      const result = okResult(await h.store.insert(mine, { now: t0, replaceDevice: true }))
      expect(result.replaced ?? []).toEqual([])
      for (const record of [otherDevice, noDevice, otherUsers, guest]) expect(await h.store.get(record.id, t0)).toEqual(record)
      expect(await h.store.listByUser(userId, t0)).toEqual([mine, noDevice, otherDevice])
    })

    it('replaceDevice ignores expired sessions on the device and never returns them', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const deviceId = newDeviceId()
      await h.insert(makeRecord(t0, { userId, deviceId, expiresAt: t0 + 1000 }))
      const t1 = h.clock.advance(1000)
      const fresh = makeRecord(t1, { userId, deviceId })
      const result = okResult(await h.store.insert(fresh, { now: t1, replaceDevice: true }))
      expect(result.replaced ?? []).toEqual([])
      expect(await h.store.listByUser(userId, t1)).toEqual([fresh])
    })

    it('without replaceDevice, sessions on one device accumulate (no replaced field is needed)', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const deviceId = newDeviceId()
      const records = [0, 1].map((i) => makeRecord(t0, { userId, deviceId, createdAt: t0 + i }))
      for (const record of records) expect((await h.insert(record)).replaced ?? []).toEqual([])
      expect(sortIds(await h.store.listByUser(userId, t0))).toEqual(sortIds(records))
    })

    it('replaceDevice runs before maxPerUser: a replaced session never costs another device its session', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const deviceId = newDeviceId()
      const otherDevice = makeRecord(t0, { userId, deviceId: newDeviceId(), createdAt: t0 })
      const old = makeRecord(t0, { userId, deviceId, createdAt: t0 + 1 })
      await h.insert(otherDevice, 2)
      await h.insert(old, 2)
      const fresh = makeRecord(t0, { userId, deviceId, createdAt: t0 + 2 })
      const result = okResult(await h.store.insert(fresh, { now: t0, maxPerUser: 2, replaceDevice: true }))
      if (!supportsReplace(h.store)) return
      expect(result.replaced).toEqual([refOf(old)])
      expect(result.evicted).toEqual([])
      expect(await h.store.listByUser(userId, t0)).toEqual([fresh, otherDevice])
    })

    it('concurrent replaceDevice inserts for one user and device: as declared by capabilities.atomicDeviceReplace', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const deviceId = newDeviceId()
      const records = Array.from({ length: 5 }, (_, i) => makeRecord(t0, { userId, deviceId, createdAt: t0 + i }))
      const results = (await Promise.all(records.map((r) => h.store.insert(r, { now: t0, replaceDevice: true })))).map(okResult)
      const listed = await h.store.listByUser(userId, t0)
      if (h.store.capabilities.atomicDeviceReplace === true) {
        expect(listed, 'atomicDeviceReplace: one session per device under concurrency').toHaveLength(1)
        const replaced = results.flatMap((r) => r.replaced ?? [])
        // Every other sign-in was replaced by exactly one later one.
        expect(sortIds(replaced).concat(sortIds(listed)).sort()).toEqual(sortIds(records))
      } else if (supportsReplace(h.store)) {
        // Without it, the next sequential sign-in on the device brings it back to one session.
        const next = makeRecord(t0, { userId, deviceId, createdAt: t0 + 10 })
        okResult(await h.store.insert(next, { now: t0, replaceDevice: true }))
        expect(await h.store.listByUser(userId, t0)).toEqual([next])
      } else {
        expect(sortIds(listed)).toEqual(sortIds(records))
      }
    })
  })
}
