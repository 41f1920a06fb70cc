import { afterEach, describe, expect, it } from 'vitest'
import {
  ConfigError,
  connectEventBus,
  createMemoryEventBus,
  createOnDevice,
  createRevocationList,
  listDevices,
  RememberMe,
  SessionManager,
  type ClusterEvent,
} from '../src'
import { ReferenceStore } from './support/reference-store'

type Data = { cart: string[] }
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

function manager(now: () => number = Date.now): SessionManager<Data> {
  const sessions = new SessionManager<Data>({ store: new ReferenceStore(), cleanupInterval: false, now })
  closers.push(() => sessions.close())
  return sessions
}

describe('RememberMe', () => {
  it('refuses a bad ttl, grace or store at construction, naming the option', () => {
    const sessions = manager()
    expect(() => new RememberMe({ sessions, store: new ReferenceStore(), ttl: 0 })).toThrow(/rememberMe\.ttl/)
    expect(() => new RememberMe({ sessions, store: new ReferenceStore(), reuseGraceMs: -1 })).toThrow(/reuseGraceMs/)
    expect(() => new RememberMe({ sessions, store: {} as never })).toThrow(ConfigError)
  })

  it('a malformed or unknown token is invalid without any store call', async () => {
    const store = new ReferenceStore()
    const rememberMe = new RememberMe({ sessions: manager(), store })
    expect(await rememberMe.consume('not-a-token')).toEqual({ status: 'invalid' })
    expect(store.calls).toBe(0)
  })

  it('with no grace window, the second use is a replay at once', async () => {
    const clock = { t: 1_000_000 }
    const sessions = manager(() => clock.t)
    const rememberMe = new RememberMe({ sessions, store: new ReferenceStore(), reuseGraceMs: 0, now: () => clock.t })
    const { session } = await sessions.create('u', { cart: [] })
    const issued = await rememberMe.issue('u', session.id)
    expect((await rememberMe.consume(issued.token)).status).toBe('ok')
    expect((await rememberMe.consume(issued.token)).status).toBe('replayed')
  })

  it('a store failure while minting puts the token back, so the retry signs in instead of revoking', async () => {
    const clock = { t: 1_000_000 }
    const store = new ReferenceStore()
    const sessions = new SessionManager<Data>({ store, cleanupInterval: false, now: () => clock.t })
    closers.push(() => sessions.close())
    const rememberMe = new RememberMe({ sessions, store: new ReferenceStore(), now: () => clock.t })
    const issued = await rememberMe.issue('u', (await sessions.create('u', { cart: [] })).session.id)
    const insert = store.insert.bind(store)
    store.insert = () => Promise.reject(new Error('backend down'))
    await expect(rememberMe.consume(issued.token)).rejects.toThrow('backend down')
    store.insert = insert
    clock.t += 60_000
    expect((await rememberMe.consume(issued.token)).status).toBe('ok')
  })

  it('forgetUser forgets every chain of the user, on every device', async () => {
    const sessions = manager()
    const rememberMe = new RememberMe({ sessions, store: new ReferenceStore() })
    const a = await rememberMe.issue('u', (await sessions.create('u', { cart: [] })).session.id)
    const b = await rememberMe.issue('u', (await sessions.create('u', { cart: [] })).session.id)
    const other = await rememberMe.issue('v', (await sessions.create('v', { cart: [] })).session.id)
    expect(await rememberMe.forgetUser('u')).toBe(2)
    expect((await rememberMe.consume(a.token)).status).toBe('invalid')
    expect((await rememberMe.consume(b.token)).status).toBe('invalid')
    expect((await rememberMe.consume(other.token)).status).toBe('ok')
  })
})

describe('createRevocationList', () => {
  it('refuses an empty or huge jti and a non-finite expiry', async () => {
    const list = createRevocationList(new ReferenceStore())
    await expect(list.revoke('', Date.now() + 1000)).rejects.toThrow(ConfigError)
    await expect(list.revoke('x'.repeat(2000), Date.now() + 1000)).rejects.toThrow(ConfigError)
    await expect(list.revoke('a', Number.NaN)).rejects.toThrow(/expiresAt/)
  })
})

describe('createOnDevice', () => {
  it('keeps sessions of other users and other devices, and needs a deviceId', async () => {
    const sessions = manager()
    const mine = await createOnDevice(sessions, 'u', { cart: [] }, { deviceId: 'd1' })
    const theirs = await createOnDevice(sessions, 'v', { cart: [] }, { deviceId: 'd1' })
    const again = await createOnDevice(sessions, 'u', { cart: [] }, { deviceId: 'd1' })
    expect(again.replaced).toEqual([mine.session.id])
    expect(await sessions.peek(theirs.token)).not.toBeNull()
    await expect(createOnDevice(sessions, 'u', { cart: [] }, { deviceId: '' })).rejects.toThrow(/deviceId/)
  })

  it('on a store with atomicDeviceReplace: one store call replaces the device, with revoked events and the device in the record', async () => {
    const store = new ReferenceStore({ atomicDeviceReplace: true })
    const sessions = new SessionManager<Data>({ store, cleanupInterval: false })
    closers.push(() => sessions.close())
    const revoked: { sessionId: string; reason?: string }[] = []
    sessions.on('revoked', (e) => {
      revoked.push({ sessionId: e.sessionId, reason: e.reason })
    })
    const other = await createOnDevice(sessions, 'u', { cart: [] }, { deviceId: 'd2' })
    const first = await createOnDevice(sessions, 'u', { cart: [] }, { deviceId: 'd1', deviceName: 'Laptop' })
    expect(first.replaced).toEqual([])
    const callsBefore = store.calls
    const again = await createOnDevice(sessions, 'u', { cart: [] }, { deviceId: 'd1', deviceName: 'Laptop' })
    expect(store.calls - callsBefore, 'one insert, no lock and no list').toBe(1)
    expect(again.replaced).toEqual([first.session.id])
    expect(revoked).toEqual([{ sessionId: first.session.id, reason: 'replaced-on-device' }])
    expect(await sessions.peek(first.token)).toBeNull()
    expect(await sessions.peek(other.token)).not.toBeNull()
    expect(store.records.get(again.session.id)?.deviceId).toBe('d1')
    const devices = await listDevices(sessions, 'u')
    expect(devices.map((d) => [d.deviceId, d.deviceName]).sort()).toEqual([
      ['d1', 'Laptop'],
      ['d2', null],
    ])
  })

  it('on a store with atomicDeviceReplace: concurrent sign-ins on one device leave exactly one session for it', async () => {
    const store = new ReferenceStore({ atomicDeviceReplace: true })
    const sessions = new SessionManager<Data>({ store, cleanupInterval: false })
    closers.push(() => sessions.close())
    const results = await Promise.all(Array.from({ length: 5 }, () => createOnDevice(sessions, 'u', { cart: [] }, { deviceId: 'd1' })))
    const left = await sessions.getUserSessions('u')
    expect(left).toHaveLength(1)
    const replaced = results.flatMap((r) => r.replaced)
    expect([...replaced, left[0]!.id].sort()).toEqual(results.map((r) => r.session.id).sort())
  })
})

describe('connectEventBus over the in-process bus', () => {
  it('a delete on one manager reaches the other, once, with no token', async () => {
    const bus = createMemoryEventBus()
    const a = manager()
    const b = manager()
    const ca = await connectEventBus(a, bus)
    const cb = await connectEventBus(b, bus)
    closers.push(() => ca.close(), () => cb.close())
    const heardA: ClusterEvent[] = []
    const heardB: ClusterEvent[] = []
    ca.on('deleted', (e) => void heardA.push(e))
    cb.on('deleted', (e) => void heardB.push(e))
    const { session, token } = await a.create('u', { cart: [] })
    await a.delete(token)
    await new Promise((r) => setImmediate(r))
    expect(heardB).toEqual([expect.objectContaining({ event: 'deleted', sessionId: session.id, local: false, origin: ca.instanceId })])
    expect(heardA).toEqual([expect.objectContaining({ event: 'deleted', local: true })])
    expect(JSON.stringify(heardB)).not.toContain(token)
  })

  it('after close, an instance neither publishes nor hears', async () => {
    const bus = createMemoryEventBus()
    const a = manager()
    const b = manager()
    const ca = await connectEventBus(a, bus)
    const cb = await connectEventBus(b, bus)
    const heardB: ClusterEvent[] = []
    cb.on('revoked', (e) => void heardB.push(e))
    await ca.close()
    const { session } = await a.create('u', { cart: [] })
    await a.revoke(session.id)
    await new Promise((r) => setImmediate(r))
    expect(heardB).toEqual([])
    await cb.close()
  })
})
