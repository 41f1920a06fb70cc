import { SessionError } from '@sessionkit/core'
import { describe, expect, it } from 'vitest'
import { useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { makeRecord, newSessionId } from './records'

/** How long a call on a closed store may take to settle. */
export const SETTLE_MS = 5000

/** Resolves to how the promise settled, or `'hung'` after `ms`. */
async function settle<T>(promise: Promise<T>, ms: number): Promise<{ status: 'resolved' | 'rejected' | 'hung'; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined
  const hung = new Promise<{ status: 'hung' }>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'hung' }), ms)
  })
  try {
    return await Promise.race([
      promise.then(
        () => ({ status: 'resolved' as const }),
        (error: unknown) => ({ status: 'rejected' as const, error }),
      ),
      hung,
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * close(): resolves, is safe to call twice, does not disturb other stores, and a call made
 * during or after it settles (never hangs), failing only with a typed sessionkit error.
 * @example closeTests(factory)
 */
export function closeTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('close', () => {
    const h = useHarness(factory, options)

    it('resolves, and a second close resolves too', async () => {
      const store = await h.open()
      await h.close(store)
      await expect(store.close()).resolves.toBeUndefined()
    })

    it('a call after close settles, and any failure is a typed SessionError', async () => {
      const store = await h.open()
      await h.close(store)
      const outcome = await settle(store.get(newSessionId(), h.clock.now()), SETTLE_MS)
      expect(outcome.status, 'never hangs').not.toBe('hung')
      if (outcome.status === 'rejected') expect(outcome.error).toBeInstanceOf(SessionError)
    })

    it('calls in flight when close is called settle', async () => {
      const store = await h.open()
      const t0 = h.clock.now()
      const inFlight: Promise<unknown>[] = [store.insert(makeRecord(t0), { now: t0 }), store.get(newSessionId(), t0)]
      const closing = h.close(store)
      for (const call of inFlight) {
        const outcome = await settle(call, SETTLE_MS)
        expect(outcome.status).not.toBe('hung')
        if (outcome.status === 'rejected') expect(outcome.error).toBeInstanceOf(SessionError)
      }
      await closing
    })

    it('closing one store leaves another store working', async () => {
      const doomed = await h.open()
      await h.close(doomed)
      const t0 = h.clock.now()
      const record = makeRecord(t0)
      await h.insert(record)
      expect(await h.store.get(record.id, t0)).toEqual(record)
    })

    it('exposes a name, the four declared capabilities and (optionally) a removal hook', () => {
      expect(typeof h.store.name).toBe('string')
      expect(h.store.name.length).toBeGreaterThan(0)
      for (const key of ['nativeExpiry', 'atomicInsert', 'atomicUserLimit', 'distributedLocks'] as const) {
        expect(typeof h.store.capabilities[key], key).toBe('boolean')
      }
      // The optional removal hook, when a store has one, hands back a working unsubscribe.
      if (h.store.watchRemovals) {
        const stop = h.store.watchRemovals(() => {})
        expect(typeof stop).toBe('function')
        stop()
        stop()
      }
    })
  })
}
