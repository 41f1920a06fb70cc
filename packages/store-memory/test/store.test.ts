import { ClosedError, ConfigError, StoreError } from '@sessionkit/core'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_SESSIONS, MemoryStore } from '../src/index'
import { record } from './helpers'

const T0 = 1_700_000_000_000

describe('options', () => {
  it('rejects bad options at construction, naming the option', () => {
    for (const [options, option] of [
      [{ maxSessions: 0 }, 'maxSessions'],
      [{ maxSessions: 1.5 }, 'maxSessions'],
      [{ maxSessions: '10' }, 'maxSessions'],
      [{ sweepIntervalMs: -1 }, 'sweepIntervalMs'],
      [{ onEvict: 'log' }, 'onEvict'],
      [{ maxSession: 10 }, 'maxSession'],
    ] as const) {
      expect(() => new MemoryStore(options as never), JSON.stringify(options)).toThrow(ConfigError)
      try {
        new MemoryStore(options as never)
      } catch (error) {
        expect((error as ConfigError).option).toBe(option)
      }
    }
  })

  it('accepts Infinity and defaults to 10 000 sessions', async () => {
    expect(DEFAULT_MAX_SESSIONS).toBe(10_000)
    await new MemoryStore({ maxSessions: Infinity }).close()
    const store = new MemoryStore()
    let evictions = 0
    store.on('evicted', () => evictions++)
    for (let i = 0; i < DEFAULT_MAX_SESSIONS + 5; i++) await store.insert(record(T0, { userId: null }), { now: T0 })
    expect(store.size).toBe(DEFAULT_MAX_SESSIONS)
    expect(evictions).toBe(5)
    await store.close()
  })
})

describe('locks', () => {
  it('expire on the injected clock', async () => {
    let now = T0
    const store = new MemoryStore({ now: () => now })
    const token = await store.acquireLock('s1', { ttlMs: 1000 })
    now += 999
    expect(await store.acquireLock('s1', { ttlMs: 1000 })).toBeNull()
    now += 1
    const next = await store.acquireLock('s1', { ttlMs: 1000 })
    expect(next).not.toBeNull()
    expect(await store.releaseLock('s1', token!)).toBe(false)
    expect(await store.releaseLock('s1', next!)).toBe(true)
    await store.close()
  })

  it('purgeExpired also drops locks whose ttl passed', async () => {
    let now = T0
    const store = new MemoryStore({ now: () => now })
    for (let i = 0; i < 10; i++) await store.acquireLock(`s${i}`, { ttlMs: 1000 })
    expect(store.stats().locks).toBe(10)
    now += 1000
    await store.purgeExpired({ now })
    expect(store.stats().locks).toBe(0)
    await store.close()
  })
})

describe('scan', () => {
  it('covers every session present throughout, exactly once, while others come and go', async () => {
    const store = new MemoryStore({ maxSessions: Infinity })
    const stable = Array.from({ length: 100 }, () => record(T0))
    for (const r of stable) await store.insert(r, { now: T0 })
    const seen: string[] = []
    let cursor: string | null = null
    let churn = 0
    do {
      const page: { records: { id: string }[]; cursor: string | null } = await store.scan({ cursor, limit: 7, now: T0 })
      seen.push(...page.records.map((r) => r.id))
      cursor = page.cursor
      // Sessions inserted and deleted between pages.
      const temp = record(T0, { userId: null })
      await store.insert(temp, { now: T0 })
      if (churn++ % 2 === 0) await store.delete(temp.id)
    } while (cursor !== null)
    const stableIds = new Set(stable.map((r) => r.id))
    const seenStable = seen.filter((id) => stableIds.has(id))
    expect(seenStable.sort()).toEqual([...stableIds].sort())
    expect(new Set(seen).size).toBe(seen.length)
    await store.close()
  })

  it('many interleaved scans (more than the open-cursor cache) each stay exact', async () => {
    const store = new MemoryStore()
    const records = Array.from({ length: 40 }, () => record(T0))
    for (const r of records) await store.insert(r, { now: T0 })
    const scans = Array.from({ length: 30 }, () => ({ cursor: null as string | null, seen: [] as string[], done: false }))
    while (scans.some((s) => !s.done)) {
      for (const s of scans) {
        if (s.done) continue
        const page = await store.scan({ cursor: s.cursor, limit: 3, now: T0 })
        s.seen.push(...page.records.map((r) => r.id))
        s.cursor = page.cursor
        s.done = page.cursor === null
      }
    }
    for (const s of scans) expect(s.seen.sort()).toEqual(records.map((r) => r.id).sort())
    await store.close()
  })

  it('rejects a cursor it did not issue with a typed error', async () => {
    const store = new MemoryStore()
    await expect(store.scan({ cursor: 'DROP TABLE', limit: 3, now: T0 })).rejects.toBeInstanceOf(StoreError)
    await store.close()
  })
})

describe('lifecycle', () => {
  it('every call after close rejects with ClosedError', async () => {
    const store = new MemoryStore()
    await store.close()
    const r = record(T0)
    const calls: Promise<unknown>[] = [
      store.insert(r, { now: T0 }),
      store.get(r.id, T0),
      store.touch(r.id, { now: T0, idleTtlMs: 1, touchAfterMs: 0 }),
      store.replace(r, 1, T0),
      store.delete(r.id),
      store.listByUser('u', T0),
      store.deleteByUser('u'),
      store.scan({ limit: 1, now: T0 }),
      store.purgeExpired({ now: T0 }),
      store.acquireLock('x', { ttlMs: 1 }),
      store.releaseLock('x', 'y'),
    ]
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(ClosedError)
  })

  it('the background sweep removes expired sessions, reports them, and does not hold the process open', async () => {
    let now = T0
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const store = new MemoryStore({ sweepIntervalMs: 10, now: () => now })
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, 'the sweep timer is unref’d').toBe(timersBefore)
    const expired: string[] = []
    store.on('expired', ({ id }) => expired.push(id))
    const r = record(T0, { expiresAt: T0 + 1000 })
    await store.insert(r, { now: T0 })
    now += 1000
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(expired).toEqual([r.id])
    expect(store.size).toBe(0)
    await store.close()
  })

  it('dumpForTesting shows every key and value, and nothing after a delete', async () => {
    const store = new MemoryStore()
    const r = record(T0, { payload: '{"d":{"secret-ish":"marker-123"}}' })
    await store.insert(r, { now: T0 })
    const lock = await store.acquireLock(r.id, { ttlMs: 10_000 })
    const dump = store.dumpForTesting()
    expect(dump).toContain(`session:${r.id}`)
    expect(dump).toContain(`user:${r.userId}`)
    expect(dump).toContain(lock)
    expect(dump.some((s) => s.includes('marker-123'))).toBe(true)
    await store.releaseLock(r.id, lock!)
    await store.delete(r.id)
    expect(store.dumpForTesting()).toEqual([])
    await store.close()
  })
})
