import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Barrier, startApp, type TestApp } from './support/app'
import express5 from 'express'
import { memory, targets, type TestStore } from './support/targets'

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

describe('contention beyond the retries', () => {
  it('answers 503 session_busy with Retry-After, and the change that won is kept', async () => {
    // Two app instances (two managers) on one store, no retries: the request holding the older
    // version must lose its compare-and-set.
    const store = await memory()
    const options = { session: { rateLimit: false as const }, manager: { concurrency: { maxRetries: 0 } } }
    const a = await startApp(express5, store, options)
    const b = await startApp(express5, store, options)
    try {
      const onA = a.client()
      await onA.post('/set/start', { value: 0 })
      const onB = b.client()
      onB.cookie = onA.cookie
      a.hooks.barrier = b.hooks.barrier = new Barrier(2)
      const [x, y] = await Promise.all([onA.post('/set/x', { value: 1 }), onB.post('/set/y', { value: 2 })])
      const busy = [x, y].filter((r) => r.status === 503)
      expect([x.status, y.status].sort()).toEqual([200, 503])
      expect(busy[0]!.body).toMatchObject({ error: 'session_busy' })
      expect(busy[0]!.headers.get('retry-after')).toBe('1')
      a.hooks.barrier = b.hooks.barrier = undefined
      const data = (await onA.get<{ data: Record<string, unknown> }>('/me')).body.data
      expect(Object.keys(data).sort()).toEqual(x.status === 200 ? ['start', 'x'] : ['start', 'y'])
    } finally {
      await a.close()
      await b.close()
    }
  })
})
