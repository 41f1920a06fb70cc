import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import express from 'express'
import { RedisStore } from '@sessionkit/store-redis'
import { startRedisServer, type RedisServerHandle } from '@sessionkit/testkit/redis'
import { Barrier, Gate, startApp, type TestApp } from './support/app'
import { counting, deletePrefix, redisUrl, uniquePrefix } from './support/targets'

describe('store down (a real redis-server that is stopped)', () => {
  let server: RedisServerHandle
  let app: TestApp
  // Short enough that a request to a stopped server answers 503 quickly, long enough that the
  // steps before the stop (a fresh connection, the first script load) fit on a loaded CI host.
  const COMMAND_TIMEOUT = 1_000

  beforeAll(async () => {
    server = await startRedisServer()
  })
  afterAll(async () => {
    await server.destroy()
  })
  afterEach(async () => {
    await app.close()
  })

  it('loading answers 503 JSON, and the same cookie works again once Redis is back', async () => {
    const store = new RedisStore({ url: server.url, prefix: 'down', commandTimeout: COMMAND_TIMEOUT })
    app = await startApp(express, counting(store, () => store.close()))
    const client = app.client()
    await client.post('/set/a', { value: 1 })
    await server.stop()
    const down = await client.get('/me')
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({ error: 'session_store_unavailable' })
    expect(down.headers.get('content-type')).toMatch(/application\/json/)
    // The cookie is kept: the session may well still exist once the store is back.
    expect(client.cookie).not.toBeNull()
    await server.restart() // empty: the old session is gone, the request just has none
    const back = await client.get('/me')
    expect(back.status).toBe(200)
    expect(back.body.exists).toBe(false)
  })

  it('a save that fails at the end of the request answers 503 JSON instead of the handler answer', async () => {
    await server.restart()
    const store = new RedisStore({ url: server.url, prefix: 'down-save', commandTimeout: COMMAND_TIMEOUT })
    app = await startApp(express, counting(store, () => store.close()))
    const client = app.client()
    await client.post('/set/a', { value: 1 })
    const gate = (app.hooks.gate = new Gate())
    const pending = client.post('/set/b', { value: 2 })
    await gate.parked()
    await server.stop()
    gate.open()
    const answer = await pending
    expect(answer.status).toBe(503)
    expect(answer.body).toMatchObject({ error: 'session_store_unavailable' })
    expect(answer.headers.get('cache-control')).toBe('no-store')
    await server.restart()
  })

  it('creating a session while Redis is down answers 503 JSON, never a hang or a crash', async () => {
    await server.restart()
    const store = new RedisStore({ url: server.url, prefix: 'down-create', commandTimeout: COMMAND_TIMEOUT })
    app = await startApp(express, counting(store, () => store.close()))
    await server.stop()
    const client = app.client()
    const answer = await client.post('/set/a', { value: 1 })
    expect(answer.status).toBe(503)
    expect(client.cookie).toBeNull()
    await server.restart()
    expect((await client.post('/set/a', { value: 1 })).status).toBe(200)
    expect(client.cookie).not.toBeNull()
  })
})

describe('two app instances on one Redis (compare-and-set between processes)', () => {
  const N = 200
  const prefix = uniquePrefix()
  let a: TestApp
  let b: TestApp

  beforeAll(async () => {
    const storeA = new RedisStore({ url: redisUrl, prefix })
    const storeB = new RedisStore({ url: redisUrl, prefix })
    a = await startApp(express, counting(storeA, () => storeA.close()), { session: { rateLimit: false } })
    b = await startApp(express, counting(storeB, () => storeB.close()), { session: { rateLimit: false } })
  })
  afterAll(async () => {
    await a.close()
    await b.close()
    await deletePrefix(redisUrl, prefix)
  })

  it(`${N} concurrent key writes and ${N} increments split across both instances: nothing lost`, async () => {
    const first = a.client()
    await first.post('/set/count', { value: 0 })
    const onA = first.clone()
    const onB = b.client()
    onB.cookie = first.cookie
    a.hooks.barrier = b.hooks.barrier = new Barrier(N)
    const writes = await Promise.all(
      Array.from({ length: N }, (_, i) => (i % 2 ? onA : onB).clone().post(`/set/k${i}`, { value: i })),
    )
    expect(writes.every((w) => w.status === 200)).toBe(true)
    a.hooks.barrier = b.hooks.barrier = new Barrier(N)
    const increments = await Promise.all(Array.from({ length: N }, (_, i) => (i % 2 ? onA : onB).clone().post('/incr')))
    expect(increments.every((w) => w.status === 200)).toBe(true)
    a.hooks.barrier = b.hooks.barrier = undefined
    const data = (await onB.get<{ data: Record<string, unknown> }>('/me')).body.data
    expect(data.count).toBe(N)
    for (let i = 0; i < N; i++) expect(data[`k${i}`]).toBe(i)
  })
})
