import { randomBytes } from 'node:crypto'
import { SessionManager, type Session } from '@sessionkit/core'
import { RedisStore } from '@sessionkit/store-redis'
import { startRedisServer } from '@sessionkit/testkit/redis'
import { RedisStore as ConnectRedisStore } from 'connect-redis'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { compare, type BenchCase, type FactRow, type Row, type RunOptions } from '../harness'
import { REDIS_GET } from '../row-names'

/**
 * The Redis store against raw ioredis (the floor: one GET) and connect-redis (what
 * express-session apps use today, on node-redis as connect-redis 9 requires). Everything runs on
 * a throwaway redis-server of its own, so no other client disturbs the numbers.
 */
type Cart = { cart: string[] }
const TTL_S = 1800
const cart = (): Cart => ({ cart: ['sku-1', 'sku-2'] })
const peerSession = () => ({ cookie: { originalMaxAge: TTL_S * 1000, expires: new Date(Date.now() + TTL_S * 1000), httpOnly: true, path: '/' }, ...cart() })

async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)![1])
}

async function inParallel(total: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < total) await fn(next++)
  }))
}

export async function redisGroup(options: RunOptions & { population: number; memoryCount: number; concurrencies: number[] }): Promise<{ rows: Row[]; facts: FactRow[] }> {
  const server = await startRedisServer()
  const raw = new Redis(server.url)
  const nodeRedis = createClient({ url: server.url })
  await nodeRedis.connect()
  const peer = new ConnectRedisStore({ client: nodeRedis, prefix: 'bench:cr:', ttl: TTL_S })
  const store = new RedisStore({ url: server.url, prefix: 'bench-sk' })
  // The manager with its defaults: an access is written at most once a minute (touchAfter).
  const manager = new SessionManager<Cart>({ store, expiration: { strategy: 'sliding', ttl: TTL_S }, cleanupInterval: false })
  const key = randomBytes(32).toString('base64')
  const sealedStore = new RedisStore({ url: server.url, prefix: 'bench-enc' })
  const sealed = new SessionManager<Cart>({ store: sealedStore, expiration: { strategy: 'sliding', ttl: TTL_S }, cleanupInterval: false, encryption: { keys: [key] } })
  // The same sessions read through a manager that writes every access (touchAfter: 0): each get
  // is the touch script, which costs Redis about 10 µs against 0.6 µs for a GET.
  const everyStore = new RedisStore({ url: server.url, prefix: 'bench-sk' })
  const every = new SessionManager<Cart>({ store: everyStore, expiration: { strategy: 'sliding', ttl: TTL_S }, touchAfter: 0, cleanupInterval: false })

  const n = options.population
  const tokens: string[] = []
  const sealedTokens: string[] = []
  const ids: string[] = []
  const sids: string[] = []
  const latest = new Map<string, Session<Cart>>()
  const updateTokens: string[] = []
  await inParallel(n, 64, async (i) => {
    const created = await manager.create(`user-${i % 1000}`, cart())
    tokens[i] = created.token
    ids[i] = created.session.id
    const forUpdates = await manager.create(`user-${i % 1000}`, cart())
    updateTokens[i] = forUpdates.token
    latest.set(forUpdates.token, forUpdates.session)
    sealedTokens[i] = (await sealed.create(`user-${i % 1000}`, cart())).token
    sids[i] = randomBytes(24).toString('base64url')
    await raw.set(`bench:raw:${i}`, JSON.stringify(peerSession()), 'PX', TTL_S * 1000)
    await peer.set(sids[i]!, peerSession() as never)
  })

  let k = 0
  const pick = () => (k = (k + 1) % n)
  const touch = { now: 0, idleTtlMs: TTL_S * 1000, touchAfterMs: 0 }
  const rows: Row[] = []
  for (const concurrency of options.concurrencies) {
    const run = (group: string, cases: BenchCase[]) => compare(group, cases, { ...options, concurrency })
    rows.push(
      ...(await run(REDIS_GET.group, [
        { name: REDIS_GET.raw, peer: true, op: () => raw.get(`bench:raw:${pick()}`) },
        { name: 'connect-redis get', peer: true, baseline: REDIS_GET.raw, op: () => peer.get(sids[pick()]!) },
        {
          name: 'sessionkit RedisStore.touch, access written',
          baseline: REDIS_GET.raw,
          op: () => {
            touch.now = Date.now()
            return store.touch(ids[pick()]!, touch)
          },
        },
        { name: REDIS_GET.managerGet, baseline: REDIS_GET.raw, op: () => manager.get(tokens[pick()]!) },
        { name: 'sessionkit manager.get, every access written (touchAfter 0)', baseline: REDIS_GET.raw, op: () => every.get(tokens[pick()]!) },
        {
          name: REDIS_GET.encrypted,
          baseline: REDIS_GET.managerGet,
          op: () => sealed.get(sealedTokens[pick()]!),
        },
      ])),
    )
    rows.push(
      ...(await run('redis: create', [
        { name: 'ioredis SET PX (raw)', peer: true, op: () => raw.set(`bench:new:${randomBytes(16).toString('hex')}`, JSON.stringify(peerSession()), 'PX', 60_000) },
        { name: 'connect-redis set', peer: true, baseline: 'ioredis SET PX (raw)', op: () => peer.set(randomBytes(24).toString('base64url'), peerSession() as never) },
        { name: 'sessionkit manager.create', baseline: 'ioredis SET PX (raw)', op: () => manager.create(`user-${pick() % 1000}`, cart()) },
      ])),
    )
    rows.push(
      ...(await run('redis: update (save of a loaded session)', [
        { name: 'ioredis SET PX (raw overwrite)', peer: true, op: () => raw.set(`bench:raw:${pick()}`, JSON.stringify(peerSession()), 'PX', TTL_S * 1000) },
        { name: 'connect-redis set (overwrite)', peer: true, baseline: 'ioredis SET PX (raw overwrite)', op: () => peer.set(sids[pick()]!, peerSession() as never) },
        {
          name: 'sessionkit manager.update (with current)',
          baseline: 'ioredis SET PX (raw overwrite)',
          op: async () => {
            // Sessions only this case writes, each saved from the version it last saw: the
            // middleware's load-then-save, one compare-and-set round trip.
            const token = updateTokens[pick()]!
            const next = await manager.update(token, (d) => ({ cart: [...d.cart.slice(0, 3), 'sku-3'] }), { current: latest.get(token) })
            if (next) latest.set(token, next)
          },
        },
      ])),
    )
  }
  await manager.close()
  await sealed.close()
  await every.close()

  // Redis memory per session: a clean keyspace for each, the same data, the same count.
  const facts: FactRow[] = []
  const count = options.memoryCount
  await raw.flushall()
  let before = await usedMemory(raw)
  const memStore = new RedisStore({ url: server.url, prefix: 'bench-mem' })
  const memManager = new SessionManager<Cart>({ store: memStore, expiration: { strategy: 'sliding', ttl: TTL_S }, cleanupInterval: false })
  await inParallel(count, 64, (i) => memManager.create(`user-${i % 1000}`, cart(), { userAgent: 'Mozilla/5.0 bench', ipAddress: '127.0.0.1' }))
  const ours = ((await usedMemory(raw)) - before) / count
  await memManager.close()
  await raw.flushall()
  before = await usedMemory(raw)
  await inParallel(count, 64, () => peer.set(randomBytes(24).toString('base64url'), peerSession() as never))
  const theirs = ((await usedMemory(raw)) - before) / count
  facts.push(
    { group: 'redis: memory per session', name: `connect-redis, ${count.toLocaleString('en')} sessions`, value: theirs, unit: 'bytes', peer: true, baseline: null, ratio: null },
    {
      group: 'redis: memory per session',
      name: `sessionkit RedisStore, ${count.toLocaleString('en')} sessions`,
      value: ours,
      unit: 'bytes',
      peer: false,
      baseline: `connect-redis, ${count.toLocaleString('en')} sessions`,
      ratio: ours / theirs,
      note: 'used_memory delta / count; ours includes the per-user index, the bucket indexes and the owner map',
    },
  )
  await store.close().catch(() => undefined)
  await sealedStore.close().catch(() => undefined)
  raw.disconnect()
  await nodeRedis.quit()
  await server.destroy()
  return { rows, facts }
}
