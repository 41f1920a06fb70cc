import { SessionManager } from '@sessionkit/core'
import { describe, expect, it } from 'vitest'
import { useEmulator } from './helpers'

type Counter = { count: number }

const managerOn = (store: ConstructorParameters<typeof SessionManager>[0]['store']) =>
  new SessionManager<Counter>({ store, expiration: { strategy: 'sliding', ttl: 3600 } })

describe('SessionManager over ZeroDbStore: no lost updates', () => {
  const zerodb = useEmulator()

  it('100 concurrent update(token, fn) increments end at exactly 100', async () => {
    const sessions = managerOn(zerodb.store())
    const { token } = await sessions.create('user-1', { count: 0 })
    await Promise.all(Array.from({ length: 100 }, () => sessions.update(token, (d) => ({ count: d.count + 1 }))))
    expect((await sessions.get(token))?.data.count).toBe(100)
    await sessions.close()
  })

  it('100 increments from 4 processes (4 stores and managers on one table) end at exactly 100', async () => {
    // Each manager batches its own writes; across managers only the store's compare-and-set
    // (PUT /rows/bulk filtered on version) keeps updates from being lost.
    const first = zerodb.store()
    const stores = [first, ...[1, 2, 3].map(() => zerodb.store({ tableName: first.tableName }))]
    const managers = stores.map(managerOn)
    const { token } = await managers[0]!.create('user-2', { count: 0 })
    const before = zerodb.emulator.counters.get('PUT /tables/{table}/rows/bulk')
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => managers[i % 4]!.update(token, (d) => ({ count: d.count + 1 }))),
    )
    expect((await managers[3]!.get(token))?.data.count).toBe(100)
    expect(zerodb.emulator.counters.get('PUT /tables/{table}/rows/bulk') - before).toBeGreaterThan(0)
    await Promise.all(managers.map((m) => m.close()))
  })

  it('still exactly 100 when answers to compare-and-set writes are lost and the writes are retried', async () => {
    const first = zerodb.store()
    const stores = [first, zerodb.store({ tableName: first.tableName })]
    const managers = stores.map(managerOn)
    const { token } = await managers[0]!.create('user-3', { count: 0 })
    // The write applies, the answer never arrives: the store retries, matches nothing (the
    // version moved) and must recognise its own write instead of applying the increment twice.
    zerodb.emulator.faults.dropConnection(6, { after: true, route: 'PUT /tables/{table}/rows/bulk' })
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => managers[i % 2]!.update(token, (d) => ({ count: d.count + 1 }))),
    )
    expect(zerodb.emulator.faults.hits().dropped).toBe(6)
    expect((await managers[1]!.get(token))?.data.count).toBe(100)
    await Promise.all(managers.map((m) => m.close()))
  })
})
