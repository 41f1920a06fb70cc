import {
  ClosedError,
  StoreError,
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
} from '@sessionkit/redis-scripts'
import { connect } from './connection'
import { STORE_NAME } from './errors'
import { resolveOptions, type UpstashConnection, type UpstashStoreOptions } from './options'
import { isOwnInsert, isOwnReplace } from './retry-safety'
import { ScriptRunner } from './script-runner'

/**
 * Upstash is one logical Redis per database (no Cluster over REST), and its scripts may touch
 * keys they did not declare (Upstash then takes its global script lock), so every operation is
 * the single-node form: one script, user index included, one request.
 */
const TOPOLOGY = 'single'

/** An expiry check that never fires: to read a record back whatever its deadline. */
const NO_EXPIRY_CHECK = Number.NEGATIVE_INFINITY

/**
 * A sessionkit store on Upstash Redis over its REST API, with the official `@upstash/redis`
 * client. Each operation is one HTTP request running one command or one Lua script (the same
 * scripts as `@sessionkit/store-redis`); see the README for what each costs.
 * @example
 * import { UpstashStore } from '@sessionkit/store-upstash'
 * const store = new UpstashStore({ fromEnv: true }, { prefix: 'myapp' })
 * const sessions = new SessionManager({ store })
 */
export class UpstashStore implements SessionStore {
  readonly name = STORE_NAME
  readonly capabilities: StoreCapabilities = {
    nativeExpiry: true,
    atomicInsert: true,
    atomicUserLimit: true,
    distributedLocks: true,
    // One node: the insert script replaces the device's sessions in the same step.
    atomicDeviceReplace: true,
  }

  private readonly keys: KeyLayout
  private readonly runner: ScriptRunner
  private closed = false

  /**
   * @param connection `{ url, token }`, `{ client }` (an `@upstash/redis` Redis you built) or `{ fromEnv: true }`.
   * @param options prefix, buckets, timeoutMs, retries.
   * @throws ConfigError naming the option or environment variable that is missing or invalid.
   */
  constructor(connection: UpstashConnection, options: UpstashStoreOptions = {}) {
    const resolved = resolveOptions(options)
    const { requester } = connect(connection, resolved.retries)
    this.keys = createKeyLayout({
      ...(resolved.prefix === undefined ? {} : { prefix: resolved.prefix }),
      ...(resolved.buckets === undefined ? {} : { buckets: resolved.buckets }),
    })
    this.runner = new ScriptRunner(requester, resolved.timeoutMs)
  }

  /**
   * A store configured from `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN`.
   * @example const store = UpstashStore.fromEnv({ prefix: 'myapp' })
   */
  static fromEnv(options: UpstashStoreOptions = {}): UpstashStore {
    return new UpstashStore({ fromEnv: true }, options)
  }

  private run<R>(call: RedisCall<R>, operation: string): Promise<R> {
    if (this.closed) return Promise.reject(new ClosedError('UpstashStore', { operation }))
    return this.runner.run(call, operation)
  }

  async insert(record: SessionRecord, options: InsertOptions): Promise<InsertResult> {
    const result = await this.run(insertCall(this.keys, record, options, TOPOLOGY), 'insert')
    if (result.status === 'ok') return result
    // Either a real duplicate or our own insert, landed by a request the client then retried.
    // Only this rare path costs a second request; a landed retry loses its eviction list.
    const stored = await this.run(getCall(this.keys, record.id, NO_EXPIRY_CHECK), 'insert')
    return stored !== null && isOwnInsert(stored, record) ? { status: 'ok', evicted: [] } : result
  }

  get(id: string, now: number): Promise<SessionRecord | null> {
    return this.run(getCall(this.keys, id, now), 'get')
  }

  touch(id: string, options: TouchOptions): Promise<SessionRecord | null> {
    return this.run(touchCall(this.keys, id, options), 'touch')
  }

  async replace(record: SessionRecord, expectedVersion: number, now: number): Promise<ReplaceResult> {
    const result = await this.run(replaceCall(this.keys, record, expectedVersion, now), 'replace')
    // A retried compare-and-set whose first attempt landed meets its own write as a "conflict".
    if (result.status === 'conflict' && isOwnReplace(result.current, record)) return { status: 'ok' }
    return result
  }

  delete(id: string): Promise<SessionRef | null> {
    return this.run(deleteCall(this.keys, id, TOPOLOGY), 'delete')
  }

  listByUser(userId: string, now: number): Promise<SessionRecord[]> {
    return this.run(listByUserCall(this.keys, userId, now), 'listByUser')
  }

  deleteByUser(userId: string, options: { exceptId?: string } = {}): Promise<SessionRef[]> {
    return this.run(deleteByUserCall(this.keys, userId, options.exceptId), 'deleteByUser')
  }

  async scan(options: ScanOptions): Promise<ScanPage> {
    let call: RedisCall<ScanPage>
    try {
      call = scanCall(this.keys, options, TOPOLOGY)
    } catch (error) {
      throw new StoreError(STORE_NAME, 'scan: the cursor is not one this store returned', { operation: 'scan', cause: error })
    }
    return this.run(call, 'scan')
  }

  purgeExpired(options: PurgeOptions): Promise<SessionRef[]> {
    return this.run(purgeCall(this.keys, options, TOPOLOGY), 'purgeExpired')
  }

  acquireLock(id: string, options: LockOptions): Promise<string | null> {
    return this.run(acquireLockCall(this.keys, id, globalThis.crypto.randomUUID(), options.ttlMs), 'acquireLock')
  }

  releaseLock(id: string, lockToken: string): Promise<boolean> {
    return this.run(releaseLockCall(this.keys, id, lockToken), 'releaseLock')
  }

  /**
   * Stops new calls (they fail with `ClosedError`); calls in flight finish within their timeout.
   * HTTP holds no connection the store must release, and a client you passed in stays yours.
   */
  async close(): Promise<void> {
    this.closed = true
  }
}
