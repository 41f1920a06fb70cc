import { Redis as IORedis } from 'ioredis'
import { startUpstashServer, type UpstashServer } from '@sessionkit/testkit/upstash'

/** The Redis behind the local Upstash server (shared: only ever delete our own keys). */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A local Upstash REST server over the real Redis, and a direct connection to look underneath. */
export interface Fixture {
  server: UpstashServer
  direct: IORedis
  /** Every key and value under a store prefix, as text (the conformance suite's rawDump). */
  dump(prefix: string): Promise<string[]>
  /** Deletes every key under the prefixes (this file's keys only). */
  cleanup(...prefixes: string[]): Promise<void>
  close(): Promise<void>
}

async function keysOf(direct: IORedis, prefix: string): Promise<string[]> {
  // Test-only walk of the keyspace; every key of a store starts with `{<prefix>:`.
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await direct.scan(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 1000)
    keys.push(...batch)
    cursor = next
  } while (cursor !== '0')
  return keys
}

async function valueOf(direct: IORedis, key: string): Promise<string[]> {
  switch (await direct.type(key)) {
    case 'string':
      return [(await direct.get(key)) ?? '']
    case 'hash':
      return Object.entries(await direct.hgetall(key)).flat()
    case 'zset':
      return direct.zrange(key, 0, -1)
    case 'set':
      return direct.smembers(key)
    case 'list':
      return direct.lrange(key, 0, -1)
    default:
      return []
  }
}

/**
 * Starts the local Upstash server and a direct Redis connection.
 * @example const fx = await startFixture()
 */
export async function startFixture(): Promise<Fixture> {
  const server = await startUpstashServer({ redisUrl })
  const direct = new IORedis(redisUrl)
  return {
    server,
    direct,
    async dump(prefix) {
      const keys = await keysOf(direct, prefix)
      const values = await Promise.all(keys.map((key) => valueOf(direct, key)))
      return [...keys, ...values.flat()]
    },
    async cleanup(...prefixes) {
      for (const prefix of prefixes) {
        const keys = await keysOf(direct, prefix)
        for (let i = 0; i < keys.length; i += 500) await direct.del(...keys.slice(i, i + 500))
      }
    },
    async close() {
      await direct.quit()
      await server.close()
    },
  }
}
