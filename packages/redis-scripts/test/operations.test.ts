import { createHash, randomBytes } from 'node:crypto'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { ScanPage, SessionRecord } from '@sessionkit/core'
import {
  acquireLockCall,
  createKeyLayout,
  deleteByUserCall,
  deleteCall,
  getCall,
  insertCall,
  listByUserCall,
  purgeCall,
  releaseLockCall,
  replaceCall,
  scanCall,
  touchCall,
  userIndexAddCall,
  userIndexRangeCall,
  userIndexRemoveCall,
  type KeyLayout,
  type Topology,
} from '../src/index'
import { dropPrefix, send, testRedis, uniquePrefix } from './script-helpers'

const redis = testRedis()
const prefixes: string[] = []
afterEach(async () => {
  for (const prefix of prefixes.splice(0)) await dropPrefix(redis, prefix)
})
afterAll(() => redis.quit())

// A day ahead of real time: Redis' own PEXPIREAT backstop must not drop records these tests
// expire with their own clock.
const NOW = Date.now() + 86_400_000
const MIN = 60_000

function layout(): KeyLayout {
  const prefix = uniquePrefix()
  prefixes.push(prefix)
  return createKeyLayout({ prefix, buckets: 4 })
}

function record(fields: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: createHash('sha256').update(randomBytes(32)).digest('base64url'),
    userId: 'user-1',
    payload: `{"n":"${randomBytes(4).toString('hex')}"}`,
    createdAt: NOW,
    lastAccessedAt: NOW,
    expiresAt: NOW + 10 * MIN,
    absoluteExpiresAt: NOW + 60 * MIN,
    version: 1,
    ...fields,
  }
}

async function keysOf(keys: KeyLayout): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `{${keys.prefix}:*`, 'COUNT', 1000)
    cursor = next
    found.push(...batch)
  } while (cursor !== '0')
  return found
}

describe('session operations', () => {
  it('inserts once, reads back exactly, and refuses a duplicate id', async () => {
    const keys = layout()
    const r = record({ userId: null, absoluteExpiresAt: null })
    expect(await send(redis, insertCall(keys, r, { now: NOW }, 'single'))).toEqual({ status: 'ok', evicted: [] })
    expect(await send(redis, insertCall(keys, r, { now: NOW }, 'single'))).toEqual({ status: 'exists' })
    expect(await send(redis, getCall(keys, r.id, NOW))).toEqual(r)
    expect(await send(redis, getCall(keys, r.id, r.expiresAt))).toBeNull()
    expect(await redis.pexpiretime(keys.sessionKey(r.id))).toBe(r.expiresAt)
  })

  it('slides the expiry on touch, capped by the absolute deadline, and honours touchAfter', async () => {
    const keys = layout()
    const r = record({ absoluteExpiresAt: NOW + 15 * MIN })
    await send(redis, insertCall(keys, r, { now: NOW }, 'single'))
    const throttled = await send(redis, touchCall(keys, r.id, { now: NOW + 1000, idleTtlMs: 10 * MIN, touchAfterMs: 5000 }))
    expect(throttled).toEqual(r)
    const later = NOW + 8 * MIN
    const touched = await send(redis, touchCall(keys, r.id, { now: later, idleTtlMs: 10 * MIN, touchAfterMs: 5000 }))
    expect(touched).toEqual({ ...r, lastAccessedAt: later, expiresAt: NOW + 15 * MIN, version: 2 })
    expect(await send(redis, getCall(keys, r.id, later))).toEqual(touched)
    expect(await send(redis, touchCall(keys, r.id, { now: NOW + 15 * MIN, idleTtlMs: MIN, touchAfterMs: 0 }))).toBeNull()
  })

  it('compare-and-sets on version and never recreates a deleted session', async () => {
    const keys = layout()
    const r = record()
    await send(redis, insertCall(keys, r, { now: NOW }, 'single'))
    const next = { ...r, payload: '{"n":"2"}', version: 2 }
    expect(await send(redis, replaceCall(keys, next, 1, NOW))).toEqual({ status: 'ok' })
    expect(await send(redis, replaceCall(keys, { ...r, version: 2 }, 1, NOW))).toEqual({ status: 'conflict', current: next })
    expect(await send(redis, deleteCall(keys, r.id, 'single'))).toEqual({ id: r.id, userId: 'user-1' })
    expect(await send(redis, replaceCall(keys, { ...next, version: 3 }, 2, NOW))).toEqual({ status: 'missing' })
    expect(await send(redis, getCall(keys, r.id, NOW))).toBeNull()
    expect(await keysOf(keys)).toEqual([])
  })

  for (const topology of ['single', 'cluster'] as Topology[]) {
    it(`deletes leave no key behind (${topology} steps)`, async () => {
      const keys = layout()
      const r = record()
      if (topology === 'cluster') await redis.zadd(keys.userIndexKey('user-1'), r.createdAt, r.id)
      await send(redis, insertCall(keys, r, { now: NOW }, topology))
      const ref = await send(redis, deleteCall(keys, r.id, topology))
      if (topology === 'cluster') await redis.zrem(keys.userIndexKey(ref!.userId!), r.id)
      expect(await keysOf(keys)).toEqual([])
      expect(await send(redis, deleteCall(keys, r.id, topology))).toBeNull()
    })
  }
})

describe('user index', () => {
  it('lists newest first and prunes sessions that are gone or expired', async () => {
    const keys = layout()
    const rs = [0, 1, 2, 3].map((i) => record({ createdAt: NOW + i, expiresAt: NOW + (i === 1 ? 10 : 10 * MIN) }))
    for (const r of rs) await send(redis, insertCall(keys, r, { now: NOW }, 'single'))
    await redis.del(keys.sessionKey(rs[2]!.id))
    const listed = await send(redis, listByUserCall(keys, 'user-1', NOW + 100))
    expect(listed.map((r) => r.id)).toEqual([rs[3]!.id, rs[0]!.id])
    expect(await redis.zcard(keys.userIndexKey('user-1'))).toBe(2)
  })

  it('evicts the oldest live sessions beyond maxPerUser in the insert itself', async () => {
    const keys = layout()
    const rs = [0, 1, 2, 3, 4].map((i) => record({ createdAt: NOW + i }))
    for (const r of rs.slice(0, 3)) await send(redis, insertCall(keys, r, { now: NOW, maxPerUser: 3 }, 'single'))
    const result = await send(redis, insertCall(keys, rs[3]!, { now: NOW, maxPerUser: 2 }, 'single'))
    expect(result).toEqual({ status: 'ok', evicted: [rs[0]!.id, rs[1]!.id].map((id) => ({ id, userId: 'user-1' })) })
    expect(await send(redis, getCall(keys, rs[0]!.id, NOW))).toBeNull()
    expect((await send(redis, listByUserCall(keys, 'user-1', NOW))).map((r) => r.id)).toEqual([rs[3]!.id, rs[2]!.id])
  })

  it('replaceDevice removes the user’s other live sessions on the device in the insert, before maxPerUser, and keeps the rest', async () => {
    const keys = layout()
    const old = record({ deviceId: 'd1', createdAt: NOW })
    const otherDevice = record({ deviceId: 'd2', createdAt: NOW + 1 })
    const noDevice = record({ createdAt: NOW + 2 })
    const otherUser = record({ userId: 'user-2', deviceId: 'd1' })
    for (const r of [old, otherDevice, noDevice, otherUser]) await send(redis, insertCall(keys, r, { now: NOW }, 'single'))
    const fresh = record({ deviceId: 'd1', createdAt: NOW + 3 })
    const result = await send(redis, insertCall(keys, fresh, { now: NOW, maxPerUser: 3, replaceDevice: true }, 'single'))
    expect(result).toEqual({ status: 'ok', evicted: [], replaced: [{ id: old.id, userId: 'user-1' }] })
    expect(await send(redis, getCall(keys, old.id, NOW))).toBeNull()
    expect(await send(redis, getCall(keys, fresh.id, NOW))).toEqual(fresh)
    expect((await send(redis, listByUserCall(keys, 'user-1', NOW))).map((r) => r.id)).toEqual([fresh.id, noDevice.id, otherDevice.id])
    expect(await send(redis, getCall(keys, otherUser.id, NOW))).toEqual(otherUser)
  })

  it('an insert without a device sends no device arguments; with one, it stores it without replacing', async () => {
    const keys = layout()
    expect(insertCall(keys, record(), { now: NOW, replaceDevice: true }, 'single').args).toHaveLength(10)
    expect(insertCall(keys, record({ deviceId: 'd1' }), { now: NOW, replaceDevice: true }, 'single').args).toHaveLength(12)
    const a = record({ deviceId: 'd1' })
    const b = record({ deviceId: 'd1', createdAt: NOW + 1 })
    for (const r of [a, b]) expect(await send(redis, insertCall(keys, r, { now: NOW }, 'single'))).toEqual({ status: 'ok', evicted: [] })
    expect((await send(redis, listByUserCall(keys, 'user-1', NOW))).map((r) => [r.id, r.deviceId])).toEqual([
      [b.id, 'd1'],
      [a.id, 'd1'],
    ])
  })

  it('deletes every session of a user except one', async () => {
    const keys = layout()
    const rs = [0, 1, 2].map((i) => record({ createdAt: NOW + i }))
    for (const r of rs) await send(redis, insertCall(keys, r, { now: NOW }, 'single'))
    const removed = await send(redis, deleteByUserCall(keys, 'user-1', rs[1]!.id))
    expect(removed.map((r) => r.id).sort()).toEqual([rs[0]!.id, rs[2]!.id].sort())
    expect((await send(redis, listByUserCall(keys, 'user-1', NOW))).map((r) => r.id)).toEqual([rs[1]!.id])
  })
})

describe('scan and purge', () => {
  for (const topology of ['single', 'cluster'] as Topology[]) {
    it(`pages through every session once, within the limit (${topology})`, async () => {
      const keys = layout()
      const rs = Array.from({ length: 11 }, (_, i) => record({ userId: null, expiresAt: NOW + (i < 3 ? 10 : 10 * MIN) }))
      for (const r of rs) await send(redis, insertCall(keys, r, { now: NOW }, topology))
      const collect = async (includeExpired: boolean) => {
        const seen: string[] = []
        let cursor: string | null = null
        do {
          const page: ScanPage = await send(redis, scanCall(keys, { cursor, limit: 3, now: NOW + 100, includeExpired }, topology))
          expect(page.records.length).toBeLessThanOrEqual(3)
          seen.push(...page.records.map((r) => r.id))
          cursor = page.cursor
        } while (cursor !== null)
        return seen.sort()
      }
      expect(await collect(true)).toEqual(rs.map((r) => r.id).sort())
      expect(await collect(false)).toEqual(rs.slice(3).map((r) => r.id).sort())
    })
  }

  it('purges only expired sessions, with their index entries, in bounded batches', async () => {
    const keys = layout()
    const dead = [0, 1, 2].map(() => record({ expiresAt: NOW + 10 }))
    const live = record()
    for (const r of [...dead, live]) await send(redis, insertCall(keys, r, { now: NOW }, 'single'))
    const first = await send(redis, purgeCall(keys, { now: NOW + 100, limit: 2 }, 'single'))
    const second = await send(redis, purgeCall(keys, { now: NOW + 100, limit: 2 }, 'single'))
    expect([...first, ...second].map((r) => r.id).sort()).toEqual(dead.map((r) => r.id).sort())
    expect(first.length).toBe(2)
    expect(await send(redis, getCall(keys, live.id, NOW + 100))).toEqual(live)
    expect(await redis.zrange(keys.userIndexKey('user-1'), 0, -1)).toEqual([live.id])
  })
})

describe('cluster steps', () => {
  it('adds, ranges newest first with createdAt, and removes user index entries', async () => {
    const keys = layout()
    const [a, b] = [record({ createdAt: NOW }), record({ createdAt: NOW + 5 })]
    for (const r of [a, b]) await send(redis, userIndexAddCall(keys, { ...r, userId: 'user-1' }))
    expect(await send(redis, userIndexRangeCall(keys, 'user-1'))).toEqual([
      { id: b.id, createdAt: NOW + 5 },
      { id: a.id, createdAt: NOW },
    ])
    await send(redis, userIndexRemoveCall(keys, 'user-1', [a.id, b.id]))
    expect(await keysOf(keys)).toEqual([])
  })
})

describe('locks', () => {
  it('gives a lock to one owner, and only the owner releases it', async () => {
    const keys = layout()
    expect(await send(redis, acquireLockCall(keys, 'id-1', 'owner-a', 5000))).toBe('owner-a')
    expect(await send(redis, acquireLockCall(keys, 'id-1', 'owner-b', 5000))).toBeNull()
    expect(await send(redis, releaseLockCall(keys, 'id-1', 'owner-b'))).toBe(false)
    expect(await send(redis, releaseLockCall(keys, 'id-1', 'owner-a'))).toBe(true)
    expect(await send(redis, acquireLockCall(keys, 'id-1', 'owner-b', 5000))).toBe('owner-b')
  })
})
