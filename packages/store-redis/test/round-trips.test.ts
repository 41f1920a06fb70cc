import { SessionManager } from '@sessionkit/core'
import { startRedisServer, type RedisServerHandle } from '@sessionkit/testkit/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { monitorCommands, type CommandLog } from './support/command-log'

// A throwaway redis-server so nothing else's commands are counted, watched through MONITOR
// (script-internal commands, source "lua", are excluded: they are not round trips).
let server: RedisServerHandle
let log: CommandLog
let store: RedisStore
let sessions: SessionManager<{ cart: string[] }>

beforeAll(async () => {
  server = await startRedisServer()
  store = new RedisStore({ url: server.url, prefix: 'rt' })
  sessions = new SessionManager<{ cart: string[] }>({
    store,
    expiration: { strategy: 'hybrid', idleTtl: 1800, absoluteTtl: 86_400 },
    // Every access written: "get with touch" counts the touch that writes (the script), not the
    // plain GET of a read whose write is not due yet (the first test covers that one).
    touchAfter: 0,
    maxSessionsPerUser: 20,
  })
  // Warm up: connect, and load every script once (the first EVALSHA of a script on a fresh
  // server answers NOSCRIPT and is followed by EVAL; steady state is what is measured).
  const warm = await sessions.create('warm-up', { cart: [] })
  const loaded = (await sessions.get(warm.token))!
  await sessions.update(warm.token, { cart: ['x'] }, { current: loaded })
  await sessions.getUserSessions('warm-up')
  await sessions.delete(warm.token)
  await store.deleteByUser('warm-up')
  await store.scan({ limit: 10, now: Date.now() })
  await store.purgeExpired({ now: Date.now() })
  const lock = await store.acquireLock(warm.session.id, { ttlMs: 1000 })
  await store.releaseLock(warm.session.id, lock!)
  log = await monitorCommands(server.url)
}, 30_000)

afterAll(async () => {
  await log?.close()
  await sessions?.close()
  await store?.close()
  await server?.destroy()
})

describe('one round trip per operation (commands received by the server)', () => {
  it('with touchAfter, a get that persists nothing is one plain GET; a due one adds the touch script', async () => {
    const now = Date.now()
    const { session } = await sessions.create('dora', { cart: [] })
    const throttled = { idleTtlMs: 1_800_000, touchAfterMs: 60_000 }
    let read: Awaited<ReturnType<typeof store.touch>> = null
    expect(await log.during(async () => (read = await store.touch(session.id, { ...throttled, now: now + 1000 })))).toEqual(['get'])
    expect(read).toMatchObject({ id: session.id, version: session.version })
    expect(await log.during(async () => (read = await store.touch(session.id, { ...throttled, now: now + 61_000 })))).toEqual(['get', 'evalsha'])
    expect(read).toMatchObject({ lastAccessedAt: now + 61_000, expiresAt: now + 61_000 + 1_800_000, version: session.version + 1 })
    expect(await log.during(async () => (read = await store.touch(session.id, { ...throttled, now: now + 62_000 })))).toEqual(['get'])
    expect(read).toMatchObject({ lastAccessedAt: now + 61_000, version: session.version + 1 })
  })

  it('create, get with touch, save of a loaded session and delete are one command each', async () => {
    let created!: Awaited<ReturnType<typeof sessions.create>>
    expect(await log.during(async () => (created = await sessions.create('alice', { cart: [] })))).toEqual(['evalsha'])

    let loaded!: Awaited<ReturnType<typeof sessions.get>>
    expect(await log.during(async () => (loaded = await sessions.get(created.token)))).toEqual(['evalsha'])
    expect(loaded?.data).toEqual({ cart: [] })

    expect(await log.during(() => sessions.update(created.token, { cart: ['book'] }, { current: loaded! }))).toEqual(['evalsha'])
    expect((await sessions.peek(created.token))?.data).toEqual({ cart: ['book'] })

    expect(await log.during(() => sessions.delete(created.token))).toEqual(['evalsha'])
    expect(await sessions.peek(created.token)).toBeNull()
  })

  it('getUserSessions for a user with 10 sessions is one command', async () => {
    for (let i = 0; i < 10; i++) await sessions.create('bob', { cart: [String(i)] })
    let listed: unknown[] = []
    expect(await log.during(async () => (listed = await sessions.getUserSessions('bob')))).toEqual(['evalsha'])
    expect(listed).toHaveLength(10)
  })

  it('the other store operations are one command each too', async () => {
    const now = Date.now()
    const { session } = await sessions.create('carol', { cart: [] })
    await sessions.create('carol', { cart: [] })
    expect(await log.during(() => store.get(session.id, now))).toEqual(['get'])
    let token: string | null = null
    expect(await log.during(async () => (token = await store.acquireLock(session.id, { ttlMs: 5000 })))).toEqual(['set'])
    expect(await log.during(() => store.releaseLock(session.id, token!))).toEqual(['evalsha'])
    expect(await log.during(() => store.scan({ limit: 100, now }))).toEqual(['evalsha'])
    expect(await log.during(() => store.purgeExpired({ now }))).toEqual(['evalsha'])
    let removed: unknown[] = []
    expect(await log.during(async () => (removed = await store.deleteByUser('carol')))).toEqual(['evalsha'])
    expect(removed).toHaveLength(2)
  })
})
