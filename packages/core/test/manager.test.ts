import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ClosedError,
  ConflictError,
  generateToken,
  LockTimeoutError,
  SessionManager,
  sessionIdFromToken,
  type ReplaceResult,
  type SessionEvents,
  type SessionManagerOptions,
  type SessionRecord,
} from '../src'
import { fakeClock, ReferenceStore } from './support/reference-store'

type Cart = { cart: string[]; count: number; theme?: string }
const managers: SessionManager<Cart>[] = []

function setup(options: Partial<SessionManagerOptions> = {}) {
  const clock = fakeClock()
  const store = new ReferenceStore()
  const manager = new SessionManager<Cart>({ store, now: clock.now, cleanupInterval: false, ...options })
  managers.push(manager)
  return { clock, store, manager }
}

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()))
})

describe('SessionManager: create, get, peek', () => {
  it('creates a session whose token opens it and whose id is the token hash', async () => {
    const { manager, store } = setup()
    const { session, token } = await manager.create('u1', { cart: [], count: 0 }, { ipAddress: '10.0.0.1', userAgent: 'curl', metadata: { device: 'laptop' } })
    expect(session.id).toBe(sessionIdFromToken(token))
    expect(store.records.has(token)).toBe(false)
    expect(JSON.stringify([...store.records.entries()])).not.toContain(token)
    const loaded = await manager.get(token)
    expect(loaded).toMatchObject({ id: session.id, userId: 'u1', data: { cart: [], count: 0 }, ipAddress: '10.0.0.1', userAgent: 'curl', metadata: { device: 'laptop' } })
  })

  it('guest sessions have no user', async () => {
    const { manager } = setup()
    const { token } = await manager.create(null, { cart: ['x'], count: 0 })
    expect((await manager.get(token))?.userId).toBeNull()
  })

  it('get slides a sliding session; peek does not', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'sliding', ttl: 60 } })
    const { token, session } = await manager.create('u1', { cart: [], count: 0 })
    clock.advance(30_000)
    expect((await manager.peek(token))?.expiresAt).toBe(session.expiresAt)
    expect((await manager.get(token))?.expiresAt).toBe(session.createdAt + 90_000)
    clock.advance(89_999 - 30_000)
    expect(await manager.get(token)).not.toBeNull()
    clock.advance(60_000)
    expect(await manager.get(token)).toBeNull()
  })

  it('hybrid: activity keeps it alive until the absolute deadline and not a millisecond longer', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'hybrid', idleTtl: 10, absoluteTtl: 35 } })
    const { token, session } = await manager.create('u1', { cart: [], count: 0 })
    for (let i = 0; i < 3; i++) {
      clock.advance(9_000)
      expect(await manager.get(token)).not.toBeNull()
    }
    clock.set(session.createdAt + 35_000 - 1)
    expect(await manager.get(token)).not.toBeNull()
    clock.set(session.createdAt + 35_000)
    expect(await manager.get(token)).toBeNull()
  })

  it('fixed: accesses never extend it', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'fixed', ttl: 10 } })
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    clock.advance(9_999)
    expect((await manager.get(token))?.expiresAt).toBe(clock.now() + 1)
    clock.advance(1)
    expect(await manager.get(token)).toBeNull()
  })

  it('touchAfter throttles writes but reads stay correct', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'sliding', ttl: 60 }, touchAfter: 10 })
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    clock.advance(5_000)
    const a = await manager.get(token)
    expect(a?.version).toBe(1)
    clock.advance(6_000)
    const b = await manager.get(token)
    expect(b?.version).toBe(2)
    expect(b?.expiresAt).toBe(clock.now() + 60_000)
  })

  it('by default an access is written at most once a minute (a tenth of a short idle ttl); touchAfter: 0 writes every one', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'sliding', ttl: 1800 } })
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    clock.advance(59_999)
    expect((await manager.get(token))?.version).toBe(1)
    clock.advance(1)
    const written = await manager.get(token)
    expect(written).toMatchObject({ version: 2, lastAccessedAt: clock.now(), expiresAt: clock.now() + 1_800_000 })

    const short = setup({ expiration: { strategy: 'sliding', ttl: 20 } })
    const s = await short.manager.create('u1', { cart: [], count: 0 })
    short.clock.advance(1_999)
    expect((await short.manager.get(s.token))?.version).toBe(1)
    short.clock.advance(1)
    expect((await short.manager.get(s.token))?.version).toBe(2)

    const every = setup({ expiration: { strategy: 'sliding', ttl: 1800 }, touchAfter: 0 })
    const e = await every.manager.create('u1', { cart: [], count: 0 })
    every.clock.advance(1)
    expect((await every.manager.get(e.token))?.version).toBe(2)
    every.clock.advance(1)
    expect((await every.manager.get(e.token))?.version).toBe(3)
  })

  it('an update slides the expiry under the same touchAfter rule as a read: the data is written every time, the access once per window', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'sliding', ttl: 60 }, touchAfter: 10 })
    const { token, session } = await manager.create('u1', { cart: [], count: 0 })
    clock.advance(5_000)
    const inside = await manager.update(token, { count: 1 })
    expect(inside).toMatchObject({ data: { count: 1 }, version: 2, lastAccessedAt: session.lastAccessedAt, expiresAt: session.expiresAt })
    clock.advance(5_000)
    const due = await manager.update(token, { count: 2 })
    expect(due).toMatchObject({ data: { count: 2 }, version: 3, lastAccessedAt: clock.now(), expiresAt: clock.now() + 60_000 })
    expect(await manager.peek(token)).toMatchObject({ data: { count: 2 }, expiresAt: clock.now() + 60_000 })
  })

  it('malformed tokens of every shape answer null or false without a store call', async () => {
    const { manager, store } = setup()
    const before = store.calls
    for (const bad of ['', 'x', 'A'.repeat(100_000), '€'.repeat(43), `${generateToken().slice(0, 42)}!`, null, undefined, 42, {}] as never[]) {
      expect(await manager.get(bad)).toBeNull()
      expect(await manager.peek(bad)).toBeNull()
      expect(await manager.validate(bad)).toBe(false)
      expect(await manager.update(bad, { count: 1 })).toBeNull()
      expect(await manager.refresh(bad)).toBeNull()
      expect(await manager.rotate(bad)).toBeNull()
      expect(await manager.delete(bad)).toBe(false)
      expect(await manager.revoke(bad)).toBe(false)
    }
    expect(store.calls).toBe(before)
  })

  it('an unknown well-formed token is null', async () => {
    const { manager } = setup()
    expect(await manager.get(generateToken())).toBeNull()
  })
})

describe('SessionManager: writes', () => {
  it('update merges a patch, replaces with merge:false, applies an updater', async () => {
    const { manager } = setup()
    const { token } = await manager.create('u1', { cart: ['a'], count: 1 })
    expect((await manager.update(token, { theme: 'dark' }))?.data).toEqual({ cart: ['a'], count: 1, theme: 'dark' })
    expect((await manager.update(token, { cart: [], count: 0 }, { merge: false }))?.data).toEqual({ cart: [], count: 0 })
    expect((await manager.update(token, (d) => ({ ...d, count: d.count + 5 })))?.data.count).toBe(5)
    expect((await manager.get(token))?.data).toEqual({ cart: [], count: 5 })
  })

  it('200 concurrent update(token, fn) increments end at exactly 200', async () => {
    const { manager } = setup()
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    await Promise.all(Array.from({ length: 200 }, () => manager.update(token, (d) => ({ ...d, count: d.count + 1 }))))
    expect((await manager.get(token))?.data.count).toBe(200)
  })

  it('two processes (managers) on one store: 2 x 100 concurrent increments end at exactly 200', async () => {
    const { manager, store, clock } = setup()
    const other = new SessionManager<Cart>({ store, now: clock.now, cleanupInterval: false })
    managers.push(other)
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    const writes: number[] = []
    manager.on('updated', (e) => void writes.push(e.version))
    other.on('updated', (e) => void writes.push(e.version))
    await Promise.all(
      Array.from({ length: 100 }, () => [
        manager.update(token, (d) => ({ ...d, count: d.count + 1 })),
        other.update(token, (d) => ({ ...d, count: d.count + 1 })),
      ]).flat(),
    )
    expect((await manager.get(token))?.data.count).toBe(200)
    // In-process updates are written together: far fewer writes than updates.
    expect(writes.length).toBeLessThan(50)
  })

  it('an updater that throws fails only its own caller; the others are written', async () => {
    const { manager } = setup()
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    const results = await Promise.allSettled([
      manager.update(token, (d) => ({ ...d, count: d.count + 1 })),
      manager.update(token, () => {
        throw new Error('app bug')
      }),
      manager.update(token, (d) => ({ ...d, count: d.count + 1 })),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((await manager.get(token))?.data.count).toBe(2)
  })

  it('one batch mixing synchronous, async, throwing and rejecting updaters applies the good ones in order, once each, across a conflict', async () => {
    const { manager, store } = setup()
    const { token, session } = await manager.create('u1', { cart: [], count: 0 })
    // The first replace of the batch loses to another writer (version bumped underneath), so
    // every updater that succeeded runs again on the newer record; those that failed do not.
    const replace = store.replace.bind(store)
    let bumps = 0
    store.replace = async (record: SessionRecord, expected: number, now: number): Promise<ReplaceResult> => {
      if (bumps++ === 1) store.records.get(session.id)!.version++
      return replace(record, expected, now)
    }
    const calls: string[] = []
    const first = manager.update(token, (d) => ({ ...d, cart: [...d.cart, 'first'] }))
    // Queued behind `first`, so written together in one batch.
    const batch = [
      manager.update(token, (d) => (calls.push('sync'), { ...d, count: d.count + 1 })),
      manager.update(token, async (d) => (calls.push('async'), await Promise.resolve(), { ...d, count: d.count + 10 })),
      manager.update(token, async () => (calls.push('rejects'), Promise.reject(new Error('async app bug')))),
      manager.update(token, () => {
        calls.push('throws')
        throw new Error('app bug')
      }),
      manager.update(token, (d) => (calls.push('last'), { ...d, count: d.count + 100, cart: [...d.cart, 'last'] })),
    ]
    await first
    const results = await Promise.allSettled(batch)
    store.replace = replace
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled'])
    expect((await manager.peek(token))?.data).toEqual({ cart: ['first', 'last'], count: 111 })
    // Two attempts: every updater ran in the first; only the three that succeeded ran again.
    expect(calls).toEqual(['sync', 'async', 'rejects', 'throws', 'last', 'sync', 'async', 'last'])
  })

  it('200 concurrent updates with locking enabled also end at exactly 200', async () => {
    const { manager } = setup({ concurrency: { enableLocking: true, lockWait: 30_000 } })
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    await Promise.all(Array.from({ length: 200 }, () => manager.update(token, async (d) => ({ ...d, count: d.count + 1 }))))
    expect((await manager.get(token))?.data.count).toBe(200)
  })

  it('update re-applies the change on conflict, and gives up with ConflictError after maxRetries', async () => {
    const { manager, store } = setup({ concurrency: { maxRetries: 3 } })
    const { token, session } = await manager.create('u1', { cart: [], count: 0 })
    // Another writer bumps the version before every replace: no attempt can ever win.
    const replace = store.replace.bind(store)
    let attempts = 0
    store.replace = async (record: SessionRecord, expected: number, now: number): Promise<ReplaceResult> => {
      attempts++
      store.records.get(session.id)!.version++
      return replace(record, expected, now)
    }
    const error = await manager.update(token, (d) => ({ ...d, count: d.count + 1 })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as ConflictError).attempts).toBe(4)
    expect(attempts).toBe(4)
    store.replace = replace
    // Nothing half-written: the data is as it was.
    expect((await manager.peek(token))?.data.count).toBe(0)
  })

  it('an update running while its session is deleted does not bring it back', async () => {
    const { manager } = setup()
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    const pending = manager.update(token, async (d) => {
      await manager.delete(token)
      return { ...d, count: 99 }
    })
    expect(await pending).toBeNull()
    expect(await manager.get(token)).toBeNull()
  })

  it('update with `current` is one store round trip', async () => {
    const { manager, store } = setup()
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    const current = (await manager.get(token))!
    const before = store.calls
    await manager.update(token, (d) => ({ ...d, count: 1 }), { current })
    expect(store.calls - before).toBe(1)
  })

  it('refresh extends by the idle ttl or a given ttl, never past the absolute deadline', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'hybrid', idleTtl: 60, absoluteTtl: 120 } })
    const { token, session } = await manager.create('u1', { cart: [], count: 0 })
    clock.advance(10_000)
    expect((await manager.refresh(token))?.expiresAt).toBe(clock.now() + 60_000)
    expect((await manager.refresh(token, { ttl: 10_000 }))?.expiresAt).toBe(session.absoluteExpiresAt)
  })

  it('rotate: new token, same data and deadline, old token dead at once', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'hybrid', idleTtl: 60, absoluteTtl: 120 } })
    const { token, session } = await manager.create('u1', { cart: ['a'], count: 3 })
    clock.advance(50_000)
    const rotated = (await manager.rotate(token))!
    expect(rotated.token).not.toBe(token)
    expect(await manager.get(token)).toBeNull()
    const loaded = (await manager.get(rotated.token))!
    expect(loaded.data).toEqual({ cart: ['a'], count: 3 })
    expect(loaded.createdAt).toBe(session.createdAt)
    expect(loaded.absoluteExpiresAt).toBe(session.absoluteExpiresAt)
    clock.set(session.absoluteExpiresAt!)
    expect(await manager.get(rotated.token)).toBeNull()
  })

  it('rotate can change the owner (a guest signing in) and the data', async () => {
    const { manager } = setup()
    const { token } = await manager.create(null, { cart: ['a'], count: 0 })
    const rotated = (await manager.rotate(token, { userId: 'u9', data: (d) => ({ ...d, count: 1 }) }))!
    expect(rotated.session.userId).toBe('u9')
    expect((await manager.getUserSessions('u9')).map((s) => s.data)).toEqual([{ cart: ['a'], count: 1 }])
  })

  it('rotate of a session deleted meanwhile returns null and leaves nothing behind', async () => {
    const { manager, store } = setup()
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    const insert = store.insert.bind(store)
    store.insert = async (record, options) => {
      const result = await insert(record, options)
      await manager.delete(token)
      return result
    }
    expect(await manager.rotate(token)).toBeNull()
    expect(store.records.size).toBe(0)
  })

  it('rotate under maxSessionsPerUser does not evict another device', async () => {
    const { manager } = setup({ maxSessionsPerUser: 2 })
    const a = await manager.create('u1', { cart: [], count: 0 })
    const b = await manager.create('u1', { cart: [], count: 0 })
    await manager.rotate(b.token)
    expect(await manager.get(a.token)).not.toBeNull()
    expect(await manager.getUserSessions('u1')).toHaveLength(2)
  })
})

describe('SessionManager: per user, admin, locks', () => {
  it('maxSessionsPerUser evicts the oldest and says so', async () => {
    const { manager, clock } = setup({ maxSessionsPerUser: 2 })
    const evicted: string[] = []
    manager.on('evicted', (e) => void evicted.push(e.sessionId))
    const first = await manager.create('u1', { cart: [], count: 1 })
    clock.advance(1)
    await manager.create('u1', { cart: [], count: 2 })
    clock.advance(1)
    await manager.create('u1', { cart: [], count: 3 })
    expect(evicted).toEqual([first.session.id])
    expect(await manager.get(first.token)).toBeNull()
    expect((await manager.getUserSessions('u1')).map((s) => s.data.count)).toEqual([3, 2])
  })

  it('sessions a store drops on its own (capacity, sweep) are reported as evicted / expired events', async () => {
    const { manager, store } = setup()
    const events: string[] = []
    manager.on('evicted', (e) => void events.push(`evicted ${e.sessionId} ${e.reason}`))
    manager.on('expired', (e) => void events.push(`expired ${e.sessionId}`))
    store.removalListener!({ id: 'a', userId: 'u1', reason: 'capacity' })
    store.removalListener!({ id: 'b', userId: null, reason: 'expired' })
    expect(events).toEqual(['evicted a store-capacity', 'expired b'])
    await manager.close()
    expect(store.removalListener).toBeNull()
  })

  it('deleteUserSessions logs out everywhere, or everywhere else', async () => {
    const { manager } = setup()
    const keep = await manager.create('u1', { cart: [], count: 0 })
    await manager.create('u1', { cart: [], count: 0 })
    await manager.create('u1', { cart: [], count: 0 })
    const other = await manager.create('u2', { cart: [], count: 0 })
    expect(await manager.deleteUserSessions('u1', { except: keep.session.id })).toBe(2)
    expect((await manager.getUserSessions('u1')).map((s) => s.id)).toEqual([keep.session.id])
    expect(await manager.deleteUserSessions('u1')).toBe(1)
    expect(await manager.get(other.token)).not.toBeNull()
  })

  it('revoke by id kills the token', async () => {
    const { manager } = setup()
    const { token, session } = await manager.create('u1', { cart: [], count: 0 })
    expect(await manager.revoke(session.id)).toBe(true)
    expect(await manager.get(token)).toBeNull()
    expect(await manager.revoke(session.id)).toBe(false)
  })

  it('list pages through every session once; includeExpired shows the dead', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'sliding', ttl: 10 } })
    for (let i = 0; i < 7; i++) await manager.create(`u${i}`, { cart: [], count: i })
    clock.advance(5_000)
    for (let i = 7; i < 12; i++) await manager.create(`u${i}`, { cart: [], count: i })
    clock.advance(6_000)
    const seen: number[] = []
    let page = await manager.list({ limit: 2 })
    seen.push(...page.sessions.map((s) => s.data.count))
    while (page.cursor) {
      page = await manager.list({ limit: 2, cursor: page.cursor })
      seen.push(...page.sessions.map((s) => s.data.count))
    }
    expect(seen.sort((a, b) => a - b)).toEqual([7, 8, 9, 10, 11])
    expect((await manager.list({ limit: 1000, includeExpired: true })).sessions).toHaveLength(12)
  })

  it('cleanup removes the expired and emits expired for each; getStats counts', async () => {
    const { manager, clock } = setup({ expiration: { strategy: 'sliding', ttl: 10 } })
    const expired: string[] = []
    manager.on('expired', (e) => void expired.push(e.sessionId))
    await manager.create('u1', { cart: [], count: 0 })
    await manager.create('u1', { cart: [], count: 0 })
    clock.advance(11_000)
    await manager.create('u2', { cart: [], count: 0 })
    clock.advance(1_000)
    const stats = await manager.getStats()
    expect(stats).toMatchObject({ total: 3, active: 1, expired: 2, sessionsByUser: { u2: 1 } })
    expect(await manager.cleanup()).toBe(2)
    expect(expired).toHaveLength(2)
    expect((await manager.getStats()).total).toBe(1)
  })

  it('copySessions moves live sessions to another store and the tokens keep working', async () => {
    const key = randomBytes(32).toString('base64')
    const { manager, clock } = setup({ encryption: { keys: [key] } })
    const tokens = []
    for (let i = 0; i < 25; i++) tokens.push((await manager.create(`u${i % 3}`, { cart: [`item${i}`], count: i })).token)
    const target = new ReferenceStore()
    const progress: number[] = []
    const result = await manager.copySessions(target, { batchSize: 10, onProgress: (p) => progress.push(p.copied) })
    expect(result).toEqual({ scanned: 25, copied: 25, skipped: 0 })
    expect(progress).toEqual([10, 20, 25])
    const onTarget = new SessionManager<Cart>({ store: target, now: clock.now, cleanupInterval: false, encryption: { keys: [key] } })
    managers.push(onTarget)
    for (const [i, token] of tokens.entries()) expect((await onTarget.get(token))?.data.cart).toEqual([`item${i}`])
    expect((await manager.copySessions(target)).skipped).toBe(25)
  })

  it('withLock excludes a second holder until released, and times out with LockTimeoutError', async () => {
    const { manager } = setup()
    const { token } = await manager.create('u1', { cart: [], count: 0 })
    const order: string[] = []
    let release!: () => void
    const held = manager.withLock(token, () => new Promise<void>((r) => { order.push('first in'); release = () => { order.push('first out'); r() } }))
    await new Promise((r) => setTimeout(r, 10))
    await expect(manager.withLock(token, () => 'never', { wait: 30 })).rejects.toBeInstanceOf(LockTimeoutError)
    const second = manager.withLock(token, () => void order.push('second in'), { wait: 2_000 })
    await new Promise((r) => setTimeout(r, 20))
    release()
    await Promise.all([held, second])
    expect(order).toEqual(['first in', 'first out', 'second in'])
  })

  it('after close every call throws ClosedError and the store is closed', async () => {
    const { manager, store } = setup()
    await manager.close()
    expect(store.closed).toBe(true)
    await expect(manager.get(generateToken())).rejects.toBeInstanceOf(ClosedError)
    // A rejected promise, like every other call, not a synchronous throw.
    await expect(manager.update(generateToken(), { count: 1 })).rejects.toBeInstanceOf(ClosedError)
  })
})

describe('SessionManager: encryption at the manager level', () => {
  const key = randomBytes(32).toString('base64')

  it('nothing of the data or metadata is readable in the store', async () => {
    const { manager, store } = setup({ encryption: { keys: [key] } })
    const { token } = await manager.create('u1', { cart: ['SECRET-ITEM'], count: 0 }, { userAgent: 'SECRET-UA', ipAddress: '203.0.113.9' })
    const dump = JSON.stringify([...store.records.values()])
    for (const s of ['SECRET-ITEM', 'SECRET-UA', '203.0.113.9', token]) expect(dump).not.toContain(s)
    expect((await manager.get(token))?.data.cart).toEqual(['SECRET-ITEM'])
  })

  it('key rotation: old sessions still open and are resealed with the new key on their next write', async () => {
    const clock = fakeClock()
    const store = new ReferenceStore()
    const oldManager = new SessionManager<Cart>({ store, now: clock.now, cleanupInterval: false, encryption: { keys: [key] } })
    const { token, session } = await oldManager.create('u1', { cart: [], count: 1 })
    const newKey = randomBytes(32).toString('hex')
    const { manager } = { manager: new SessionManager<Cart>({ store, now: clock.now, cleanupInterval: false, encryption: { keys: [newKey, key] } }) }
    managers.push(manager)
    expect((await manager.get(token))?.data.count).toBe(1)
    const before = store.records.get(session.id)!.payload.split('.')[1]
    await manager.update(token, { count: 2 })
    const after = store.records.get(session.id)!.payload.split('.')[1]
    expect(after).not.toBe(before)
    const onlyNew = new SessionManager<Cart>({ store, now: clock.now, cleanupInterval: false, encryption: { keys: [newKey] } })
    managers.push(onlyNew)
    expect((await onlyNew.get(token))?.data.count).toBe(2)
  })

  it('refresh is a write too: it reseals a payload sealed with a retired key', async () => {
    const clock = fakeClock()
    const store = new ReferenceStore()
    const old = new SessionManager<Cart>({ store, now: clock.now, cleanupInterval: false, encryption: { keys: [key] } })
    managers.push(old)
    const { token, session } = await old.create('u1', { cart: ['x'], count: 1 })
    const newKey = randomBytes(32).toString('base64')
    const rotated = new SessionManager<Cart>({ store, now: clock.now, cleanupInterval: false, encryption: { keys: [newKey, key] } })
    managers.push(rotated)
    await rotated.refresh(token)
    const onlyNew = new SessionManager<Cart>({ store, now: clock.now, cleanupInterval: false, encryption: { keys: [newKey] } })
    managers.push(onlyNew)
    expect(session.version).toBe(1)
    // Only the new key is left, and the refreshed session still opens: refresh resealed it.
    expect((await onlyNew.get(token))?.data).toEqual({ cart: ['x'], count: 1 })
  })

  it('a tampered, moved or wrong-key payload is never returned: null plus an error event without secrets', async () => {
    const { manager, store } = setup({ encryption: { keys: [key] } })
    const errors: SessionEvents['error'][] = []
    manager.on('error', (e) => void errors.push(e))
    const a = await manager.create('u1', { cart: ['A-DATA'], count: 0 })
    const b = await manager.create('u1', { cart: ['B-DATA'], count: 0 })
    // Moved: b's envelope put under a's id.
    store.records.get(a.session.id)!.payload = store.records.get(b.session.id)!.payload
    expect(await manager.get(a.token)).toBeNull()
    // Tampered: one character of b's ciphertext changed.
    const rb = store.records.get(b.session.id)!
    const parts = rb.payload.split('.')
    parts[3] = (parts[3]![0] === 'A' ? 'B' : 'A') + parts[3]!.slice(1)
    rb.payload = parts.join('.')
    expect(await manager.get(b.token)).toBeNull()
    expect(errors).toHaveLength(2)
    for (const e of errors) {
      expect(e.error.name).toBe('DecryptionError')
      const text = JSON.stringify(e) + e.error.message
      for (const secret of [a.token, b.token, 'A-DATA', 'B-DATA', key]) expect(text).not.toContain(secret)
    }
    // Nothing was lost: the records are still there for an operator to inspect.
    expect(store.records.size).toBe(2)
  })
})
