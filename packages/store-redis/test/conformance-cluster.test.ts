import { makeRecord, newNamespace, newUserId, runStoreConformance } from '@sessionkit/conformance'
import { startRedisCluster, type RedisClusterHandle } from '@sessionkit/testkit/redis'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'

// A real 3-master Redis Cluster on loopback ports, started for this file and torn down after it.
// The app-owned client path: one Cluster shared by every store, never closed by them.
let cluster: RedisClusterHandle
let client: Cluster

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 })
  client = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: 1 } })
  await client.cluster('INFO')
}, 60_000)

afterAll(async () => {
  await client?.quit()
  await cluster?.stop()
})

runStoreConformance('redis (3-master cluster)', ({ namespace }) => new RedisStore({ client, prefix: namespace }), {
  rawDump: ({ namespace }) => dumpNamespace(client, namespace),
})

describe('cluster: steps across slots leave only self-healing garbage', () => {
  const MINUTE = 60_000

  it('a crash between the index step and the session step of an insert leaves an entry that readers ignore, then prune', async () => {
    const store = new RedisStore({ client, prefix: newNamespace() })
    const now = Date.now()
    const userId = newUserId()
    const live = makeRecord(now, { userId })
    await store.insert(live, { now })
    // The index step of an insert ran; the session step never did (process died in between).
    const orphan = makeRecord(now, { userId, createdAt: now - 2 * MINUTE })
    const young = makeRecord(now, { userId, createdAt: now })
    await client.zadd(store.keys.userIndexKey(userId), orphan.createdAt, orphan.id, young.createdAt, young.id)

    expect(await store.listByUser(userId, now)).toEqual([live])
    const left = await client.zrange(store.keys.userIndexKey(userId), 0, -1)
    expect(left, 'the old orphan is pruned').not.toContain(orphan.id)
    expect(left, 'a young entry may be an insert in flight: kept for now').toContain(young.id)
    expect(await store.listByUser(userId, now + 2 * MINUTE)).toEqual([live])
    expect(await client.zrange(store.keys.userIndexKey(userId), 0, -1)).toEqual([live.id])
    // "Log out everywhere" still finds every real session.
    expect(await store.deleteByUser(userId)).toEqual([{ id: live.id, userId }])
    expect(await dumpNamespace(client, store.keys.prefix)).toEqual([])
    await store.close()
  })

  it('a crash after a delete removed the session but before it removed the index entry heals the same way', async () => {
    const store = new RedisStore({ client, prefix: newNamespace() })
    const now = Date.now()
    const userId = newUserId()
    const records = [0, 1].map((i) => makeRecord(now, { userId, createdAt: now - 5 * MINUTE + i }))
    for (const r of records) await store.insert(r, { now })
    // The session step of a delete ran (same-slot script without the user index step).
    await client.del(store.keys.sessionKey(records[0]!.id))
    await client.zrem(store.keys.expiryIndexKey(store.keys.bucketOf(records[0]!.id)), records[0]!.id)
    await client.zrem(store.keys.idIndexKey(store.keys.bucketOf(records[0]!.id)), records[0]!.id)

    expect(await store.listByUser(userId, now)).toEqual([records[1]])
    expect(await client.zrange(store.keys.userIndexKey(userId), 0, -1)).toEqual([records[1]!.id])
    // maxPerUser counts only real sessions: the dangling entry never caused an eviction.
    const next = makeRecord(now, { userId, createdAt: now })
    expect(await store.insert(next, { now, maxPerUser: 2 })).toEqual({ status: 'ok', evicted: [] })
    await store.deleteByUser(userId)
    await store.close()
  })

  it('declares that maxPerUser and replaceDevice are enforced right after the insert, not atomically, on Cluster', () => {
    const store = new RedisStore({ client, prefix: newNamespace() })
    expect(store.topology).toBe('cluster')
    expect(store.capabilities).toEqual({
      nativeExpiry: true,
      atomicInsert: true,
      atomicUserLimit: false,
      distributedLocks: true,
      atomicDeviceReplace: false,
    })
  })
})

describe('cluster: a session Redis expired on its own', () => {
  it('purge still removes its user index entry (another slot) and reports it', async () => {
    const store = new RedisStore({ client, prefix: newNamespace() })
    const now = Date.now()
    const userId = newUserId()
    const gone = makeRecord(now, { userId, expiresAt: now + 200 })
    const live = makeRecord(now, { userId, expiresAt: now + 60_000 })
    await store.insert(gone, { now })
    await store.insert(live, { now })
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(await client.exists(store.keys.sessionKey(gone.id)), 'Redis dropped the record itself').toBe(0)
    expect(await store.purgeExpired({ now: Date.now() })).toEqual([{ id: gone.id, userId }])
    expect(await client.zrange(store.keys.userIndexKey(userId), 0, -1)).toEqual([live.id])
  })
})
