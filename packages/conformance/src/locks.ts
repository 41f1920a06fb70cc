import { describe, expect, it } from 'vitest'
import { sleep, useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { newSessionId } from './records'

/** Lock ttl of the expiry checks (real time: locks have no injected clock). */
export const LOCK_TTL_MS = 200

/**
 * acquireLock / releaseLock: exclusive, owner tokens, ttl expiry, a non-owner's release is a
 * no-op, and (when `capabilities.distributedLocks`) exclusive across store instances.
 * @example lockTests(factory)
 */
export function lockTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('locks', () => {
    const h = useHarness(factory, options)

    it('a held lock cannot be taken again until its owner releases it', async () => {
      const id = newSessionId()
      const token = await h.store.acquireLock(id, { ttlMs: 10_000 })
      expect(typeof token).toBe('string')
      expect(token!.length).toBeGreaterThan(0)
      expect(await h.store.acquireLock(id, { ttlMs: 10_000 })).toBeNull()
      expect(await h.store.releaseLock(id, token!)).toBe(true)
      const again = await h.store.acquireLock(id, { ttlMs: 10_000 })
      expect(typeof again).toBe('string')
      expect(again).not.toBe(token)
    })

    it('a release with the wrong token is a no-op that answers false', async () => {
      const id = newSessionId()
      const token = await h.store.acquireLock(id, { ttlMs: 10_000 })
      expect(await h.store.releaseLock(id, 'not-the-owner')).toBe(false)
      expect(await h.store.acquireLock(id, { ttlMs: 10_000 })).toBeNull()
      expect(await h.store.releaseLock(id, token!)).toBe(true)
    })

    it('releasing a lock nobody holds answers false', async () => {
      expect(await h.store.releaseLock(newSessionId(), 'whatever')).toBe(false)
    })

    it('a second release by the owner answers false', async () => {
      const id = newSessionId()
      const token = await h.store.acquireLock(id, { ttlMs: 10_000 })
      expect(await h.store.releaseLock(id, token!)).toBe(true)
      expect(await h.store.releaseLock(id, token!)).toBe(false)
    })

    it('locks on different ids are independent and need no session to exist', async () => {
      const [a, b] = [newSessionId(), newSessionId()]
      expect(await h.store.acquireLock(a, { ttlMs: 10_000 })).not.toBeNull()
      expect(await h.store.acquireLock(b, { ttlMs: 10_000 })).not.toBeNull()
    })

    it('a lock frees itself after its ttl, and the old owner cannot release the new one', async () => {
      const id = newSessionId()
      const stale = await h.store.acquireLock(id, { ttlMs: LOCK_TTL_MS })
      expect(stale).not.toBeNull()
      await sleep(LOCK_TTL_MS * 2)
      const fresh = await h.store.acquireLock(id, { ttlMs: 10_000 })
      expect(fresh, 'the expired lock can be taken').not.toBeNull()
      expect(await h.store.releaseLock(id, stale!)).toBe(false)
      expect(await h.store.acquireLock(id, { ttlMs: 10_000 }), 'the new owner still holds it').toBeNull()
      expect(await h.store.releaseLock(id, fresh!)).toBe(true)
    })

    it('of concurrent acquires exactly one gets the lock', async () => {
      const id = newSessionId()
      const tokens = await Promise.all(Array.from({ length: 10 }, () => h.store.acquireLock(id, { ttlMs: 10_000 })))
      expect(tokens.filter((t) => t !== null)).toHaveLength(1)
    })

    it('across two instances on one namespace: as declared by capabilities.distributedLocks', async () => {
      const other = await h.open(h.namespace)
      const id = newSessionId()
      const token = await h.store.acquireLock(id, { ttlMs: 10_000 })
      expect(token).not.toBeNull()
      const fromOther = await other.acquireLock(id, { ttlMs: 10_000 })
      if (h.store.capabilities.distributedLocks) {
        expect(fromOther, 'distributedLocks: the other instance sees the lock').toBeNull()
        expect(await other.releaseLock(id, 'not-the-owner')).toBe(false)
        expect(await other.releaseLock(id, token!)).toBe(true)
        expect(await h.store.acquireLock(id, { ttlMs: 10_000 })).not.toBeNull()
      } else {
        // Process-local locks: each instance is exclusive on its own and releases only its own.
        expect(fromOther).not.toBeNull()
        expect(await other.acquireLock(id, { ttlMs: 10_000 })).toBeNull()
        expect(await h.store.releaseLock(id, token!)).toBe(true)
        expect(await other.releaseLock(id, fromOther!)).toBe(true)
      }
    })
  })
}
