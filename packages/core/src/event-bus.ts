import { randomUUID } from 'node:crypto'
import type { SessionEventBase, SessionEventName } from './events'
import type { SessionData, SessionManager } from './manager'

/** The events that cross instances: the ones a live connection must react to. */
export type BusEventName = Extract<SessionEventName, 'deleted' | 'revoked' | 'expired' | 'evicted' | 'rotated'>

/** What travels on the bus: ids, times and reasons only (never a token or data). */
export interface BusMessage extends SessionEventBase {
  event: BusEventName
  /** The instance that emitted it. */
  origin: string
  previousSessionId?: string
}

/**
 * A transport between app instances: Redis pub/sub (`RedisEventBus` in
 * `@sessionkit/store-redis`), or {@link createMemoryEventBus} inside one process. Backends
 * without a push channel (Upstash REST, ZeroDB) have none: events then stay on their instance.
 */
export interface SessionEventBus {
  publish(message: BusMessage): Promise<void>
  /** Starts delivering messages (from every instance, this one included); resolves once listening. */
  subscribe(listener: (message: BusMessage) => void): Promise<() => Promise<void>>
  close(): Promise<void>
}

/** A bus event as a listener sees it: `local` is false when another instance emitted it. */
export type ClusterEvent = BusMessage & { local: boolean }

export interface ClusterEvents {
  /** This instance's id on the bus. */
  readonly instanceId: string
  /**
   * Listens to an event from any instance.
   * @example cluster.on('revoked', (e) => sockets.closeSession(e.sessionId))
   */
  on(event: BusEventName, listener: (event: ClusterEvent) => void): () => void
  /** Stops publishing and listening; the bus itself is not closed. */
  close(): Promise<void>
}

const DEFAULT_EVENTS: BusEventName[] = ['deleted', 'revoked', 'expired', 'evicted', 'rotated']

/**
 * Connects a manager to a bus: its `deleted`, `revoked`, `expired`, `evicted` and `rotated`
 * events are published, and the returned emitter delivers those of every instance (this one's
 * at once, locally; the others' as they arrive). Delivery is at most once: a message published
 * while an instance is disconnected is not replayed to it.
 *
 * @example
 * const cluster = await connectEventBus(sessions, new RedisEventBus({ url, channel: 'myapp:sessions' }))
 * cluster.on('revoked', (e) => closeWebSockets(e.sessionId))
 */
export async function connectEventBus<TData extends SessionData>(
  manager: SessionManager<TData>,
  bus: SessionEventBus,
  options: { events?: BusEventName[]; onError?: (error: unknown) => void } = {},
): Promise<ClusterEvents> {
  const instanceId = randomUUID()
  const listeners = new Map<BusEventName, Set<(event: ClusterEvent) => void>>()
  const onError = options.onError ?? (() => {})
  const deliver = (event: ClusterEvent): void => {
    for (const listener of [...(listeners.get(event.event) ?? [])]) {
      try {
        listener(event)
      } catch (error) {
        onError(error)
      }
    }
  }
  const unsubscribe = await bus.subscribe((message) => {
    if (message.origin !== instanceId) deliver({ ...message, local: false })
  })
  const detach: (() => void)[] = []
  for (const name of options.events ?? DEFAULT_EVENTS) {
    const forward = (e: SessionEventBase & { previousSessionId?: string }): void => {
      const message: BusMessage = {
        event: name,
        origin: instanceId,
        sessionId: e.sessionId,
        userId: e.userId,
        timestamp: e.timestamp,
        ...(e.reason === undefined ? {} : { reason: e.reason }),
        ...(e.previousSessionId === undefined ? {} : { previousSessionId: e.previousSessionId }),
      }
      deliver({ ...message, local: true })
      bus.publish(message).catch(onError)
    }
    manager.on(name, forward)
    detach.push(() => manager.off(name, forward))
  }
  return {
    instanceId,
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener)
      return () => set.delete(listener)
    },
    async close() {
      for (const d of detach) d()
      listeners.clear()
      await unsubscribe()
    },
  }
}

/**
 * An in-process bus: every manager connected to it hears the others. For tests and for several
 * managers in one process; across processes use a networked bus (Redis pub/sub).
 * @example const bus = createMemoryEventBus(); await connectEventBus(a, bus); await connectEventBus(b, bus)
 */
export function createMemoryEventBus(): SessionEventBus {
  const subscribers = new Set<(message: BusMessage) => void>()
  return {
    async publish(message) {
      for (const s of [...subscribers]) queueMicrotask(() => s({ ...message }))
    },
    async subscribe(listener) {
      subscribers.add(listener)
      return async () => {
        subscribers.delete(listener)
      }
    },
    async close() {
      subscribers.clear()
    },
  }
}
