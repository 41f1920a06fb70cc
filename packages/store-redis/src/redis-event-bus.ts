import { ConfigError, StoreUnavailableError, type BusMessage, type SessionEventBus } from '@sessionkit/core'
import { Redis, type RedisOptions } from 'ioredis'

export interface RedisEventBusOptions {
  /** A redis:// URL, or ioredis options. Two connections are opened: pub/sub needs its own. */
  url?: string
  redis?: RedisOptions
  /** The channel every instance of one app shares. Default `"sessionkit:events"`. */
  channel?: string
  /** Milliseconds a publish or the subscription may take before failing. Default 2000. */
  timeout?: number
}

const BUS_EVENTS = new Set(['deleted', 'revoked', 'expired', 'evicted', 'rotated'])

/**
 * Cross-instance session events over Redis pub/sub (`PUBLISH`/`SUBSCRIBE` on one channel):
 * a delete or revoke on one app instance reaches the listeners of every instance, typically
 * within a millisecond on a LAN. Pub/sub is at most once: an instance that is disconnected
 * when a message is published does not get it later. Messages carry ids, times and reasons,
 * never a token or data. Connect it with `connectEventBus(manager, bus)` from `@sessionkit/core`.
 *
 * @example
 * const bus = new RedisEventBus({ url: process.env.REDIS_URL, channel: 'myapp:sessions' })
 * const cluster = await connectEventBus(sessions, bus)
 * cluster.on('revoked', (e) => closeWebSockets(e.sessionId))
 */
export class RedisEventBus implements SessionEventBus {
  readonly channel: string
  readonly #pub: Redis
  readonly #sub: Redis
  readonly #timeout: number
  readonly #listeners = new Set<(message: BusMessage) => void>()
  #subscribed: Promise<unknown> | null = null

  constructor(options: RedisEventBusOptions = {}) {
    this.channel = options.channel ?? 'sessionkit:events'
    if (typeof this.channel !== 'string' || this.channel.length === 0) throw new ConfigError('channel', 'must be a non-empty string')
    this.#timeout = options.timeout ?? 2000
    const settings: RedisOptions = { maxRetriesPerRequest: 1, retryStrategy: (n: number) => Math.min(50 * n, 500), ...options.redis }
    const open = (): Redis => {
      const client = options.url ? new Redis(options.url, settings) : new Redis(settings)
      client.on('error', () => {}) // surfaced as StoreUnavailableError on the calls
      return client
    }
    this.#pub = open()
    this.#sub = open()
    this.#sub.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return
      const message = parseMessage(raw)
      if (!message) return
      for (const listener of [...this.#listeners]) listener(message)
    })
  }

  async publish(message: BusMessage): Promise<void> {
    await this.#bounded('publish', this.#pub.publish(this.channel, JSON.stringify(message)))
  }

  async subscribe(listener: (message: BusMessage) => void): Promise<() => Promise<void>> {
    // One SUBSCRIBE for every listener; a failed one is forgotten so the next call tries again.
    // ioredis re-subscribes by itself after a reconnect.
    this.#subscribed ??= this.#bounded('subscribe', this.#sub.subscribe(this.channel)).catch((error: unknown) => {
      this.#subscribed = null
      throw error
    })
    await this.#subscribed
    this.#listeners.add(listener)
    return async () => {
      this.#listeners.delete(listener)
    }
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    this.#listeners.clear()
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()])
  }

  async #bounded<T>(operation: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeout} ms`)), this.#timeout)
    })
    try {
      return await Promise.race([work, timeout])
    } catch (cause) {
      throw new StoreUnavailableError('redis-event-bus', `the event bus could not ${operation}; check that Redis is reachable`, { cause, operation })
    } finally {
      clearTimeout(timer)
    }
  }
}

function parseMessage(raw: string): BusMessage | null {
  try {
    const m = JSON.parse(raw) as Partial<BusMessage>
    if (typeof m.event !== 'string' || !BUS_EVENTS.has(m.event) || typeof m.sessionId !== 'string' || typeof m.origin !== 'string') return null
    return m as BusMessage
  } catch {
    return null
  }
}
