import { Redis } from 'ioredis'
import { startRedisServer, type RedisServerHandle } from '@sessionkit/testkit/redis'
import type { RedisLocation } from './types'

const DEFAULT_URL = 'redis://127.0.0.1:6379'

/** True when a Redis answers PING at `url` within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => {}) // the failure is the answer; ioredis would otherwise log it
  try {
    await client.connect()
    return (await client.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    client.disconnect()
  }
}

/** Finds the playground's Redis once, and stops it at the end if the playground started it. */
export interface RedisLocator {
  locate(): Promise<RedisLocation>
  stop(): Promise<void>
}

/**
 * REDIS_URL when set (it must answer); else 127.0.0.1:6379; else a throwaway redis-server when
 * the binary is installed, so the Redis-backed stores work with no set-up where Redis exists.
 * @example const { url } = await createRedisLocator(process.env).locate()
 */
export function createRedisLocator(env: NodeJS.ProcessEnv): RedisLocator {
  let pending: Promise<RedisLocation> | null = null
  let started: RedisServerHandle | null = null

  async function find(): Promise<RedisLocation> {
    const url = env.REDIS_URL || DEFAULT_URL
    if (await redisAnswers(url)) return { url, started: false }
    if (env.REDIS_URL) throw new Error(`No Redis answers at REDIS_URL (${safeUrl(url)}). Start it or unset REDIS_URL.`)
    try {
      started = await startRedisServer()
    } catch {
      throw new Error(`No Redis answers at ${DEFAULT_URL} and redis-server is not installed. Install Redis or set REDIS_URL.`)
    }
    return { url: started.url, started: true }
  }

  return {
    locate() {
      // A failed attempt is not cached: the user may start Redis and try again.
      pending ??= find().catch((error: unknown) => {
        pending = null
        throw error
      })
      return pending
    },
    async stop() {
      await started?.destroy()
      started = null
      pending = null
    },
  }
}

/**
 * The URL without its password, for the page and for errors.
 * @example safeUrl('redis://:secret@host:6379') // 'redis://host:6379'
 */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return 'the configured Redis'
  }
}
