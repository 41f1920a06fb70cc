import { makeRecord } from '@sessionkit/conformance'
import { SessionManager, type SessionEvents } from '@sessionkit/core'
import { redisUrl } from '@sessionkit/testkit/redis'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'

// A record's PXAT is its deadline, so Redis usually drops an expired session before purge runs.
// These tests let that happen in real time and check what purge and delete still clean up.
const inspector = new Redis(redisUrl())
const prefixes: string[] = []
const stores: RedisStore[] = []
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = (await dumpNamespace(inspector, prefix)).filter((k) => k.startsWith(`{${prefix}:`))
    if (keys.length > 0) await inspector.del(...keys)
  }
  await Promise.all(stores.map((s) => s.close()))
  await inspector.quit()
})

function freshStore(): RedisStore {
  const prefix = `sk-native-${randomBytes(6).toString('hex')}`
  prefixes.push(prefix)
  const store = new RedisStore({ url: redisUrl() }, { prefix })
  stores.push(store)
  return store
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until Redis' own expiry has dropped the records (it checks keys on access too). */
async function droppedByRedis(store: RedisStore, ids: string[]): Promise<void> {
  for (const id of ids) expect(await inspector.exists(store.keys.sessionKey(id)), 'Redis dropped the record itself').toBe(0)
}

describe('sessions Redis expired on its own', () => {
  it('purge still removes their user index entries and reports them, leaving nothing behind', async () => {
    const store = freshStore()
    const now = Date.now()
    const user = makeRecord(now, { userId: 'nora', expiresAt: now + 200 })
    const guest = makeRecord(now, { userId: null, expiresAt: now + 200 })
    const live = makeRecord(now, { userId: 'nora', expiresAt: now + 60_000 })
    for (const record of [user, guest, live]) await store.insert(record, { now })
    await sleep(400)
    await droppedByRedis(store, [user.id, guest.id])

    const removed = await store.purgeExpired({ now: Date.now() })
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id)
    expect(removed.sort(byId)).toEqual([{ id: user.id, userId: 'nora' }, { id: guest.id, userId: null }].sort(byId))
    // Only the live session is left: in nora's index, and among the store's keys.
    expect(await inspector.zrange(store.keys.userIndexKey('nora'), 0, -1)).toEqual([live.id])
    expect(await store.listByUser('nora', Date.now())).toEqual([live])
    const left = (await dumpNamespace(inspector, store.keys.prefix)).filter((k) => k.startsWith(`{${store.keys.prefix}:`))
    expect(left.filter((k) => k.includes(':s:'))).toEqual([store.keys.sessionKey(live.id)])
    expect(await store.purgeExpired({ now: Date.now() })).toEqual([])
  })

  it("the manager's cleanup emits expired for them", async () => {
    const store = freshStore()
    const clock = { t: Date.now() }
    const manager = new SessionManager<{ n: number }>({ store, expiration: { strategy: 'sliding', ttl: 0.2 }, cleanupInterval: false, now: () => clock.t })
    const expired: SessionEvents['expired'][] = []
    manager.on('expired', (event) => void expired.push(event))
    const { session } = await manager.create('olga', { n: 1 })
    await sleep(400)
    await droppedByRedis(store, [session.id])
    clock.t = Date.now()
    expect(await manager.cleanup()).toBe(1)
    expect(expired).toMatchObject([{ sessionId: session.id, userId: 'olga', reason: 'expired' }])
    expect(await inspector.exists(store.keys.userIndexKey('olga'))).toBe(0)
  })

  it('deleting one removes its user index entry too (and says nothing was there)', async () => {
    const store = freshStore()
    const now = Date.now()
    const record = makeRecord(now, { userId: 'pia', expiresAt: now + 200 })
    await store.insert(record, { now })
    await sleep(400)
    await droppedByRedis(store, [record.id])
    expect(await store.delete(record.id)).toBeNull()
    expect(await inspector.exists(store.keys.userIndexKey('pia'))).toBe(0)
  })
})
