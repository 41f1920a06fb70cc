import { makeRecord } from '@sessionkit/conformance'
import { redisUrl } from '@sessionkit/testkit/redis'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'

// A record damaged underneath the store (a time or version that is not a number, a header cut
// short, another library's value under our key) must read as "no session" on every path, never
// fail the request, and be cleaned up by purge.
const prefix = `sk-corrupt-${randomBytes(6).toString('hex')}`
const store = new RedisStore({ url: redisUrl(), prefix })
const redis = new Redis(redisUrl())

afterAll(async () => {
  const keys = (await dumpNamespace(redis, prefix)).filter((k) => k.startsWith(`{${prefix}:`))
  if (keys.length > 0) await redis.del(...keys)
  await Promise.all([store.close(), redis.quit()])
})

/** Rewrites a stored record underneath the store, keeping its Redis TTL. */
async function damage(id: string, change: (stored: string) => string): Promise<void> {
  const key = store.keys.sessionKey(id)
  const stored = await redis.get(key)
  if (stored === null) throw new Error('damaged a session that was not there')
  await redis.set(key, change(stored), 'KEEPTTL')
}

/** The header field at `index` (0 = the format) replaced by `value`. */
const field = (index: number, value: string) => (stored: string) => {
  const parts = stored.split('|')
  parts[index] = value
  return parts.join('|')
}

describe('records damaged underneath the store', () => {
  it.each([
    ['expiresAt', field(1, 'soon')],
    ['lastAccessedAt', field(2, '')],
    ['version', field(3, 'v2')],
    ['createdAt', field(5, 'x')],
    ['user id length', field(6, '9999')],
    ['format', field(0, '9')],
    ['whole value', () => JSON.stringify({ cookie: { maxAge: 1 }, user: 'someone else' })],
  ])('a damaged %s reads as no session everywhere', async (_, change) => {
    const now = Date.now()
    const user = `user-${randomBytes(4).toString('hex')}`
    const record = makeRecord(now, { userId: user })
    await store.insert(record, { now })
    await damage(record.id, change)

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

  it('a damaged touch or save never rewrites the damaged value, and purge removes it', async () => {
    const now = Date.now()
    const damaged = makeRecord(now, { expiresAt: now + 1000 })
    await store.insert(damaged, { now })
    await damage(damaged.id, field(1, 'never'))
    const before = await redis.get(store.keys.sessionKey(damaged.id))
    await store.touch(damaged.id, { now, idleTtlMs: 60_000, touchAfterMs: 0 })
    await store.replace({ ...damaged, version: 2 }, 1, now)
    expect(await redis.get(store.keys.sessionKey(damaged.id))).toBe(before)

    const removed = await store.purgeExpired({ now: now + 2000 })
    expect(removed.map((r) => r.id)).toContain(damaged.id)
    expect(await redis.exists(store.keys.sessionKey(damaged.id))).toBe(0)
  })
})
