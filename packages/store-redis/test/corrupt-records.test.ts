import { makeRecord } from '@sessionkit/conformance'
import { redisUrl } from '@sessionkit/testkit/redis'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'

// A hash damaged underneath the store (a time or version that is not a number, no payload) must
// read as "no session" on every path, never fail the request, and be cleaned up by purge.
const prefix = `sk-corrupt-${randomBytes(6).toString('hex')}`
const store = new RedisStore({ url: redisUrl(), prefix })
const redis = new Redis(redisUrl())

afterAll(async () => {
  const keys = (await dumpNamespace(redis, prefix)).filter((k) => k.startsWith(`{${prefix}:`))
  if (keys.length > 0) await redis.del(...keys)
  await Promise.all([store.close(), redis.quit()])
})

describe('records damaged underneath the store', () => {
  it.each([
    ['expiresAt', 'e', 'soon'],
    ['lastAccessedAt', 'a', ''],
    ['version', 'v', 'v2'],
    ['createdAt', 'c', 'x'],
  ])('a %s that is not a number reads as no session everywhere', async (_, field, value) => {
    const now = Date.now()
    const user = `user-${randomBytes(4).toString('hex')}`
    const record = makeRecord(now, { userId: user })
    await store.insert(record, { now })
    await redis.hset(store.keys.sessionKey(record.id), field, value)

    expect(await store.get(record.id, now)).toBeNull()
    expect(await store.touch(record.id, { now, idleTtlMs: 60_000, touchAfterMs: 0 })).toBeNull()
    expect(await store.replace({ ...record, version: 2 }, 1, now)).toEqual({ status: 'missing' })
    expect(await store.listByUser(user, now)).toEqual([])
    expect((await store.scan({ limit: 100, now, includeExpired: true })).records.map((r) => r.id)).not.toContain(record.id)
    // The user can still sign in again, with a limit that walks the damaged entry.
    const next = makeRecord(now + 1, { userId: user })
    expect(await store.insert(next, { now, maxPerUser: 1 })).toMatchObject({ status: 'ok' })
    expect((await store.listByUser(user, now)).map((r) => r.id)).toEqual([next.id])
  })

  it('a hash without a payload reads as no session, and purge removes a damaged expiry', async () => {
    const now = Date.now()
    const record = makeRecord(now, { expiresAt: now + 1000 })
    await store.insert(record, { now })
    await redis.hdel(store.keys.sessionKey(record.id), 'p')
    expect(await store.get(record.id, now)).toBeNull()

    const damaged = makeRecord(now, { expiresAt: now + 1000 })
    await store.insert(damaged, { now })
    await redis.hset(store.keys.sessionKey(damaged.id), 'e', 'never')
    const removed = await store.purgeExpired({ now: now + 2000 })
    expect(removed.map((r) => r.id)).toContain(damaged.id)
    expect(await redis.exists(store.keys.sessionKey(damaged.id))).toBe(0)
  })
})
