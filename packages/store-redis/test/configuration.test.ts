import { ConfigError, ClosedError } from '@sessionkit/core'
import { makeRecord } from '@sessionkit/conformance'
import { redisUrl } from '@sessionkit/testkit/redis'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'

describe('configuration', () => {
  it('names the offending option', () => {
    expect(() => new RedisStore({ url: redisUrl(), prefix: 'a{b' })).toThrow(ConfigError)
    expect(() => new RedisStore({ url: redisUrl(), prefix: 'a{b' })).toThrow(/^prefix: /)
    expect(() => new RedisStore({ url: redisUrl() }, { commandTimeout: 0 })).toThrow(/^commandTimeout: /)
    expect(() => new RedisStore({ url: redisUrl() }, { buckets: 20_000 })).toThrow(/^buckets: /)
    expect(() => new RedisStore({ url: redisUrl() }, { batchWrites: 'yes' as never })).toThrow(/^batchWrites: must be true or false/)
    expect(() => new RedisStore({ url: 'http://example.test' })).toThrow(/^url: /)
    expect(() => new RedisStore({ url: redisUrl(), keyPrefix: 'x:' })).toThrow(/^keyPrefix: .*use the store option prefix/)
  })

  it('accepts store options in the first argument or the second', async () => {
    const a = new RedisStore({ url: redisUrl(), prefix: 'cfg-a', commandTimeout: 900 })
    const b = new RedisStore({ url: redisUrl() }, { prefix: 'cfg-b', buckets: 4 })
    expect(a.keys.prefix).toBe('cfg-a')
    expect(b.keys.sessionKey('x')).toMatch(/^\{cfg-b:[0-3]\}:s:x$/)
    await Promise.all([a.close(), b.close()])
  })

  it('leaves an app-owned client open on close, and refuses calls after close', async () => {
    const client = new Redis(redisUrl())
    const store = new RedisStore({ client }, { prefix: `cfg-own-${Date.now()}` })
    const now = Date.now()
    const record = makeRecord(now, { userId: null })
    await store.insert(record, { now })
    await store.close()
    await expect(store.get(record.id, now)).rejects.toBeInstanceOf(ClosedError)
    expect(await client.ping()).toBe('PONG')
    await client.del(store.keys.sessionKey(record.id), store.keys.expiryIndexKey(store.keys.bucketOf(record.id)), store.keys.idIndexKey(store.keys.bucketOf(record.id)))
    await client.quit()
  })

  it('quits a client it created on close', async () => {
    const store = new RedisStore({ url: redisUrl(), prefix: 'cfg-close' })
    await store.get('x', Date.now())
    const ended = new Promise((resolve) => store.client.once('end', resolve))
    await store.close()
    await ended
    expect(store.client.status).toBe('end')
  })
})
