import { randomBytes } from 'node:crypto'
import {
  ClosedError,
  type InsertOptions,
  type InsertResult,
  type LockOptions,
  type PurgeOptions,
  type ReplaceResult,
  type ScanOptions,
  type ScanPage,
  type SessionRecord,
  type SessionRef,
  type SessionStore,
  type StoreCapabilities,
  type TouchOptions,
} from '@sessionkit/core'
import {
  acquireLockCall,
  createKeyLayout,
  deleteByUserCall,
  deleteCall,
  getCall,
  insertCall,
  listByUserCall,
  purgeCall,
  releaseLockCall,
  replaceCall,
  scanCall,
  touchCall,
  type KeyLayout,
  type RedisCall,
  type Topology,
} from '@sessionkit/redis-scripts'
import type { Cluster, Redis } from 'ioredis'
import { ClusterSteps } from './cluster-steps'
import { openConnection } from './connection'
import { parseStoreOptions, splitConnection, type RedisConnection, type RedisStoreOptions } from './options'
import { STORE_NAME, bounded, isCommandTimeout, isNoScript, timeoutError, toSessionError } from './redis-errors'
import { WriteBatcher } from './write-batcher'

/**
 * A sessionkit store on Redis through ioredis: standalone, Sentinel or Cluster. Each operation is
 * one round trip on a single Redis (a Lua script run with EVALSHA, or one plain command); keys
 * are hash-tagged so Cluster works. Every call is bounded by `commandTimeout` and fails with
 * `StoreUnavailableError` when Redis is down or slow; the same store works again once Redis is back.
 * @example
 * const store = new RedisStore({ url: process.env.REDIS_URL, prefix: 'myapp' })
 * const sessions = new SessionManager({ store, expiration: { strategy: 'sliding', ttl: 1800 } })
 */
export class RedisStore implements SessionStore {
  readonly name = STORE_NAME
  readonly capabilities: StoreCapabilities
  /** The ioredis client or Cluster in use (yours if you passed one). */
  readonly client: Redis | Cluster
  /** The key layout (prefix, buckets, key names). */
  readonly keys: KeyLayout
  /** `single` (standalone, Sentinel) or `cluster`. */
  readonly topology: Topology

  readonly #owned: boolean
  readonly #timeout: number
  readonly #cluster: ClusterSteps
  readonly #batcher: WriteBatcher
  /** True when ioredis bounds every command by this store's timeout (see `#send`). */
  readonly #clientTimesOut: boolean
  /** One rejection handler per operation name, built on first use (see `#send`). */
  readonly #failures = new Map<string, (error: unknown) => never>()
  #closed = false

  constructor(connection: RedisConnection = { url: 'redis://127.0.0.1:6379' }, options: RedisStoreOptions = {}) {
    const split = splitConnection(connection)
    const resolved = parseStoreOptions({ ...split.store, ...options })
    this.keys = createKeyLayout({ prefix: resolved.prefix, buckets: resolved.buckets })
    this.#timeout = resolved.commandTimeout
    const opened = openConnection(split.connection, resolved.commandTimeout)
    this.client = opened.client
    this.#owned = opened.owned
    this.topology = opened.topology
    this.capabilities = Object.freeze({
      nativeExpiry: true,
      atomicInsert: true,
      // On Cluster the user index is in another slot than the session: the limit is enforced
      // right after the insert, not inside it.
      atomicUserLimit: this.topology === 'single',
      distributedLocks: true,
      // Likewise replaceDevice: in the insert script on one node, right after it on Cluster.
      atomicDeviceReplace: this.topology === 'single',
    })
    this.#cluster = new ClusterSteps(this.keys, (call, operation) => this.#send(call, operation))
    this.#batcher = new WriteBatcher(this.client, resolved.batchWrites)
    this.#clientTimesOut = this.topology === 'single' && (this.client.options as { commandTimeout?: number }).commandTimeout === this.#timeout
  }

  /**
   * Sends one call: a plain command, or EVALSHA with an EVAL fallback on NOSCRIPT. The hot path:
   * when ioredis bounds its commands by this store's timeout (a client the store created), the
   * call is ioredis' own promise and one `then`: no promise, timer or settle closures of the
   * store's, which a request would otherwise hold for the whole round trip. Any other client's
   * calls are bounded by the store (`bounded`: one promise and one timer per call).
   */
  #send<R>(call: RedisCall<R>, operation: string): Promise<R> {
    if (this.#closed) return Promise.reject(new ClosedError('the Redis store', { operation }))
    const parse = (reply: unknown): R => {
      try {
        return call.parse(reply)
      } catch (error) {
        throw toSessionError(error, operation)
      }
    }
    // After NOSCRIPT the source goes once, with a timeout of its own: such a call (the first
    // after a Redis restart) may take one round trip longer than the timeout.
    if (this.#clientTimesOut) return this.#dispatch(call, parse, this.#failureOf(operation))
    const fail = (error: unknown): never => {
      throw toSessionError(error, operation)
    }
    return bounded(this.#dispatch(call, parse, fail), this.#timeout, operation)
  }

  /**
   * Writes `call` to the client and settles through `onReply` / `onError`: the command, or
   * EVALSHA and, when the server lost its script cache (restart, failover, SCRIPT FLUSH), one
   * EVAL of the source.
   */
  #dispatch<T>(call: RedisCall<unknown>, onReply: (reply: unknown) => T, onError: (error: unknown) => T): Promise<T> {
    const client = this.client
    this.#batcher.hold()
    if (call.kind === 'command') {
      const [command, ...args] = call.command
      return client.call(command!, ...args).then(onReply, onError)
    }
    const { script, keys, args } = call
    return client
      .evalsha(script.sha1, keys.length, ...keys, ...args)
      .then(onReply, (error: unknown) => (isNoScript(error) ? client.eval(script.source, keys.length, ...keys, ...args).then(onReply, onError) : onError(error)))
  }

  /** The rejection handler of `operation`: ioredis' timeout as the store's, anything else typed. */
  #failureOf(operation: string): (error: unknown) => never {
    let fail = this.#failures.get(operation)
    if (!fail) {
      const ms = this.#timeout
      fail = (error: unknown): never => {
        throw isCommandTimeout(error) ? timeoutError(operation, ms) : toSessionError(error, operation)
      }
      this.#failures.set(operation, fail)
    }
    return fail
  }

  insert(record: SessionRecord, options: InsertOptions): Promise<InsertResult> {
    if (this.topology === 'cluster') return this.#cluster.insert(record, options)
    return this.#send(insertCall(this.keys, record, options, 'single'), 'insert')
  }

  get(id: string, now: number): Promise<SessionRecord | null> {
    return this.#send(getCall(this.keys, id, now), 'get')
  }

  /**
   * One `EVALSHA touch`. With `touchAfterMs`, most reads persist nothing, so they are answered by
   * a plain `GET` (about a twentieth of the script's work inside Redis), and the script runs only
   * when the write is due: at most once per `touchAfterMs` per session, and then it re-checks
   * everything atomically.
   */
  touch(id: string, options: TouchOptions): Promise<SessionRecord | null> {
    // Not `async`: a read waits on the GET's own promise, with no suspended function behind it.
    if (options.touchAfterMs <= 0) return this.#send(touchCall(this.keys, id, options), 'touch')
    return this.#send(getCall(this.keys, id, options.now), 'touch').then((record) =>
      record === null || options.now - record.lastAccessedAt < options.touchAfterMs ? record : this.#send(touchCall(this.keys, id, options), 'touch'),
    )
  }

  replace(record: SessionRecord, expectedVersion: number, now: number): Promise<ReplaceResult> {
    return this.#send(replaceCall(this.keys, record, expectedVersion, now), 'replace')
  }

  delete(id: string): Promise<SessionRef | null> {
    if (this.topology === 'cluster') return this.#cluster.delete(id)
    return this.#send(deleteCall(this.keys, id, 'single'), 'delete')
  }

  listByUser(userId: string, now: number): Promise<SessionRecord[]> {
    if (this.topology === 'cluster') return this.#cluster.listByUser(userId, now)
    return this.#send(listByUserCall(this.keys, userId, now), 'listByUser')
  }

  deleteByUser(userId: string, options: { exceptId?: string } = {}): Promise<SessionRef[]> {
    if (this.topology === 'cluster') return this.#cluster.deleteByUser(userId, options.exceptId)
    return this.#send(deleteByUserCall(this.keys, userId, options.exceptId), 'deleteByUser')
  }

  scan(options: ScanOptions): Promise<ScanPage> {
    try {
      return this.#send(scanCall(this.keys, options, this.topology), 'scan')
    } catch (error) {
      return Promise.reject(toSessionError(error, 'scan'))
    }
  }

  purgeExpired(options: PurgeOptions): Promise<SessionRef[]> {
    if (this.topology === 'cluster') return this.#cluster.purgeExpired(options)
    return this.#send(purgeCall(this.keys, options, 'single'), 'purgeExpired')
  }

  acquireLock(id: string, options: LockOptions): Promise<string | null> {
    return this.#send(acquireLockCall(this.keys, id, randomBytes(16).toString('base64url'), options.ttlMs), 'acquireLock')
  }

  releaseLock(id: string, lockToken: string): Promise<boolean> {
    return this.#send(releaseLockCall(this.keys, id, lockToken), 'releaseLock')
  }

  /**
   * Stops accepting calls; quits the client if the store created it (waiting for calls in
   * flight, at most `commandTimeout`), and leaves a client you passed in open.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (!this.#owned) return
    try {
      await bounded(this.client.quit(), this.#timeout, 'close')
    } catch {
      // Redis is unreachable: drop the connection instead of waiting for a goodbye.
    } finally {
      this.client.disconnect()
    }
  }
}
