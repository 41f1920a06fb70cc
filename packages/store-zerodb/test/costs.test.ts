import { describe, expect, it } from 'vitest'
import type { ZeroDbStore } from '../src/index'
import { makeRecord, useEmulator } from './helpers'

/** The README's table of HTTP requests per operation, checked against the emulator's counters. */
describe('ZeroDbStore: HTTP requests per operation', () => {
  const zerodb = useEmulator()

  async function cost(run: () => Promise<unknown>): Promise<number> {
    const before = zerodb.emulator.counters.total
    await run()
    return zerodb.emulator.counters.total - before
  }

  async function ready(): Promise<ZeroDbStore> {
    const store = zerodb.store()
    await store.get('warm-up', Date.now()) // the one-time table check
    return store
  }

  it('the first call checks the table once (and creates it when absent)', async () => {
    const store = zerodb.store()
    expect(await cost(() => store.get('x', Date.now()))).toBe(3) // GET table (404), POST table, query
    expect(await cost(() => store.get('x', Date.now()))).toBe(1)
  })

  it('get 1, insert 2 (3 with maxPerUser, 4 when it evicts), replace 1, delete 2', async () => {
    const store = await ready()
    const now = Date.now()
    const a = makeRecord(now, { userId: 'u' })
    expect(await cost(() => store.insert(a, { now }))).toBe(2)
    expect(await cost(() => store.get(a.id, now))).toBe(1)
    const b = makeRecord(now + 1, { userId: 'u', createdAt: now + 1 })
    expect(await cost(() => store.insert(b, { now, maxPerUser: 2 }))).toBe(3)
    const c = makeRecord(now + 2, { userId: 'u', createdAt: now + 2 })
    expect(await cost(() => store.insert(c, { now, maxPerUser: 2 }))).toBe(4)
    expect(await cost(() => store.replace({ ...c, payload: 'p2', version: 2 }, 1, now))).toBe(1)
    expect(await cost(() => store.replace({ ...c, payload: 'p3', version: 2 }, 1, now))).toBe(2) // conflict
    expect(await cost(() => store.delete(c.id))).toBe(2)
    expect(await cost(() => store.delete(c.id))).toBe(1)
  })

  it('touch 2 (1 when touchAfter throttles), listByUser 1, scan 1 per page', async () => {
    const store = await ready()
    const now = Date.now()
    const a = makeRecord(now, { userId: 'v' })
    await store.insert(a, { now })
    expect(await cost(() => store.touch(a.id, { now: now + 10, idleTtlMs: 60_000, touchAfterMs: 0 }))).toBe(2)
    expect(await cost(() => store.touch(a.id, { now: now + 20, idleTtlMs: 60_000, touchAfterMs: 1000 }))).toBe(1)
    expect(await cost(() => store.listByUser('v', now))).toBe(1)
    expect(await cost(() => store.scan({ limit: 10, now }))).toBe(1)
  })

  it('locks: 2 requests to take a known name, 1 to release; the first use of a name costs 5', async () => {
    const store = await ready()
    let token: string | null = null
    expect(await cost(async () => (token = await store.acquireLock('lock-a', { ttlMs: 5000 })))).toBe(5)
    expect(await cost(() => store.acquireLock('lock-a', { ttlMs: 5000 }))).toBe(2) // held: claim + look
    expect(await cost(() => store.releaseLock('lock-a', token!))).toBe(1)
    expect(await cost(() => store.acquireLock('lock-a', { ttlMs: 5000 }))).toBe(2)
  })

  it('purgeExpired: a query and a bulk delete per 100 expired sessions, plus a look for stale locks', async () => {
    const store = await ready()
    const now = Date.now()
    for (let i = 0; i < 3; i++) await store.insert(makeRecord(now, { expiresAt: now + 10 }), { now })
    // query + delete for the batch, then query for stale lock anchors
    expect(await cost(() => store.purgeExpired({ now: now + 10 }))).toBe(3)
    expect(await cost(() => store.purgeExpired({ now: now + 10 }))).toBe(2)
  })
})
