import { runStoreConformance } from '@sessionkit/conformance'
import { startRedisCluster, type RedisClusterHandle } from '@sessionkit/testkit/redis'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
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
