import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { isStoreUnavailable, StoreUnavailableError, type SessionRecord } from '@sessionkit/core'
import { makeRecord } from '@sessionkit/conformance'
import { createKeyLayout } from '@sessionkit/redis-scripts'
import { startUpstashServer } from '@sessionkit/testkit/upstash'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { UpstashStore } from '../src/index'
import { startFixture, type Fixture } from './fixture'

const prefixRoot = `sk-test-upstash-faults-${process.pid}-`
let fx: Fixture

beforeAll(async () => {
  fx = await startFixture()
})

afterAll(async () => {
  await fx.cleanup(prefixRoot)
  await fx.close()
})

beforeEach(() => fx.server.reset())

function setup(options: { timeoutMs?: number; retries?: number } = {}) {
  const prefix = `${prefixRoot}${randomUUID().slice(0, 8)}`
  const store = new UpstashStore({ url: fx.server.url, token: fx.server.token }, { prefix, ...options })
  const keys = createKeyLayout({ prefix })
  /** What Redis holds for a session, read directly: the record (null when absent) and each index entry. */
  const persisted = async (record: SessionRecord) => {
    const bucket = keys.bucketOf(record.id)
    const [stored, expiry, ids, user] = await Promise.all([
      fx.direct.get(keys.sessionKey(record.id)),
      fx.direct.zscore(keys.expiryIndexKey(bucket), record.id),
      fx.direct.zscore(keys.idIndexKey(bucket), record.id),
      record.userId === null ? null : fx.direct.zscore(keys.userIndexKey(record.userId), record.id),
    ])
    return { stored, indexed: [expiry !== null, ids !== null, user !== null] }
  }
  return { store, persisted, keys }
}

async function closedPort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to fail')
}

/** Everything an error says, its causes included: what a log would show. */
function everythingSaid(error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message)
  return parts.join(' | ')
}

describe('faults: 500 answers', () => {
  it('every operation fails with StoreUnavailableError, and the insert wrote nothing', async () => {
    const { store, persisted } = setup()
    const now = Date.now()
    const live = makeRecord(now, { userId: 'u-500' })
    await store.insert(live, { now })
    const fresh = makeRecord(now, { userId: 'u-500' })

    fx.server.counters.reset()
    fx.server.faults.set({ status500: 5 })
    const calls = [
      store.insert(fresh, { now }),
      store.get(live.id, now),
      store.touch(live.id, { now, idleTtlMs: 60_000, touchAfterMs: 0 }),
      store.replace({ ...live, payload: '{"changed":true}', version: live.version + 1 }, live.version, now),
      store.delete(live.id),
    ]
    for (const call of calls) {
      const error = await failure(call)
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(error.message).toMatch(/^upstash store unavailable: \w+ failed on the Upstash side; retry later$/)
    }
    // A 500 is an answer, not a failed fetch: the client does not resend it.
    expect(fx.server.counters.snapshot().responses).toEqual({ 500: 5 })

    expect(await persisted(fresh)).toEqual({ stored: null, indexed: [false, false, false] })
    expect(await store.get(live.id, now)).toEqual(live)
  })
})

describe('faults: dropped connections', () => {
  it('fail with StoreUnavailableError after the client retries, never half-written', async () => {
    const { store, persisted } = setup({ retries: 2 })
    const now = Date.now()
    const record = makeRecord(now, { userId: 'u-drop' })

    fx.server.faults.set({ drop: 3 })
    const error = await failure(store.insert(record, { now }))
    expect(isStoreUnavailable(error)).toBe(true)
    expect(error.message).toBe('upstash store unavailable: insert could not reach Upstash')
    expect(fx.server.counters.snapshot().responses).toEqual({ dropped: 3 })
    expect(await persisted(record)).toEqual({ stored: null, indexed: [false, false, false] })

    // The connection comes back: the same insert goes through whole.
    expect(await store.insert(record, { now })).toEqual({ status: 'ok', evicted: [] })
    expect((await persisted(record)).indexed).toEqual([true, true, true])
  })

  it('a drop after Redis applied an insert: the retry meets its own record and answers ok', async () => {
    const { store, persisted } = setup()
    const now = Date.now()
    const record = makeRecord(now, { userId: 'u-retry' })
    fx.server.faults.set({ drop: 1, dropWhen: 'after' })
    expect(await store.insert(record, { now })).toEqual({ status: 'ok', evicted: [] })
    // Dropped after running, resent (answered "exists"), then read back: three requests.
    expect(fx.server.counters.snapshot().responses).toEqual({ dropped: 1, 200: 2 })
    expect(await store.get(record.id, now)).toEqual(record)
    expect((await persisted(record)).indexed).toEqual([true, true, true])
  })

  it('a drop after Redis applied a replace: the retried compare-and-set answers ok, applied once', async () => {
    const { store } = setup()
    const now = Date.now()
    const record = makeRecord(now, { userId: 'u-cas' })
    await store.insert(record, { now })
    const saved = { ...record, payload: JSON.stringify({ cart: ['retried'] }), version: record.version + 1 }
    fx.server.faults.set({ drop: 1, dropWhen: 'after' })
    expect(await store.replace(saved, record.version, now)).toEqual({ status: 'ok' })
    expect(await store.get(record.id, now)).toEqual(saved)
    // A writer that still holds the old version loses, as it must.
    const stale = { ...record, payload: '{"stale":true}', version: record.version + 1 }
    expect(await store.replace(stale, record.version, now)).toMatchObject({ status: 'conflict', current: saved })
  })

  it('a drop after Redis applied a touch: with touchAfter the retry does not slide twice', async () => {
    const { store } = setup()
    const now = Date.now()
    const record = makeRecord(now, { userId: 'u-touch' })
    await store.insert(record, { now })
    fx.server.faults.set({ drop: 1, dropWhen: 'after' })
    const later = now + 5000
    const touched = await store.touch(record.id, { now: later, idleTtlMs: 60_000, touchAfterMs: 1000 })
    expect(touched).toMatchObject({ version: record.version + 1, lastAccessedAt: later, expiresAt: later + 60_000 })
    expect(await store.get(record.id, later)).toEqual(touched)
  })

  it('a drop after Redis applied a delete: the session is gone and the retry answers null', async () => {
    const { store, persisted } = setup()
    const now = Date.now()
    const record = makeRecord(now, { userId: 'u-del' })
    await store.insert(record, { now })
    fx.server.faults.set({ drop: 1, dropWhen: 'after' })
    expect(await store.delete(record.id)).toBeNull()
    expect(await persisted(record)).toEqual({ stored: null, indexed: [false, false, false] })
  })

  it('when every answer is lost after Redis applied it, the insert is whole (never partial)', async () => {
    const { store, persisted } = setup({ retries: 1 })
    const now = Date.now()
    const record = makeRecord(now, { userId: 'u-lost' })
    fx.server.faults.set({ drop: 10, dropWhen: 'after' })
    expect(isStoreUnavailable(await failure(store.insert(record, { now })))).toBe(true)
    fx.server.faults.clear()
    const state = await persisted(record)
    expect(state.indexed).toEqual([true, true, true])
    expect(await store.get(record.id, now)).toEqual(record)
  })
})

describe('faults: timeouts and unreachable endpoints', () => {
  it('a slow endpoint fails with StoreUnavailableError at timeoutMs instead of hanging', async () => {
    const { store } = setup({ timeoutMs: 300 })
    fx.server.faults.set({ latencyMs: 30_000 })
    const error = await failure(store.get(makeRecord(Date.now()).id, Date.now()))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error.message).toBe('upstash store unavailable: get did not answer within 300 ms')
    fx.server.faults.clear()
  })

  it('an endpoint nobody listens on fails with StoreUnavailableError', async () => {
    const store = new UpstashStore({ url: `http://127.0.0.1:${await closedPort()}`, token: 'any' }, { retries: 1 })
    const error = await failure(store.get(makeRecord(Date.now()).id, Date.now()))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error.message).toBe('upstash store unavailable: get could not reach Upstash')
  })

  it('a Redis that is down behind Upstash (500) fails with StoreUnavailableError', async () => {
    const down = await startUpstashServer({ redisUrl: `redis://127.0.0.1:${await closedPort()}` })
    try {
      const store = new UpstashStore({ url: down.url, token: down.token })
      const error = await failure(store.insert(makeRecord(Date.now()), { now: Date.now() }))
      expect(error).toBeInstanceOf(StoreUnavailableError)
    } finally {
      await down.close()
    }
  })

  it('no failure message or cause carries the session id, key or payload', async () => {
    const { store, keys } = setup({ retries: 0 })
    const now = Date.now()
    const secret = `secret-${randomUUID()}`
    const record = makeRecord(now, { userId: 'u-quiet', payload: JSON.stringify({ secret }) })
    const said: string[] = []
    fx.server.faults.set({ status500: 1 })
    said.push(everythingSaid(await failure(store.insert(record, { now }))))
    fx.server.faults.set({ drop: 1 })
    said.push(everythingSaid(await failure(store.insert(record, { now }))))
    // A Redis error reply: the session key holds a hash, so GET answers WRONGTYPE.
    await store.insert(record, { now })
    await fx.direct.del(keys.sessionKey(record.id))
    await fx.direct.hset(keys.sessionKey(record.id), 'p', secret)
    const wrongType = await failure(store.get(record.id, now))
    expect(wrongType.message).toBe('upstash store: get: Redis answered WRONGTYPE')
    said.push(everythingSaid(wrongType))
    for (const text of said) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain(record.id)
    }
  })
})
