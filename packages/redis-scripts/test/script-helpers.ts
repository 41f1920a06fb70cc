import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import type { RedisCall } from '../src/index'

/** The shared test Redis (REDIS_URL or 127.0.0.1:6379); tests only touch their own prefix. */
export function testRedis(): Redis {
  return new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 })
}

/** A prefix no other test uses. */
export function uniquePrefix(): string {
  return `sk-scripts-${randomBytes(6).toString('hex')}`
}

/** Sends a call as a store would: EVALSHA with an EVAL fallback, or the plain command. */
export async function send<R>(redis: Redis, call: RedisCall<R>): Promise<R> {
  if (call.kind === 'command') {
    const [name, ...args] = call.command
    return call.parse(await redis.call(name!, ...args))
  }
  const { script, keys, args } = call
  try {
    return call.parse(await redis.evalsha(script.sha1, keys.length, ...keys, ...args))
  } catch (error) {
    if (!String(error).includes('NOSCRIPT')) throw error
    return call.parse(await redis.eval(script.source, keys.length, ...keys, ...args))
  }
}

/** Deletes every key of a prefix (tests only; uses SCAN, never KEYS). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}:*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await redis.del(...keys)
  } while (cursor !== '0')
}
