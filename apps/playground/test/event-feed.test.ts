import { MemoryStore } from '@sessionkit/store-memory'
import { SessionManager } from '@sessionkit/core'
import { afterEach, describe, expect, it } from 'vitest'
import { EventFeed, toFeedEvent } from '../server/event-feed'
import type { PlaygroundData } from '../server/cart'
import type { FeedEvent } from '../server/protocol'

describe('the event feed', () => {
  const managers: SessionManager<PlaygroundData>[] = []
  afterEach(async () => {
    for (const m of managers.splice(0)) await m.close()
  })

  it('carries the events of a real manager with ids and reasons, never a token or session data', async () => {
    const published: FeedEvent[] = []
    const feed = new EventFeed((e) => published.push(e))
    const manager = new SessionManager<PlaygroundData>({ store: new MemoryStore(), cleanupInterval: false })
    managers.push(manager)
    feed.follow(manager, 'memory')

    const { session, token } = await manager.create('ada', { device: 'secret-laptop', cart: [{ sku: 'mug', qty: 1 }] })
    await manager.update(token, (d) => ({ ...d, device: 'another-secret' }))
    const rotated = (await manager.rotate(token))!
    await manager.revoke(rotated.session.id, 'from the devices list')

    expect(published.map((e) => e.type)).toEqual(['created', 'updated', 'rotated', 'revoked'])
    expect(published[0]).toMatchObject({ sessionId: session.id, userId: 'ada', store: 'memory' })
    expect(published[1]!.detail).toBe('v2')
    expect(published[2]!.detail).toBe(`from ${session.id.slice(0, 8)}`)
    expect(published[3]!.reason).toBe('from the devices list')
    const wire = JSON.stringify(feed.recent())
    for (const secret of [token, rotated.token, 'secret-laptop', 'another-secret']) expect(wire).not.toContain(secret)
  })

  it('keeps only what it shows of an error event: the reason and the operation, not the error', () => {
    const error = new Error('connection to redis://:hunter2@db failed')
    const event = toFeedEvent('error', { sessionId: null, userId: null, timestamp: 1, reason: 'automatic cleanup failed', operation: 'cleanup', error }, 'redis', 7)
    expect(event).toEqual({ seq: 7, type: 'error', at: 1, store: 'redis', sessionId: null, userId: null, reason: 'automatic cleanup failed', detail: 'cleanup' })
    expect(JSON.stringify(event)).not.toContain('hunter2')
  })

  it('keeps the most recent events and stops listening when told', async () => {
    const feed = new EventFeed(() => {}, 3)
    const manager = new SessionManager<PlaygroundData>({ store: new MemoryStore(), cleanupInterval: false })
    managers.push(manager)
    const stop = feed.follow(manager, 'memory')
    for (let i = 0; i < 5; i++) await manager.create(`user-${i}`, { cart: [] })
    expect(feed.recent().map((e) => e.userId)).toEqual(['user-2', 'user-3', 'user-4'])
    stop()
    await manager.create('after', { cart: [] })
    expect(feed.recent().map((e) => e.userId)).toEqual(['user-2', 'user-3', 'user-4'])
  })
})
