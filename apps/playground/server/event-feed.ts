import type { SessionEventName, SessionEvents, SessionManager } from '@sessionkit/core'
import type { StoreName } from './backends/types'
import type { PlaygroundData } from './cart'
import type { FeedEvent } from './protocol'

/** Every event the manager emits; the feed shows them all. */
export const FEED_EVENT_NAMES: readonly SessionEventName[] = [
  'created', 'updated', 'refreshed', 'rotated', 'deleted', 'revoked', 'expired', 'evicted', 'locked', 'unlocked', 'error',
]

/**
 * The feed's view of a manager event: ids, times, reasons and one short fact. It is built
 * field by field (never spread) so nothing a future event adds, such as an error's message,
 * reaches the page by accident.
 * @example toFeedEvent('updated', { sessionId, userId, timestamp, version: 3 }, 'memory', 1).detail // 'v3'
 */
export function toFeedEvent<E extends SessionEventName>(type: E, event: SessionEvents[E], store: StoreName, seq: number): FeedEvent {
  return {
    seq,
    type,
    at: event.timestamp,
    store,
    sessionId: event.sessionId,
    userId: event.userId,
    reason: typeof event.reason === 'string' ? event.reason : null,
    detail: detailOf(type, event),
  }
}

function detailOf(type: SessionEventName, event: SessionEvents[SessionEventName]): string | null {
  if (type === 'updated' && 'version' in event) return `v${event.version}`
  if (type === 'rotated' && 'previousSessionId' in event) return `from ${event.previousSessionId.slice(0, 8)}`
  if (type === 'refreshed' && 'expiresAt' in event) return `until ${new Date(event.expiresAt).toISOString().slice(11, 19)}`
  if (type === 'error' && 'operation' in event) return event.operation
  return null
}

/**
 * Keeps the last events of every manager it follows and hands each new one to `publish`.
 * @example const feed = new EventFeed((e) => stream.send('session', e)); feed.follow(manager, 'redis')
 */
export class EventFeed {
  readonly #recent: FeedEvent[] = []
  #seq = 0

  constructor(
    private readonly publish: (event: FeedEvent) => void,
    private readonly keep = 200,
  ) {}

  /** Listens to every event of `manager`; returns the function that stops listening. */
  follow(manager: SessionManager<PlaygroundData>, store: StoreName): () => void {
    const stops = FEED_EVENT_NAMES.map((name) => {
      const listener = (event: SessionEvents[typeof name]) => this.#add(toFeedEvent(name, event, store, ++this.#seq))
      manager.on(name, listener)
      return () => manager.off(name, listener)
    })
    return () => stops.forEach((stop) => stop())
  }

  /** The most recent events, oldest first. */
  recent(): FeedEvent[] {
    return [...this.#recent]
  }

  #add(event: FeedEvent): void {
    this.#recent.push(event)
    if (this.#recent.length > this.keep) this.#recent.splice(0, this.#recent.length - this.keep)
    this.publish(event)
  }
}
