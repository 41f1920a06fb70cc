import { SessionManager } from '@sessionkit/core'
import { RedisStore } from '@sessionkit/store-redis'
import { UpstashStore } from '@sessionkit/store-upstash'
import { ZeroDbStore } from '@sessionkit/store-zerodb'
import { startRedisServer } from '@sessionkit/testkit/redis'
import { startUpstashServer } from '@sessionkit/testkit/upstash'
import { startZeroDbEmulator } from '@sessionkit/testkit/zerodb'
import { Redis } from 'ioredis'
import type { FactRow } from '../harness'
import { ROUND_TRIPS } from '../row-names'

/**
 * Round trips per operation, counted at the server: Redis commands the client sent (MONITOR,
 * leaving out the commands scripts run inside Redis), Upstash HTTP requests, ZeroDB HTTP
 * requests. Each operation is measured warm (scripts loaded, table created).
 */
type Cart = { cart: string[] }
type Counter = { reset(): Promise<void> | void; read(): Promise<number> | number }

async function monitorCounter(url: string): Promise<Counter & { stop(): Promise<void> }> {
  const client = new Redis(url)
  const monitor = await client.monitor()
  let count = 0
  // Lines from scripts carry "lua" as their source; everything else came from a client.
  monitor.on('monitor', (_time: string, _args: string[], source: string) => {
    if (!source.includes('lua')) count++
  })
  const settle = () => new Promise((r) => setTimeout(r, 50))
  return {
    reset: async () => {
      await settle()
      count = 0
    },
    read: async () => {
      await settle()
      return count
    },
    stop: async () => {
      monitor.disconnect()
      client.disconnect()
    },
  }
}

/**
 * The managers write every access (`touchAfter: 0`), so "get (with touch)" counts the touch that
 * writes (the script), not the plain `GET` a read costs while the write is not yet due.
 */
async function measureOps(store: string, manager: SessionManager<Cart>, counter: Counter): Promise<FactRow[]> {
  const rows: FactRow[] = []
  const count = async (name: string, op: () => Promise<unknown>) => {
    await counter.reset()
    await op()
    const value = await counter.read()
    rows.push({ group: ROUND_TRIPS.group, name: ROUND_TRIPS.name(store, name), value, unit: 'round trips', peer: false, baseline: null, ratio: null })
  }
  // Warm up every measured operation once: scripts loaded (a cold EVALSHA costs a NOSCRIPT
  // round trip once per process), table created.
  const warm = await manager.create('warm-user', { cart: [] })
  const warmSession = (await manager.get(warm.token))!
  await manager.update(warm.token, (d) => d, { current: warmSession })
  await manager.getUserSessions('warm-user')
  await manager.delete(warm.token)

  const user = `user-${Date.now()}`
  const tokens: string[] = []
  for (let i = 0; i < 9; i++) tokens.push((await manager.create(user, { cart: [] })).token)
  let token = ''
  await count(ROUND_TRIPS.operations.create, async () => {
    token = (await manager.create(user, { cart: [] })).token
  })
  let loaded = (await manager.peek(token))!
  await count(ROUND_TRIPS.operations.get, async () => {
    loaded = (await manager.get(token))!
  })
  await count(ROUND_TRIPS.operations.save, () => manager.update(token, (d) => ({ cart: [...d.cart, 'sku'] }), { current: loaded }))
  await count('getUserSessions (10 sessions)', () => manager.getUserSessions(user))
  await count(ROUND_TRIPS.operations.delete, () => manager.delete(token))
  for (const t of tokens) await manager.delete(t)
  return rows
}

export async function roundTripsGroup(): Promise<FactRow[]> {
  const rows: FactRow[] = []
  const redis = await startRedisServer()
  const monitor = await monitorCounter(redis.url)
  const redisManager = new SessionManager<Cart>({ store: new RedisStore({ url: redis.url, prefix: 'bench-rt' }), touchAfter: 0, cleanupInterval: false })
  rows.push(...(await measureOps('Redis', redisManager, monitor)))
  await redisManager.close()
  await monitor.stop()

  const upstash = await startUpstashServer({ redisUrl: redis.url })
  const upstashManager = new SessionManager<Cart>({ store: new UpstashStore({ url: upstash.url, token: upstash.token }, { prefix: 'bench-rt-up' }), touchAfter: 0, cleanupInterval: false })
  rows.push(
    ...(await measureOps('Upstash', upstashManager, { reset: () => upstash.counters.reset(), read: () => upstash.counters.snapshot().requests.total })),
  )
  await upstashManager.close()
  await upstash.close()
  await redis.destroy()

  const zerodb = await startZeroDbEmulator()
  const zeroManager = new SessionManager<Cart>({
    store: new ZeroDbStore({ projectId: zerodb.projectId, apiKey: zerodb.apiKey, baseUrl: zerodb.baseUrl, tableName: 'bench_rt' }),
    touchAfter: 0,
    cleanupInterval: false,
  })
  rows.push(...(await measureOps('ZeroDB', zeroManager, { reset: () => zerodb.counters.reset(), read: () => zerodb.counters.total })))
  await zeroManager.close()
  await zerodb.close()
  return rows
}
