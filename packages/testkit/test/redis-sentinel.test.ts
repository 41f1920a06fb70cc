import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { startRedisSentinel, type RedisSentinelHandle } from '../src/redis/index'

/** A client straight to one server, failing fast rather than reconnecting. */
function direct(port: number): Redis {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => {})
  return client
}

/** `role` and `master_port` from a server's INFO replication. */
async function roleOf(port: number): Promise<{ role?: string; masterPort?: string }> {
  const client = direct(port)
  try {
    const info = await client.info('replication')
    return { role: /^role:(\w+)/m.exec(info)?.[1], masterPort: /^master_port:(\d+)/m.exec(info)?.[1] }
  } finally {
    client.disconnect()
  }
}

describe('redis sentinel launcher', () => {
  let sentinel: RedisSentinelHandle | undefined
  afterAll(async () => sentinel?.stop())

  it('starts a master, a replica and a Sentinel that names the master; failover() promotes the replica and demotes the master', async () => {
    sentinel = await startRedisSentinel()
    const { masterPort, replicaPort } = sentinel
    const [{ host, port }] = sentinel.sentinels as [{ host: string; port: number }]
    expect(host).toBe('127.0.0.1')
    expect(sentinel.name).toBe('mymaster')

    const asker = direct(port)
    try {
      expect(await asker.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')).toEqual(['127.0.0.1', String(masterPort)])
      expect(await roleOf(replicaPort)).toEqual({ role: 'slave', masterPort: String(masterPort) })

      // A key written through the Sentinel reaches the master and survives the failover.
      const client = new Redis({ sentinels: sentinel.sentinels, name: sentinel.name, maxRetriesPerRequest: 1 })
      try {
        await client.set('sentinel-launcher-key', 'v')
      } finally {
        client.disconnect()
      }

      await sentinel.failover()
      expect(await asker.call('SENTINEL', 'get-master-addr-by-name', 'mymaster')).toEqual(['127.0.0.1', String(replicaPort)])
      expect(await roleOf(replicaPort)).toEqual({ role: 'master', masterPort: undefined })
      expect(await roleOf(masterPort)).toEqual({ role: 'slave', masterPort: String(replicaPort) })
      expect([sentinel.masterPort, sentinel.replicaPort]).toEqual([replicaPort, masterPort])
      const promoted = direct(replicaPort)
      try {
        expect(await promoted.get('sentinel-launcher-key')).toBe('v')
      } finally {
        promoted.disconnect()
      }
    } finally {
      asker.disconnect()
    }

    await sentinel.stop()
    sentinel = undefined
    const probe = direct(port)
    await expect(probe.connect()).rejects.toThrow()
    probe.disconnect()
    // Above the sum of the launcher's own deadlines (three starts of 10 s, the sync and the
    // Sentinel's first look 15 s each, the failover 10 + 15 + 30 s: 115 s), so a slow step fails
    // with its own message instead of a bare timeout. It usually takes 13 s; once, on a CI host
    // building and testing other packages at the same time, it ran past the 90 s this had before.
  }, 150_000)
})
