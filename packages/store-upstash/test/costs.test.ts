import { randomUUID } from 'node:crypto'
import { SessionManager } from '@sessionkit/core'
import { makeRecord } from '@sessionkit/conformance'
import { startRedisServer, type RedisServerHandle } from '@sessionkit/testkit/redis'
import { startUpstashServer, type UpstashServer } from '@sessionkit/testkit/upstash'
import { Redis as IORedis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UpstashStore } from '../src/index'

/**
 * What each operation costs, measured twice: HTTP requests and REST commands at the local
 * Upstash server's counters, and billed commands (each REST command plus every `redis.call` a
 * script makes, as Upstash bills them) from Redis' own INFO commandstats. A throwaway Redis
 * keeps those stats free of other tests' traffic.
 */

interface Cost {
  requests: number
  /** Commands as sent over REST, by name (`eval` on a script's first use, `evalsha` after). */
  rest: Record<string, number>
  /** Commands Redis executed, script internals included: what Upstash bills. */
  billed: number
}

let redis: RedisServerHandle
let server: UpstashServer
let direct: IORedis
const rows: Array<{ operation: string } & Cost> = []

async function commandCalls(): Promise<Map<string, number>> {
  const calls = new Map<string, number>()
  for (const line of (await direct.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line)
    if (match && match[1] !== 'info') calls.set(match[1]!, Number(match[2]))
  }
  return calls
}

async function measure(operation: string, run: () => Promise<unknown>): Promise<Cost> {
  server.reset()
  const before = await commandCalls()
  await run()
  const after = await commandCalls()
  let billed = 0
  for (const [name, calls] of after) billed += calls - (before.get(name) ?? 0)
  const counted = server.counters.snapshot()
  const cost = { requests: counted.requests.total, rest: counted.commands.byName, billed }
  rows.push({ operation, ...cost })
  return cost
}

function newStore(prefix = `sk-cost-${randomUUID().slice(0, 8)}`): UpstashStore {
  return new UpstashStore({ url: server.url, token: server.token }, { prefix })
}

beforeAll(async () => {
  redis = await startRedisServer()
  server = await startUpstashServer({ redisUrl: redis.url })
  direct = new IORedis(redis.url)
})

afterAll(async () => {
  console.table(rows.map(({ operation, requests, rest, billed }) => ({ operation, requests, rest: JSON.stringify(rest), billed })))
  await direct?.quit()
  await server?.close()
  await redis?.destroy()
})

describe('cost per operation (requests and billed commands)', () => {
  it('create, get, get with touch, save of a loaded session and delete are one request each, even on a cold start', async () => {
    const store = newStore()
    const now = Date.now()
    const record = makeRecord(now, { userId: 'user-a' })

    expect(await measure('insert (create), cold', () => store.insert(record, { now }))).toEqual({
      requests: 1,
      rest: { eval: 1 },
      billed: 6, // EVAL + SET NX PXAT, 2×ZADD bucket indexes, HSET owner map, ZADD user index (no limit: the index is not walked)
    })
    expect(await measure('get (peek)', () => store.get(record.id, now))).toEqual({ requests: 1, rest: { get: 1 }, billed: 1 })
    expect(
      await measure('touch (get with touch), cold', () => store.touch(record.id, { now: now + 1000, idleTtlMs: 60_000, touchAfterMs: 0 })),
    ).toEqual({ requests: 1, rest: { eval: 1 }, billed: 3 }) // + GET, SET PXAT (the expiry index is re-indexed lazily by purge)
    const loaded = (await store.get(record.id, now + 1000))!
    const saved = { ...loaded, payload: JSON.stringify({ cart: [1] }), version: loaded.version + 1 }
    expect(await measure('replace (save), cold', () => store.replace(saved, loaded.version, now + 2000))).toEqual({
      requests: 1,
      rest: { eval: 1 },
      billed: 3, // + GET, SET PXAT (no ZADD: the expiry did not move earlier)
    })
    expect(await measure('delete, cold', () => store.delete(record.id))).toEqual({
      requests: 1,
      rest: { eval: 1 },
      billed: 7, // + GET, DEL, 2×ZREM bucket indexes, HDEL owner map, ZREM user index
    })
  })

  it('sends EVALSHA once a script is loaded, at the same cost', async () => {
    const store = newStore()
    const now = Date.now()
    const first = makeRecord(now, { userId: 'user-b' })
    await store.insert(first, { now })
    const second = makeRecord(now + 1, { userId: 'user-c' })
    expect(await measure('insert (create), warm', () => store.insert(second, { now }))).toEqual({ requests: 1, rest: { evalsha: 1 }, billed: 6 })
    await store.touch(first.id, { now, idleTtlMs: 60_000, touchAfterMs: 0 })
    expect(await measure('touch, warm', () => store.touch(first.id, { now: now + 5, idleTtlMs: 60_000, touchAfterMs: 0 }))).toEqual({
      requests: 1,
      rest: { evalsha: 1 },
      billed: 3,
    })
    expect(
      await measure('touch throttled by touchAfter', () => store.touch(first.id, { now: now + 10, idleTtlMs: 60_000, touchAfterMs: 60_000 })),
    ).toEqual({ requests: 1, rest: { evalsha: 1 }, billed: 2 })
  })

  it('recovers from a flushed script cache with one EVAL, then goes back to EVALSHA', async () => {
    const store = newStore()
    const now = Date.now()
    const record = makeRecord(now, { userId: 'user-f' })
    await store.insert(record, { now })
    const touch = (at: number) => store.touch(record.id, { now: at, idleTtlMs: 60_000, touchAfterMs: 0 })
    await touch(now + 1)
    await direct.script('FLUSH')
    expect(await measure('touch after SCRIPT FLUSH', () => touch(now + 2))).toMatchObject({ requests: 2, rest: { evalsha: 1, eval: 1 } })
    expect(await measure('touch, reloaded', () => touch(now + 3))).toMatchObject({ requests: 1, rest: { evalsha: 1 } })
    // A second miss after a load: this server's EVAL does not seem to fill the cache; stay on EVAL.
    await direct.script('FLUSH')
    await touch(now + 4)
    expect(await measure('touch, EVAL only', () => touch(now + 5))).toMatchObject({ requests: 1, rest: { eval: 1 } })
    expect((await store.get(record.id, now + 5))!.lastAccessedAt).toBe(now + 5)
  })

  it('costs of the other operations (one request each; commands grow with what they touch)', async () => {
    const store = newStore()
    const now = Date.now()
    const user = 'user-d'
    const records = [0, 1, 2].map((i) => makeRecord(now + i, { userId: user }))
    for (const record of records) await store.insert(record, { now })

    const fourth = makeRecord(now + 3, { userId: user })
    // Over the limit: ZCARD, then the index is walked (ZRANGE, a GET per other session) and the oldest evicted.
    expect(await measure('insert with maxPerUser (3 others, 1 evicted)', () => store.insert(fourth, { now, maxPerUser: 3 }))).toMatchObject({
      requests: 1,
      billed: 6 + 1 + 1 + 3 + 6,
    })
    expect(await measure('listByUser (3 sessions)', () => store.listByUser(user, now))).toMatchObject({ requests: 1, billed: 1 + 1 + 3 })
    expect(await measure('scan page (16 buckets, 3 sessions)', () => store.scan({ limit: 100, now }))).toMatchObject({ requests: 1, billed: 1 + 16 + 3 })
    expect(await measure('purgeExpired (nothing expired)', () => store.purgeExpired({ now }))).toMatchObject({ requests: 1, billed: 1 + 16 })
    expect(await measure('deleteByUser (3 sessions, keep 1)', () => store.deleteByUser(user, { exceptId: fourth.id }))).toMatchObject({
      requests: 1,
      billed: 1 + 1 + 2 * 6,
    })
    let token: string | null = null
    expect(await measure('acquireLock', async () => (token = await store.acquireLock(fourth.id, { ttlMs: 5000 })))).toEqual({
      requests: 1,
      rest: { set: 1 },
      billed: 1,
    })
    expect(await measure('releaseLock', () => store.releaseLock(fourth.id, token!))).toMatchObject({ requests: 1, billed: 3 })
  })

  it('through SessionManager: create, get (with touch) and delete are one request each', async () => {
    const manager = new SessionManager<{ cart: number[] }>({ store: newStore(), cleanupInterval: false })
    let token = ''
    expect(await measure('manager.create', async () => ({ token } = await manager.create('user-e', { cart: [] })))).toMatchObject({ requests: 1 })
    expect(await measure('manager.get', () => manager.get(token))).toMatchObject({ requests: 1 })
    expect(await measure('manager.delete', () => manager.delete(token))).toMatchObject({ requests: 1 })
    await manager.close()
  })
})
