import { describe, expect, it } from 'vitest'
import { useEmulator } from './helpers'

const INSERT = 'POST /tables/{table}/rows'

describe('ZeroDbStore locks across processes', () => {
  const zerodb = useEmulator()

  it('a late-landing anchor from a first-use race does not give the lock to a second process', async () => {
    const a = zerodb.store()
    const b = zerodb.store({ tableName: a.tableName })
    await Promise.all([a.get('warm-up', Date.now()), b.get('warm-up', Date.now())])
    // Both find no anchor and create one; the first creation lands 150 ms late, after the
    // other process has created, claimed and checked its own. Claiming the late anchor must
    // not be enough: the read-back sees the live claim of the other process and backs off.
    zerodb.emulator.faults.latency(150, { count: 1, route: INSERT })
    const tokens = await Promise.all([a.acquireLock('race', { ttlMs: 10_000 }), b.acquireLock('race', { ttlMs: 10_000 })])
    expect(tokens.filter((t) => t !== null)).toHaveLength(1)
    expect(zerodb.emulator.counters.get(INSERT)).toBeGreaterThanOrEqual(2) // two anchors were made
    const holder = tokens[0] === null ? b : a
    const token = tokens.find((t) => t !== null)!
    expect(await a.acquireLock('race', { ttlMs: 10_000 })).toBeNull()
    expect(await b.acquireLock('race', { ttlMs: 10_000 })).toBeNull()
    expect(await holder.releaseLock('race', token)).toBe(true)
    expect(await (holder === a ? b : a).acquireLock('race', { ttlMs: 10_000 })).not.toBeNull()
  })

  it('never two holders among 12 concurrent first-use takers on 3 stores, over 15 names', async () => {
    const first = zerodb.store()
    const stores = [first, zerodb.store({ tableName: first.tableName }), zerodb.store({ tableName: first.tableName })]
    for (let round = 0; round < 15; round++) {
      const name = `name-${round}`
      const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.acquireLock(name, { ttlMs: 10_000 })))
      expect(tokens.filter((t) => t !== null).length, name).toBeLessThanOrEqual(1)
    }
  })

  it('a lock whose holder died (ttl passed) is taken over by one of many takers', async () => {
    const a = zerodb.store()
    const others = [1, 2, 3].map(() => zerodb.store({ tableName: a.tableName }))
    expect(await a.acquireLock('crashed', { ttlMs: 100 })).not.toBeNull()
    await new Promise((resolve) => setTimeout(resolve, 200))
    const tokens = await Promise.all(others.flatMap((s) => [s.acquireLock('crashed', { ttlMs: 10_000 }), s.acquireLock('crashed', { ttlMs: 10_000 })]))
    expect(tokens.filter((t) => t !== null)).toHaveLength(1)
  })

  it('purgeExpired clears released and dead lock anchors, and locks still work after', async () => {
    const store = zerodb.store()
    const token = await store.acquireLock('tidy', { ttlMs: 10_000 })
    await store.releaseLock('tidy', token!)
    const rows = () => [...zerodb.emulator.tables.get(store.tableName)!.rows.values()].filter((r) => r.row_data.kind === 'lock')
    expect(rows()).toHaveLength(1)
    await store.purgeExpired({ now: Date.now() })
    expect(rows()).toHaveLength(0)
    expect(await store.acquireLock('tidy', { ttlMs: 10_000 })).not.toBeNull()
  })
})
