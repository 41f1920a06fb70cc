import { makeRecord, newNamespace, runStoreConformance } from '@sessionkit/conformance'
import { startRedisSentinel, type RedisSentinelHandle } from '@sessionkit/testkit/redis'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'
import { whenAvailable } from './support/when-available'

// A real master, replica and Sentinel on loopback ports, started for this file and torn down
// after it. Every store creates (and closes) its own client from Sentinel options, as the README
// shows; the backdoor reads through a separate client that also finds the master via the Sentinel.
let sentinel: RedisSentinelHandle
let inspector: Redis

beforeAll(async () => {
  sentinel = await startRedisSentinel()
  inspector = new Redis({ sentinels: sentinel.sentinels, name: sentinel.name, maxRetriesPerRequest: 1 })
  // When the failover drops its connection, ioredis' first reconnect emits "All sentinels are
  // unreachable. Retrying from scratch" and resolves the new master 10 ms later; a failed dump
  // still rejects on its own.
  inspector.on('error', () => {})
  await inspector.ping()
}, 60_000)

afterAll(async () => {
  await inspector?.quit()
  await sentinel?.stop()
})

runStoreConformance(
  'redis (sentinel)',
  ({ namespace }) => new RedisStore({ sentinels: sentinel.sentinels, name: sentinel.name }, { prefix: namespace }),
  { rawDump: ({ namespace }) => dumpNamespace(inspector, namespace) },
)

describe('sentinel failover', () => {
  it('the same store object follows the Sentinel to the promoted replica: reads a session written before, writes new ones there', async () => {
    const store = new RedisStore({ sentinels: sentinel.sentinels, name: sentinel.name }, { prefix: newNamespace() })
    const formerMaster = sentinel.masterPort
    try {
      const now = Date.now()
      const before = makeRecord(now)
      expect(await store.insert(before, { now })).toEqual({ status: 'ok', evicted: [] })

      await sentinel.failover()
      expect(sentinel.masterPort).not.toBe(formerMaster)

      expect(await whenAvailable(() => store.get(before.id, now), 10_000)).toEqual(before)
      const after = makeRecord(now)
      expect(await whenAvailable(() => store.insert(after, { now }), 10_000)).toEqual({ status: 'ok', evicted: [] })
      expect(await store.get(after.id, now)).toEqual(after)

      // The new session is on the promoted master itself, not on the demoted one.
      const promoted = new Redis(sentinel.masterPort, '127.0.0.1', { maxRetriesPerRequest: 1 })
      try {
        expect((await promoted.info('replication')).match(/^role:(\w+)/m)?.[1]).toBe('master')
        expect(await promoted.exists(store.keys.sessionKey(after.id))).toBe(1)
      } finally {
        promoted.disconnect()
      }
    } finally {
      await store.close()
    }
  }, 60_000)
})
