import type { SessionError } from './errors'
import { isThenable } from './promises'

/**
 * Typed session events (DESIGN §6). Payloads carry ids and reasons only: never a token, never
 * session data. A listener that throws (or rejects) never breaks the operation that emitted;
 * the failure is reported as an `error` event instead.
 */
export interface SessionEventBase {
  sessionId: string
  userId: string | null
  /** Epoch milliseconds, from the manager's clock. */
  timestamp: number
  reason?: string
}

export interface SessionEvents {
  created: SessionEventBase
  updated: SessionEventBase & { version: number }
  refreshed: SessionEventBase & { expiresAt: number }
  rotated: SessionEventBase & { previousSessionId: string }
  deleted: SessionEventBase
  revoked: SessionEventBase
  expired: SessionEventBase
  evicted: SessionEventBase
  locked: SessionEventBase
  unlocked: SessionEventBase
  error: Omit<SessionEventBase, 'sessionId' | 'userId'> & {
    sessionId: string | null
    userId: string | null
    error: SessionError | Error
    operation: string
  }
}

export type SessionEventName = keyof SessionEvents
export type SessionListener<E extends SessionEventName> = (event: SessionEvents[E]) => void | Promise<void>

/** A minimal typed emitter; listeners run synchronously in registration order. */
export class SessionEventEmitter {
  private readonly listeners = new Map<SessionEventName, Set<SessionListener<SessionEventName>>>()

  /**
   * Adds a listener.
   * @example manager.on('revoked', (e) => closeSockets(e.sessionId))
   */
  on<E extends SessionEventName>(event: E, listener: SessionListener<E>): this {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as SessionListener<SessionEventName>)
    return this
  }

  /** Removes a listener added with `on` or `once`. */
  off<E extends SessionEventName>(event: E, listener: SessionListener<E>): this {
    const set = this.listeners.get(event)
    if (!set) return this
    if (!set.delete(listener as SessionListener<SessionEventName>)) {
      for (const l of set) if ((l as { original?: unknown }).original === listener) set.delete(l)
    }
    return this
  }

  /** Adds a listener that runs at most once. */
  once<E extends SessionEventName>(event: E, listener: SessionListener<E>): this {
    const wrapper = Object.assign(
      (payload: SessionEvents[E]) => {
        this.off(event, wrapper)
        return listener(payload)
      },
      { original: listener },
    )
    return this.on(event, wrapper)
  }

  /** True when anyone listens: lets the manager skip building payloads on hot paths. */
  has(event: SessionEventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0
  }

  emit<E extends SessionEventName>(event: E, payload: SessionEvents[E]): void {
    const set = this.listeners.get(event)
    if (!set || set.size === 0) return
    for (const listener of [...set]) {
      try {
        const result = listener(payload)
        if (isThenable(result)) {
          Promise.resolve(result).catch((error: unknown) => this.listenerFailed(event, payload, error))
        }
      } catch (error) {
        this.listenerFailed(event, payload, error)
      }
    }
  }

  private listenerFailed<E extends SessionEventName>(event: E, payload: SessionEvents[E], error: unknown): void {
    // A failing error listener is not re-reported, or one bad listener would loop forever.
    if (event === 'error') return
    this.emit('error', {
      sessionId: payload.sessionId,
      userId: payload.userId,
      timestamp: payload.timestamp,
      reason: `a "${event}" listener threw`,
      operation: `on:${event}`,
      error: error instanceof Error ? error : new Error(String(error)),
    })
  }

  removeAllListeners(): void {
    this.listeners.clear()
  }
}
