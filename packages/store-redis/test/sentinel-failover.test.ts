import { makeRecord, newNamespace } from '@sessionkit/conformance'
import { startRedisSentinel, type RedisSentinelHandle } from '@sessionkit/testkit/redis'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { whenAvailable } from './support/when-available'

// Its own master, replica and Sentinel: the tests count the clients connected to each server, so
// no other file's clients may share them.
let sentinel: RedisSentinelHandle

beforeAll(async () => {
  sentinel = await startRedisSentinel()
}, 60_000)

afterAll(async () => {
  await sentinel?.stop()
})

/** Runs `query` on a short-lived client of the server on `port` (a Sentinel included). */
async function onServer<T>(port: number, query: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    return await query(client)
  } finally {
    client.disconnect()
  }
}

/** The CLIENT LIST lines of a server, leaving out the connection that asks. */
function otherClients(port: number): Promise<string[]> {
  return onServer(port, async (client) => {
    const own = await client.client('ID')
    const list = (await client.client('LIST')) as string
    return list.split('\n').filter((line) => line !== '' && !line.startsWith(`id=${own} `))
  })
}

/** Clients subscribed to something: on a Sentinel, those listening for `+switch-master`. */
async function subscribers(port: number): Promise<string[]> {
  return (await otherClients(port)).filter((line) => / sub=[1-9]/.test(line))
}

/** Connections that gave themselves `name` (ioredis' `connectionName`). */
async function connectionsNamed(port: number, name: string): Promise<string[]> {
  return (await otherClients(port)).filter((line) => line.includes(` name=${name} `))
}

/**
 * Polls `read` every 50 ms until `done` holds or `ms` pass, and returns the last value read, for
 * the test to assert on (so a condition that never holds fails with what was seen).
 */
async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const isEmpty = (list: string[]) => list.length === 0

describe('sentinel failover, before the former master is demoted', () => {
  it('a store created from { sentinels, name } listens for the switch on the Sentinel, and close() ends that connection too', async () => {
    const connectionName = 'sk-detector-test'
    const store = new RedisStore({ sentinels: sentinel.sentinels, name: sentinel.name, connectionName }, { prefix: newNamespace() })
    const now = Date.now()
    expect(await store.insert(makeRecord(now), { now })).toEqual({ status: 'ok', evicted: [] })
    expect(await settle(() => subscribers(sentinel.sentinels[0]!.port), (list) => list.length > 0)).toHaveLength(1)
    expect(await connectionsNamed(sentinel.masterPort, connectionName)).toHaveLength(1)

    await store.close()

    expect(await settle(() => otherClients(sentinel.sentinels[0]!.port), isEmpty)).toEqual([])
    expect(await settle(() => connectionsNamed(sentinel.masterPort, connectionName), isEmpty)).toEqual([])
  }, 20_000)

  it('a session created right after the switch is written to the promoted master, not to the former one (where it would be lost)', async () => {
    const connectionName = 'sk-failover-test'
    const sentinelPort = sentinel.sentinels[0]!.port
    const store = new RedisStore({ sentinels: sentinel.sentinels, name: sentinel.name, connectionName }, { prefix: newNamespace() })
    const formerMaster = sentinel.masterPort
    const now = Date.now()
    const before = makeRecord(now)
    const after = makeRecord(now)
    try {
      expect(await store.insert(before, { now })).toEqual({ status: 'ok', evicted: [] })
      // The detector subscribes once the client is connected; the switch must not come first.
      await settle(() => subscribers(sentinelPort), (list) => list.length > 0)

      await sentinel.failover({ waitForDemotion: false })
      expect(sentinel.masterPort).not.toBe(formerMaster)
      // The Sentinel tells its subscribers as it switches; the client drops the former master
      // 30-110 ms after this handle sees the new name (measured here), and a write sent before
      // that still goes there. Without the detector it stays until Sentinel demotes that server
      // 8-10 s later: this wait runs out and the session below goes to the former master.
      await settle(() => connectionsNamed(formerMaster, connectionName), isEmpty)

      expect(await whenAvailable(() => store.insert(after, { now }), 5000)).toEqual({ status: 'ok', evicted: [] })
      expect(await store.get(after.id, now)).toEqual(after)
      expect(await store.get(before.id, now)).toEqual(before)

      const key = store.keys.sessionKey(after.id)
      const [promoted, former] = await Promise.all([
        onServer(sentinel.masterPort, (client) => client.exists(key)),
        onServer(formerMaster, (client) => client.exists(key)),
      ])
      expect(
        promoted,
        `the new session is on the promoted master (port ${sentinel.masterPort}): ` +
          `${promoted ? 'yes' : 'no'}; on the former master (port ${formerMaster}): ${former ? 'yes' : 'no'}`,
      ).toBe(1)
    } finally {
      await store.close()
    }

    // The client reconnected at the switch, with a new detector: nothing of it stays open.
    expect(await settle(() => otherClients(sentinelPort), isEmpty)).toEqual([])
    expect(await settle(() => connectionsNamed(sentinel.masterPort, connectionName), isEmpty)).toEqual([])
    expect(await settle(() => connectionsNamed(formerMaster, connectionName), isEmpty)).toEqual([])
  }, 20_000)
})
