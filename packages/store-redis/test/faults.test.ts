import { StoreError, StoreUnavailableError, isStoreUnavailable, type SessionRecord } from '@sessionkit/core'
import { makeRecord } from '@sessionkit/conformance'
import { startRedisServer, type RedisServerHandle } from '@sessionkit/testkit/redis'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'

const TIMEOUT_MS = 400
/** Generous room above the timeout for a loaded machine: this checks "no hang", not speed. */
const SETTLE_BOUND_MS = TIMEOUT_MS + 2000

let server: RedisServerHandle
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  server = await startRedisServer()
  process.on('unhandledRejection', onUnhandled)
})
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled)
  await server?.destroy()
})
afterEach(async () => {
  // Leave the server up for the next test.
  await server.restart().catch(() => {})
})

/** Every store operation once, each settling to its outcome and how long it took. */
async function everyOperation(store: RedisStore, record: SessionRecord) {
  const now = Date.now()
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['insert', () => store.insert(makeRecord(now), { now })],
    ['get', () => store.get(record.id, now)],
    ['touch', () => store.touch(record.id, { now, idleTtlMs: 60_000, touchAfterMs: 0 })],
    ['replace', () => store.replace({ ...record, version: 2 }, 1, now)],
    ['delete', () => store.delete(record.id)],
    ['listByUser', () => store.listByUser(record.userId!, now)],
    ['deleteByUser', () => store.deleteByUser('nobody')],
    ['scan', () => store.scan({ limit: 10, now })],
    ['purgeExpired', () => store.purgeExpired({ now })],
    ['acquireLock', () => store.acquireLock(record.id, { ttlMs: 1000 })],
    ['releaseLock', () => store.releaseLock(record.id, 'token')],
  ]
  return Promise.all(
    calls.map(async ([name, call]) => {
      const start = Date.now()
      const outcome = await call().then(
        () => ({ ok: true as const, error: undefined }),
        (error: unknown) => ({ ok: false as const, error }),
      )
      return { name, ...outcome, ms: Date.now() - start }
    }),
  )
}

/** Retries `fn` until it resolves (Redis back and reconnected), for at most 10 s. */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      return await fn()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

describe('Redis going away and coming back', () => {
  for (const variant of ['store-owned client', 'app-owned client with ioredis defaults'] as const) {
    it(`fails every operation with StoreUnavailableError within the timeout, then works again (${variant})`, async () => {
      const appClient = variant === 'app-owned client with ioredis defaults' ? new Redis(server.url) : null
      appClient?.on('error', () => {})
      const store = appClient
        ? new RedisStore({ client: appClient }, { prefix: 'faults', commandTimeout: TIMEOUT_MS })
        : new RedisStore({ url: server.url, prefix: 'faults', commandTimeout: TIMEOUT_MS })
      try {
        const now = Date.now()
        const record = makeRecord(now)
        expect(await store.insert(record, { now })).toEqual({ status: 'ok', evicted: [] })

        await server.stop()
        const down = await everyOperation(store, record)
        for (const result of down) {
          expect(result.ok, `${result.name} fails while Redis is down`).toBe(false)
          expect(result.error, result.name).toBeInstanceOf(StoreUnavailableError)
          expect(isStoreUnavailable(result.error)).toBe(true)
          expect((result.error as Error).cause, `${result.name} keeps the cause`).toBeInstanceOf(Error)
          expect(result.ms, `${result.name} settles within the timeout`).toBeLessThan(SETTLE_BOUND_MS)
        }
        // Nothing the client does in the background leaks an error to the process.
        expect(unhandled).toEqual([])

        await server.restart() // same port, empty (no persistence), no scripts loaded
        const fresh = makeRecord(Date.now())
        expect(await eventually(() => store.insert(fresh, { now: Date.now() }))).toEqual({ status: 'ok', evicted: [] })
        const back = Date.now()
        expect(await store.get(fresh.id, back)).toEqual(fresh)
        expect((await store.touch(fresh.id, { now: back, idleTtlMs: 60_000, touchAfterMs: 0 }))?.version).toBe(2)
        expect(await store.replace({ ...fresh, payload: '"after"', version: 3 }, 2, back)).toEqual({ status: 'ok' })
        expect(await store.listByUser(fresh.userId!, back)).toHaveLength(1)
        expect(await store.delete(fresh.id)).toEqual({ id: fresh.id, userId: fresh.userId })
        expect(unhandled).toEqual([])
      } finally {
        await store.close()
        appClient?.disconnect()
      }
    })
  }

  it('an error reply (a key of another type where a record should be) is a StoreError, for owned and app-owned clients', async () => {
    const appClient = new Redis(server.url)
    appClient.on('error', () => {})
    const stores = [
      new RedisStore({ url: server.url, prefix: 'wrongtype', commandTimeout: TIMEOUT_MS }),
      new RedisStore({ client: appClient }, { prefix: 'wrongtype', commandTimeout: TIMEOUT_MS }),
    ]
    try {
      const record = makeRecord(Date.now())
      await appClient.hset(stores[0]!.keys.sessionKey(record.id), 'not', 'a record')
      for (const store of stores) {
        const error = await store.get(record.id, Date.now()).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(StoreError)
        expect(isStoreUnavailable(error)).toBe(false)
        expect(String((error as Error).message)).toContain('get: Redis answered an error')
        expect(String(((error as Error).cause as Error).message)).toContain('WRONGTYPE')
      }
    } finally {
      for (const store of stores) await store.close()
      appClient.disconnect()
    }
  })

  it('a slow Redis (busy with a long script) makes calls fail with StoreUnavailableError, not hang', async () => {
    const store = new RedisStore({ url: server.url, prefix: 'slow', commandTimeout: TIMEOUT_MS })
    const blocker = new Redis(server.url)
    try {
      await store.get('warm', Date.now())
      // A script that spins for 1.5 s: Redis serves nothing else meanwhile (well under the
      // 5 s busy-script limit, so other clients simply wait).
      const spin = `local s = redis.call('TIME') local start = s[1] * 1000000 + s[2]
        repeat local t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 1500000 return 1`
      const blocking = blocker.eval(spin, 0).catch(() => null)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const start = Date.now()
      const error = await store.get('any', Date.now()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(String((error as Error).message)).toContain(`within ${TIMEOUT_MS} ms`)
      expect(Date.now() - start).toBeLessThan(SETTLE_BOUND_MS)
      await blocking
      expect(await store.get('any', Date.now())).toBeNull()
    } finally {
      await store.close()
      blocker.disconnect()
    }
  })
})
