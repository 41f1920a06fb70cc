import { SessionManager } from '@sessionkit/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryStore, type MemoryStoreRemoval } from '../src/index'
import { record } from './helpers'

const T0 = 1_700_000_000_000

describe('maxSessions (LRU bound)', () => {
  it('evicts the least recently used session and reports it as evicted', async () => {
    const store = new MemoryStore({ maxSessions: 3 })
    const evicted: MemoryStoreRemoval[] = []
    store.on('evicted', (removal) => evicted.push(removal))
    const [a, b, c, d] = [0, 1, 2, 3].map((i) => record(T0, { userId: `u${i}` }))
    for (const r of [a!, b!, c!]) await store.insert(r, { now: T0 })
    await store.get(a!.id, T0) // a is now more recently used than b
    await store.insert(d!, { now: T0 })
    expect(evicted).toEqual([{ id: b!.id, userId: 'u1', reason: 'capacity' }])
    expect(await store.get(b!.id, T0)).toBeNull()
    for (const r of [a!, c!, d!]) expect(await store.get(r.id, T0)).toEqual(r)
    expect(store.size).toBe(3)
    await store.close()
  })

  it('counts touch and replace as use, and the evicted session leaves its user index', async () => {
    const store = new MemoryStore({ maxSessions: 2 })
    const [a, b] = [record(T0), record(T0 + 1, { createdAt: T0 + 1 })]
    await store.insert(a, { now: T0 })
    await store.insert(b, { now: T0 })
    await store.touch(a.id, { now: T0 + 5, idleTtlMs: 600_000, touchAfterMs: 0 })
    await store.insert(record(T0, { userId: 'other' }), { now: T0 })
    expect((await store.listByUser('user-1', T0 + 5)).map((r) => r.id)).toEqual([a.id])
    expect(store.stats().users).toBe(2)
    await store.close()
  })

  it('reclaims room from an expired session before evicting a live one', async () => {
    const store = new MemoryStore({ maxSessions: 3 })
    const removals: MemoryStoreRemoval[] = []
    store.on('evicted', (r) => removals.push(r))
    store.on('expired', (r) => removals.push(r))
    const stale = record(T0, { expiresAt: T0 + 1000 })
    const live = [record(T0), record(T0)]
    for (const r of [live[0]!, stale, live[1]!]) await store.insert(r, { now: T0 })
    const fresh = record(T0 + 2000)
    await store.insert(fresh, { now: T0 + 2000 })
    expect(removals).toEqual([{ id: stale.id, userId: stale.userId, reason: 'expired' }])
    for (const r of [...live, fresh]) expect(await store.get(r.id, T0 + 2000)).toEqual(r)
    await store.close()
  })

  it('the onEvict option and on() both hear evictions; the unsubscribe stops one; a throwing listener breaks nothing', async () => {
    const fromOption: string[] = []
    const store = new MemoryStore({ maxSessions: 1, onEvict: ({ id }) => fromOption.push(id) })
    const fromOn: string[] = []
    const off = store.on('evicted', ({ id }) => fromOn.push(id))
    store.on('evicted', () => {
      throw new Error('listener bug')
    })
    const [a, b, c] = [record(T0), record(T0), record(T0)]
    await store.insert(a, { now: T0 })
    await expect(store.insert(b, { now: T0 })).resolves.toEqual({ status: 'ok', evicted: [] })
    off()
    await store.insert(c, { now: T0 })
    expect(fromOption).toEqual([a.id, b.id])
    expect(fromOn).toEqual([a.id])
    await store.close()
  })

  it('never holds more than maxSessions, whatever the mix of operations', async () => {
    const store = new MemoryStore({ maxSessions: 50 })
    let evictions = 0
    store.on('evicted', () => evictions++)
    const ids: string[] = []
    for (let i = 0; i < 500; i++) {
      const r = record(T0 + i, { userId: `u${i % 7}`, createdAt: T0 + i })
      ids.push(r.id)
      await store.insert(r, { now: T0 + i })
      if (i % 3 === 0) await store.get(ids[Math.floor(i / 2)]!, T0 + i)
      expect(store.size).toBeLessThanOrEqual(50)
    }
    expect(evictions).toBe(450)
    const listed = (await Promise.all([0, 1, 2, 3, 4, 5, 6].map((u) => store.listByUser(`u${u}`, T0 + 500)))).flat()
    expect(listed).toHaveLength(50)
    await store.close()
  })
  it('evicts in exact least-recently-used order under any mix of inserts, reads, touches and deletes', async () => {
    const op = fc.oneof(
      fc.constant({ kind: 'insert' as const, pick: 0 }),
      fc.record({ kind: fc.constantFrom('get' as const, 'touch' as const, 'delete' as const), pick: fc.nat() }),
    )
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(op, { minLength: 20, maxLength: 200, size: 'max' }), async (maxSessions, ops) => {
        const store = new MemoryStore({ maxSessions })
        const evicted: string[] = []
        store.on('evicted', ({ id }) => evicted.push(id))
        // The model: ids held, least recently used first.
        let model: string[] = []
        const expected: string[] = []
        for (const { kind, pick } of ops) {
          if (kind === 'insert') {
            const r = record(T0)
            await store.insert(r, { now: T0 })
            model.push(r.id)
            if (model.length > maxSessions) expected.push(model.shift()!)
            continue
          }
          if (model.length === 0) continue
          const id = model[pick % model.length]!
          if (kind === 'delete') await store.delete(id)
          else if (kind === 'get') await store.get(id, T0)
          else await store.touch(id, { now: T0, idleTtlMs: 600_000, touchAfterMs: 0 })
          model = model.filter((m) => m !== id)
          if (kind !== 'delete') model.push(id)
        }
        expect(evicted).toEqual(expected)
        expect(store.size).toBe(model.length)
        await store.close()
      }),
    )
  })
})

describe('wired into the SessionManager (watchRemovals)', () => {
  it('capacity evictions and store-side expiries become manager events', async () => {
    let now = T0
    const store = new MemoryStore({ maxSessions: 2 })
    const manager = new SessionManager({ store, expiration: { strategy: 'sliding', ttl: 60 }, now: () => now, cleanupInterval: false })
    const events: { type: string; sessionId: string; reason: string | undefined }[] = []
    manager.on('evicted', (e) => {
      events.push({ type: 'evicted', sessionId: e.sessionId, reason: e.reason })
    })
    manager.on('expired', (e) => {
      events.push({ type: 'expired', sessionId: e.sessionId, reason: e.reason })
    })
    const first = await manager.create('alice', {})
    const second = await manager.create('bob', {})
    await manager.create('carol', {}) // over capacity: alice's session is the least recently used
    expect(events).toEqual([{ type: 'evicted', sessionId: first.session.id, reason: 'store-capacity' }])
    now += 61_000 // bob's session expires; the next insert reclaims it instead of evicting
    await manager.create('dave', {})
    expect(events[1]).toEqual({ type: 'expired', sessionId: second.session.id, reason: 'expired' })
    expect(await manager.get(first.token)).toBeNull()
    await manager.close()
  })

  it('the unsubscribe returned by watchRemovals stops both kinds', async () => {
    const store = new MemoryStore({ maxSessions: 1 })
    const seen: string[] = []
    const stop = store.watchRemovals((r) => seen.push(r.reason))
    await store.insert(record(T0), { now: T0 })
    await store.insert(record(T0), { now: T0 })
    stop()
    await store.insert(record(T0), { now: T0 })
    expect(seen).toEqual(['capacity'])
    await store.close()
  })
})
