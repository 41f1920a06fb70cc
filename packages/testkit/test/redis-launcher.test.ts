import { Cluster, Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redisUrl, requireBinaries, startRedisCluster, startRedisServer } from '../src/redis/index'

describe('redis launcher', () => {
  it('points tests at REDIS_URL or the default local Redis', () => {
    expect(redisUrl()).toBe(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
  })

  it('fails saying what to install when a binary is missing', () => {
    expect(() => requireBinaries('redis-server', 'sessionkit-no-such-binary')).toThrow(
      /sessionkit-no-such-binary not found on PATH: install Redis 7 .*apt-get install redis-server redis-tools/,
    )
  })

  it('starts a throwaway redis-server, stops it, and restarts it empty on the same port', async () => {
    const server = await startRedisServer()
    const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50, lazyConnect: true })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.set('launcher-key', 'v')
      expect(await client.get('launcher-key')).toBe('v')
      expect(await client.config('GET', 'save')).toEqual(['save', ''])

      await server.stop()
      await expect(client.get('launcher-key')).rejects.toThrow()

      await server.restart()
      await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())))
      expect(await client.get('launcher-key')).toBeNull()
      expect(client.options.port).toBe(server.port)
    } finally {
      client.disconnect()
      await server.destroy()
    }
  })

  describe('cluster', () => {
    let stop: (() => Promise<void>) | undefined
    afterAll(async () => stop?.())

    it('starts a 3-master Cluster that serves keys in every slot, and removes it all on stop', async () => {
      const cluster = await startRedisCluster({ masters: 3 })
      stop = cluster.stop
      expect(cluster.nodes).toHaveLength(3)
      const client = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: 1 } })
      try {
        const keys = Array.from({ length: 30 }, (_, i) => `launcher-${i}`)
        for (const key of keys) await client.set(key, key)
        expect(await Promise.all(keys.map((k) => client.get(k)))).toEqual(keys)
        const slotsPerMaster = (await client.cluster('SLOTS')) as unknown[]
        expect(slotsPerMaster.length).toBeGreaterThanOrEqual(3)
        expect(String(await client.cluster('INFO'))).toContain('cluster_state:ok')
      } finally {
        client.disconnect()
      }
      await cluster.stop()
      stop = undefined
      const probe = new Redis(cluster.nodes[0]!.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => {})
      await expect(probe.connect()).rejects.toThrow()
      probe.disconnect()
    })
  })
})
