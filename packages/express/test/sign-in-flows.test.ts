import { afterEach, describe, expect, it } from 'vitest'
import {
  createOnDevice,
  createRevocationList,
  listDevices,
  RememberMe,
  SessionManager,
  upgradeGuest,
  type RememberReplayEvent,
} from '@sessionkit/core'
import { RedisStore } from '@sessionkit/store-redis'
import { Redis } from 'ioredis'
import { deletePrefix, flowBackends, redisUrl, uniquePrefix, type FlowBackend } from './support/targets'

type Data = { cart: string[] }


const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const backends = flowBackends((cleanup) => cleanups.push(cleanup))

/** A manager on a fake clock: sessions idle out after 30 minutes. */
function setup(backend: FlowBackend) {
  const clock = { t: Date.now() }
  const now = () => clock.t
  const sessions = new SessionManager<Data>({
    store: backend.store(),
    expiration: { strategy: 'sliding', ttl: 1800 },
    cleanupInterval: false,
    now,
  })
  // The manager does not own the stores closed by the cleanups; close it without closing twice.
  const rememberMe = new RememberMe<Data>({ sessions, store: backend.store(), now })
  return { clock, sessions, rememberMe, advance: (ms: number): void => void (clock.t += ms) }
}

describe.each(backends)('sign-in flows on $name', (backend) => {
  it('remember-me: after the session expired, the remember token mints a new session for the user and rotates', async () => {
    const { sessions, rememberMe, advance } = setup(backend)
    const login = await sessions.create('alice', { cart: ['book'] })
    const remember = await rememberMe.issue('alice', login.session.id)
    advance(2 * 3600_000) // the session idled out; the remember token lives 30 days
    expect(await sessions.get(login.token)).toBeNull()

    const result = await rememberMe.consume(remember.token, { data: () => ({ cart: [] }) })
    expect(result.status).toBe('ok')
    if (result.status !== 'ok') return
    const minted = await sessions.get(result.token)
    expect(minted?.userId).toBe('alice')
    expect(result.remember.token).not.toBe(remember.token)
    expect(result.remember.chainId).toBe(remember.chainId)

    // The rotated token works once more, later.
    advance(2 * 3600_000)
    const again = await rememberMe.consume(result.remember.token)
    expect(again.status).toBe('ok')
  })

  it('remember-me: a replayed old token is refused and revokes the whole chain and its sessions, with an event', async () => {
    const { sessions, rememberMe, advance } = setup(backend)
    const replays: RememberReplayEvent[] = []
    rememberMe.onReplay((e) => replays.push(e))
    const revoked: string[] = []
    sessions.on('revoked', (e) => {
      revoked.push(e.sessionId)
    })
    const login = await sessions.create('bob', { cart: [] })
    const first = await rememberMe.issue('bob', login.session.id)
    advance(2 * 3600_000)
    const used = await rememberMe.consume(first.token)
    if (used.status !== 'ok') throw new Error(`expected ok, got ${used.status}`)
    expect(await sessions.get(used.token)).not.toBeNull()

    // The stolen copy of the first token comes back, a minute later.
    advance(60_000)
    const replay = await rememberMe.consume(first.token)
    expect(replay).toMatchObject({ status: 'replayed', userId: 'bob' })
    expect(await sessions.get(used.token)).toBeNull()
    expect(revoked).toContain(used.session.id)
    expect(replays).toHaveLength(1)
    expect(replays[0]).toMatchObject({ userId: 'bob', chainId: first.chainId, revokedTokens: 2 })
    // The legitimate holder's newer remember token died with the chain.
    expect((await rememberMe.consume(used.remember.token)).status).toBe('invalid')
    // Nothing in events or results carries a token.
    expect(JSON.stringify(replays)).not.toContain(first.token)
  })

  it('remember-me: two requests presenting the same token at once: exactly one gets a session', async () => {
    const { sessions, rememberMe, advance } = setup(backend)
    const login = await sessions.create('carol', { cart: [] })
    const remember = await rememberMe.issue('carol', login.session.id)
    advance(2 * 3600_000)
    const results = await Promise.all([rememberMe.consume(remember.token), rememberMe.consume(remember.token)])
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'concurrent')).toHaveLength(1)
    // A concurrent second use (within the grace window) is refused but revokes nothing.
    const winner = results.find((r) => r.status === 'ok')
    if (winner?.status !== 'ok') throw new Error('no winner')
    expect(await sessions.get(winner.token)).not.toBeNull()
    advance(2 * 3600_000)
    expect((await rememberMe.consume(winner.remember.token)).status).toBe('ok')
  })

  it('remember-me: tokens expire with their chain, and a token is stored only as its hash', async () => {
    const { sessions, rememberMe, advance } = setup(backend)
    const login = await sessions.create('dan', { cart: [] })
    const remember = await rememberMe.issue('dan', login.session.id)
    const page = await rememberMe.store.scan({ limit: 10, now: Date.now() })
    expect(JSON.stringify(page.records)).not.toContain(remember.token)
    advance(31 * 24 * 3600_000)
    expect((await rememberMe.consume(remember.token)).status).toBe('invalid')
  })

  it("guest upgrade: the guest cart is merged into the user's session and the guest token is dead", async () => {
    const { sessions } = setup(backend)
    const elsewhere = await sessions.create('erin', { cart: ['lamp'] }) // erin's phone
    const guest = await sessions.create(null, { cart: ['mug', 'pen'] })
    const upgraded = await upgradeGuest(sessions, guest.token, 'erin', {
      merge: (g, existing) => ({ cart: [...new Set([...(existing?.cart ?? []), ...g.cart])] }),
    })
    expect(upgraded).not.toBeNull()
    const signedIn = await sessions.get(upgraded!.token)
    expect(signedIn?.userId).toBe('erin')
    expect(signedIn?.data.cart).toEqual(['lamp', 'mug', 'pen'])
    expect(await sessions.get(guest.token)).toBeNull()
    expect(await sessions.get(elsewhere.token)).not.toBeNull()
    // A guest token that is already dead cannot be upgraded again.
    expect(await upgradeGuest(sessions, guest.token, 'erin')).toBeNull()
  })

  it('one session per device: the second sign-in on a device leaves exactly one session for it', async () => {
    const { sessions, advance } = setup(backend)
    const laptop1 = await createOnDevice(sessions, 'fay', { cart: [] }, { deviceId: 'dev-laptop', deviceName: 'Work laptop' })
    advance(1000)
    const phone = await createOnDevice(sessions, 'fay', { cart: [] }, { deviceId: 'dev-phone', deviceName: 'Phone' })
    advance(1000)
    const laptop2 = await createOnDevice(sessions, 'fay', { cart: [] }, { deviceId: 'dev-laptop', deviceName: 'Work laptop' })
    expect(laptop2.replaced).toEqual([laptop1.session.id])
    expect(await sessions.get(laptop1.token)).toBeNull()
    expect(await sessions.get(phone.token)).not.toBeNull()

    const devices = await listDevices(sessions, 'fay')
    expect(devices.filter((d) => d.deviceId === 'dev-laptop')).toHaveLength(1)
    expect(devices.map((d) => d.deviceName).sort()).toEqual(['Phone', 'Work laptop'])
    // Most recently active first: the phone was just used. "Last active" moves when an access is
    // written, at most once per touchAfter (by default a minute with this 30-minute ttl).
    advance(61_000)
    await sessions.get(phone.token)
    const again = await listDevices(sessions, 'fay')
    expect(again[0]).toMatchObject({ deviceName: 'Phone', sessionId: phone.session.id })
    expect(again[0]!.lastAccessedAt).toBeGreaterThan(again[1]!.lastAccessedAt)
  })

  it('one session per device: five sign-ins racing on one device leave exactly one session for it', async () => {
    const { sessions } = setup(backend)
    await createOnDevice(sessions, 'gil', { cart: [] }, { deviceId: 'dev-phone', deviceName: 'Phone' })
    const racing = await Promise.all(
      Array.from({ length: 5 }, () => createOnDevice(sessions, 'gil', { cart: [] }, { deviceId: 'dev-laptop', deviceName: 'Laptop' })),
    )
    const devices = await listDevices(sessions, 'gil')
    expect(devices.filter((d) => d.deviceId === 'dev-laptop')).toHaveLength(1)
    expect(devices.filter((d) => d.deviceId === 'dev-phone')).toHaveLength(1)
    // The survivor is one of the racers, and its token works.
    const survivor = racing.find((r) => r.session.id === devices.find((d) => d.deviceId === 'dev-laptop')!.sessionId)!
    expect(await sessions.get(survivor.token)).not.toBeNull()
  })

  it('revocation list: an entry is revoked until its expiry and then vanishes (injected clock)', async () => {
    const clock = { t: Date.now() }
    const list = createRevocationList(backend.store(), { now: () => clock.t })
    expect(await list.isRevoked('jti-1')).toBe(false)
    expect(await list.revoke('jti-1', clock.t + 60_000)).toBe(true)
    expect(await list.revoke('jti-1', clock.t + 60_000)).toBe(false)
    expect(await list.isRevoked('jti-1')).toBe(true)
    expect(await list.isRevoked('jti-2')).toBe(false)
    clock.t += 60_000
    expect(await list.isRevoked('jti-1')).toBe(false)
    // A token already expired needs no entry.
    expect(await list.revoke('jti-3', clock.t - 1)).toBe(false)
  })
})

describe('revocation list on a real Redis', () => {
  it("an entry's key is removed by Redis itself at the token's expiry", async () => {
    const prefix = uniquePrefix()
    const store = new RedisStore({ url: redisUrl, prefix })
    const inspector = new Redis(redisUrl)
    cleanups.push(async () => {
      await store.close()
      await deletePrefix(redisUrl, prefix)
      await inspector.quit()
    })
    const keys = async (): Promise<string[]> => {
      const found: string[] = []
      let cursor = '0'
      do {
        const [next, page] = await inspector.scan(cursor, 'MATCH', `{${prefix}:*`, 'COUNT', 1000)
        found.push(...page)
        cursor = next
      } while (cursor !== '0')
      return found
    }
    const list = createRevocationList(store)
    await list.revoke('api-key-7', Date.now() + 300)
    expect(await list.isRevoked('api-key-7')).toBe(true)
    const stored = await keys()
    expect(stored.length).toBeGreaterThan(0)
    expect(stored.join(' ')).not.toContain('api-key-7')
    await new Promise((r) => setTimeout(r, 700))
    expect(await list.isRevoked('api-key-7')).toBe(false)
    // The entry's own hash is gone by Redis' PEXPIREAT; the bucket's expiry index keeps its id
    // until a purge, which removes that too.
    const record = stored.filter((k) => k.includes('}:s:'))
    expect(record).toHaveLength(1)
    expect(await inspector.exists(...record)).toBe(0)
    await list.purge()
    expect(await keys()).toEqual([])
  })
})
