import { connectEventBus, SessionManager, type ClusterEvent } from '@sessionkit/core'
import { redisUrl } from '@sessionkit/testkit/redis'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { RedisEventBus, RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'

const prefix = `sk-bus-${randomBytes(6).toString('hex')}`
const channel = `${prefix}:events`
const inspector = new Redis(redisUrl())
const closers: (() => Promise<void>)[] = []

afterAll(async () => {
  for (const close of closers.reverse()) await close()
  const keys = (await dumpNamespace(inspector, prefix)).filter((k) => k.startsWith(`{${prefix}:`))
  if (keys.length > 0) await inspector.del(...keys)
  await inspector.quit()
})

/** One app instance: its own store connection, manager and bus connection. */
async function instance(): Promise<{ sessions: SessionManager<{ n: number }>; heard: ClusterEvent[] }> {
  const sessions = new SessionManager<{ n: number }>({ store: new RedisStore({ url: redisUrl(), prefix }), cleanupInterval: false })
  const bus = new RedisEventBus({ url: redisUrl(), channel })
  const cluster = await connectEventBus(sessions, bus)
  const heard: ClusterEvent[] = []
  cluster.on('deleted', (e) => heard.push(e))
  cluster.on('revoked', (e) => heard.push(e))
  closers.push(async () => {
    await cluster.close()
    await bus.close()
    await sessions.close()
  })
  return { sessions, heard }
}

async function waitFor(condition: () => boolean, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs
  while (Date.now() < until) {
    if (condition()) return true
    await new Promise((r) => setTimeout(r, 10))
  }
  return condition()
}

describe('cross-instance events over Redis pub/sub', () => {
  it('a delete on one manager raises the event on the other within a second', async () => {
    const a = await instance()
    const b = await instance()
    const { session, token } = await a.sessions.create('user-1', { n: 1 })
    expect(await a.sessions.delete(token)).toBe(true)
    expect(await waitFor(() => b.heard.length > 0, 1000)).toBe(true)
    expect(b.heard[0]).toMatchObject({ event: 'deleted', sessionId: session.id, userId: 'user-1', local: false })
    // The emitting instance hears it locally, once (its own echo from Redis is not re-delivered).
    expect(a.heard.map((e) => [e.event, e.local])).toEqual([['deleted', true]])
  })

  it('a revoke by id on the second instance reaches the first, and nothing on the wire is a token', async () => {
    const a = await instance()
    const b = await instance()
    const wire: string[] = []
    const spy = new Redis(redisUrl())
    closers.push(async () => void (await spy.quit()))
    spy.on('message', (_c: string, m: string) => wire.push(m))
    await spy.subscribe(channel)
    const { session, token } = await a.sessions.create('user-2', { n: 2 })
    expect(await b.sessions.revoke(session.id, 'admin')).toBe(true)
    expect(await waitFor(() => a.heard.some((e) => e.sessionId === session.id), 1000)).toBe(true)
    expect(a.heard.find((e) => e.sessionId === session.id)).toMatchObject({ event: 'revoked', reason: 'admin', local: false })
    expect(await waitFor(() => wire.length > 0, 1000)).toBe(true)
    expect(wire.join('\n')).not.toContain(token)
  })
})

describe('RedisEventBus when Redis does not answer', () => {
  it('subscribe fails with StoreUnavailableError within its timeout, and close does not hang', async () => {
    const bus = new RedisEventBus({ url: 'redis://127.0.0.1:1', channel, timeout: 300, redis: { retryStrategy: () => null } })
    await expect(bus.subscribe(() => {})).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    await expect(bus.subscribe(() => {})).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    await bus.close()
  })
})
