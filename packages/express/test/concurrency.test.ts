import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Barrier, startApp, type TestApp } from './support/app'
import { targets, type TestStore } from './support/targets'

const N = 200

// The Express major does not change how saves race; Express 4 runs on one backend to show it.
const runs = targets.filter((t) => t.name !== 'express 4 + redis')

describe.each(runs)('no lost updates on $name', (target) => {
  let store: TestStore
  let app: TestApp

  beforeEach(async () => {
    store = await target.makeStore()
    app = await startApp(target.express, store, { session: { rateLimit: false } })
  })
  afterEach(async () => {
    await app.close()
    await store.cleanup()
  })

  it(`${N} concurrent requests each setting a different key of one session: all ${N} keys kept`, async () => {
    const client = app.client()
    await client.post('/set/start', { value: 0 })
    // Every request loads the session, then waits until all have loaded, then changes its key:
    // all of them really are in flight at once and save onto versions others have moved past.
    const barrier = (app.hooks.barrier = new Barrier(N))
    const answers = await Promise.all(Array.from({ length: N }, (_, i) => client.clone().post(`/set/k${i}`, { value: i })))
    expect(barrier.count).toBe(N)
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(200))
    app.hooks.barrier = undefined
    const data = (await client.get<{ data: Record<string, unknown> }>('/me')).body.data
    expect(Object.keys(data).length).toBe(N + 1)
    for (let i = 0; i < N; i++) expect(data[`k${i}`]).toBe(i)
  })

  it(`${N} concurrent req.session.update increments of one counter: ${N}`, async () => {
    const client = app.client()
    await client.post('/set/count', { value: 0 })
    const barrier = (app.hooks.barrier = new Barrier(N))
    const answers = await Promise.all(Array.from({ length: N }, () => client.clone().post<{ count: number }>('/incr')))
    expect(barrier.count).toBe(N)
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(200))
    expect(answers.every((a) => typeof a.body.count === 'number' && a.body.count >= 1)).toBe(true)
    app.hooks.barrier = undefined
    expect((await client.get<{ data: { count: number } }>('/me')).body.data.count).toBe(N)
  })
})
