import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { SessionManager, type SessionEventName } from '../src'
import { fakeClock, ReferenceStore } from './support/reference-store'

const ALL: SessionEventName[] = ['created', 'updated', 'refreshed', 'rotated', 'deleted', 'revoked', 'expired', 'evicted', 'locked', 'unlocked', 'error']

describe('events', () => {
  it('every event of a full lifecycle carries ids and times, never a token or data', async () => {
    const clock = fakeClock()
    const store = new ReferenceStore()
    const manager = new SessionManager<{ secret: string }>({
      store,
      now: clock.now,
      cleanupInterval: false,
      maxSessionsPerUser: 2,
      expiration: { strategy: 'sliding', ttl: 60 },
      encryption: { keys: [randomBytes(32).toString('base64')] },
    })
    const seen: Array<[SessionEventName, unknown]> = []
    for (const name of ALL) manager.on(name, (e) => void seen.push([name, e]))

    const tokens: string[] = []
    const a = await manager.create('u1', { secret: 'DATA-A' }, { userAgent: 'UA-SECRET' })
    tokens.push(a.token)
    await manager.update(a.token, { secret: 'DATA-A2' })
    await manager.refresh(a.token)
    const rotated = (await manager.rotate(a.token))!
    tokens.push(rotated.token)
    await manager.withLock(rotated.token, () => undefined)
    const b = await manager.create('u1', { secret: 'DATA-B' })
    const c = await manager.create('u1', { secret: 'DATA-C' }) // evicts the oldest
    tokens.push(b.token, c.token)
    await manager.revoke(b.session.id)
    store.records.get(c.session.id)!.payload = 'garbage'
    await manager.get(c.token) // error event: payload does not open
    await manager.delete(c.token)
    await manager.create('u2', { secret: 'DATA-D' })
    clock.advance(61_000)
    await manager.cleanup() // expired

    const names = new Set(seen.map(([n]) => n))
    for (const name of ALL) expect(names, `no "${name}" event`).toContain(name)
    for (const [name, event] of seen) {
      const text = JSON.stringify(event, (_, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message} ${String(v.cause)}` : v))
      for (const secret of [...tokens, 'DATA-', 'UA-SECRET']) expect(text, `${name} leaks`).not.toContain(secret)
      expect(event).toMatchObject({ timestamp: expect.any(Number) })
      expect(Object.keys(event as object)).toContain('sessionId')
    }
    await manager.close()
  })

  it('a listener that throws or rejects does not break the operation; it is reported as an error event', async () => {
    const manager = new SessionManager({ store: new ReferenceStore(), cleanupInterval: false })
    const errors: string[] = []
    manager.on('error', (e) => void errors.push(e.reason ?? ''))
    manager.on('created', () => {
      throw new Error('listener bug')
    })
    manager.on('deleted', async () => {
      throw new Error('async listener bug')
    })
    const { token } = await manager.create('u1', {})
    expect(await manager.get(token)).not.toBeNull()
    expect(await manager.delete(token)).toBe(true)
    await new Promise((r) => setImmediate(r))
    expect(errors).toEqual(['a "created" listener threw', 'a "deleted" listener threw'])
    await manager.close()
  })

  it('once fires once; off removes', async () => {
    const manager = new SessionManager({ store: new ReferenceStore(), cleanupInterval: false })
    let once = 0
    let on = 0
    const listener = () => void on++
    manager.once('created', () => void once++)
    manager.on('created', listener)
    await manager.create('u1', {})
    manager.off('created', listener)
    await manager.create('u1', {})
    expect([once, on]).toEqual([1, 1])
    await manager.close()
  })
})
