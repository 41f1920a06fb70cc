import { ClosedError, ConfigError, ConflictError, DecryptionError, InvalidTokenError, LockTimeoutError, StoreError } from './errors'
import { SessionEventEmitter, type SessionEventName, type SessionEvents, type SessionListener } from './events'
import {
  DEFAULT_EXPIRATION,
  defaultTouchAfterMs,
  initialExpiry,
  refreshedExpiry,
  shouldPersistAccess,
  toPolicy,
  touchedExpiry,
  type ExpirationPolicy,
} from './expiration'
import { Keyring } from './keyring'
import { isThenable } from './promises'
import { WriteCoalescer, type CoalescedJob } from './write-coalescer'
import { parseManagerOptions, type SessionManagerOptions } from './options'
import { decodePayload, encodePayload, type SessionMetadata } from './payload'
import type { InsertOptions, SessionRecord, SessionRef, SessionStore } from './store'
import { generateToken, isWellFormedSessionId, isWellFormedToken, sessionIdFromToken } from './tokens'

/** Session data: any JSON-serialisable object. */
export type SessionData = object

/** A live session as the app sees it. Holds no token: the token is returned by `create` and `rotate` only. */
export interface Session<TData extends SessionData = Record<string, unknown>> {
  /** base64url(sha256(token)): safe to show on a "your devices" page and to revoke by. */
  readonly id: string
  readonly userId: string | null
  readonly data: TData
  readonly ipAddress: string | null
  readonly userAgent: string | null
  /** Strings attached at creation, e.g. `{ device: 'Work laptop' }`. */
  readonly metadata: Readonly<Record<string, string>>
  readonly createdAt: number
  readonly lastAccessedAt: number
  readonly expiresAt: number
  readonly absoluteExpiresAt: number | null
  readonly version: number
}

export interface CreateOptions {
  ipAddress?: string
  userAgent?: string
  /** Free-form strings kept with the session (encrypted with it when encryption is on). */
  metadata?: Record<string, string>
  /**
   * The client device, stored on the record (`SessionRecord.deviceId`) for `replaceDevice`.
   * `createOnDevice` sets it; most callers want that helper rather than this option.
   */
  deviceId?: string
  /**
   * With `deviceId` and a user: the user's other sessions on this device are deleted in the
   * insert's store step (event `revoked`, reason `replaced-on-device`) and listed in `replaced`.
   */
  replaceDevice?: boolean
}

export interface CreatedSession<TData extends SessionData> {
  session: Session<TData>
  /** The bearer secret for the client (a cookie). Never stored, never logged: hand it over once. */
  token: string
  /** With `replaceDevice`: ids of the user's previous sessions on the device, now revoked. */
  replaced?: string[]
}

export type Updater<TData> = (data: TData) => TData | Promise<TData>

export interface UpdateOptions<TData extends SessionData> {
  /** With a patch object: `true` (default) merges its top-level keys, `false` replaces the data. */
  merge?: boolean
  /**
   * The session as already loaded (e.g. by `get` earlier in the request): the write is then
   * one round trip, a compare-and-set on its version, re-applied onto the latest on conflict.
   */
  current?: Session<TData>
}

export interface RotateOptions<TData extends SessionData> {
  /** The owner of the new session (a guest signing in, or a privilege change). Default: unchanged. */
  userId?: string | null
  /** New data, or a function of the old. Default: the data is kept. */
  data?: TData | Updater<TData>
}

export interface ListOptions {
  cursor?: string | null
  /** Page size, default 100, at most 1000. */
  limit?: number
  includeExpired?: boolean
}

export interface SessionStats {
  total: number
  active: number
  expired: number
  /** Mean time in milliseconds between creation and last access, over active sessions. */
  averageDuration: number
  /** Active sessions per user id (guest sessions are not counted here). */
  sessionsByUser: Record<string, number>
}

export interface CopyProgress {
  scanned: number
  copied: number
  skipped: number
}

export interface WithLockOptions {
  /** Milliseconds the lock lives if the holder dies. Default: `concurrency.lockTtl`. */
  ttl?: number
  /** Milliseconds to wait for a held lock. Default: `concurrency.lockWait`. */
  wait?: number
}

interface UpdateJob<TData extends SessionData> {
  apply: Updater<TData>
  current: Session<TData> | undefined
}

const PURGE_BATCH = 1000
const SCAN_PAGE = 1000
const USER_ID_MAX = 512

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Runs the jobs' functions in order, each on the previous one's result; synchronously as long as
 * each function returns a plain value, so the usual batch (the middleware's merge of the changed
 * keys) costs no turn of the event loop. A function that throws or rejects is reported to
 * `fail` and skipped: the next one gets the data as it was before it.
 */
function applyInOrder<TData, TJob extends { input: { apply: Updater<TData> } }>(
  jobs: readonly TJob[],
  data: TData,
  fail: (job: TJob, error: unknown) => void,
  from = 0,
): TData | Promise<TData> {
  for (let i = from; i < jobs.length; i++) {
    const job = jobs[i]!
    let out: TData | Promise<TData>
    try {
      out = job.input.apply(data)
    } catch (error) {
      fail(job, error)
      continue
    }
    if (isThenable(out)) {
      const before = data
      return Promise.resolve(out).then(
        (next) => applyInOrder<TData, TJob>(jobs, next as TData, fail, i + 1),
        (error: unknown) => {
          fail(job, error)
          return applyInOrder<TData, TJob>(jobs, before, fail, i + 1)
        },
      )
    }
    data = out
  }
  return data
}

/**
 * The session manager: policy (tokens, expiry, encryption, events, limits, retries) over any
 * {@link SessionStore}.
 *
 * @example
 * const sessions = new SessionManager<{ cart: string[] }>({
 *   store: new MemoryStore(),
 *   expiration: { strategy: 'hybrid', idleTtl: 1800, absoluteTtl: 86_400 },
 * })
 * const { session, token } = await sessions.create('user-123', { cart: [] })
 * await sessions.update(token, (d) => ({ ...d, cart: [...d.cart, 'book'] }))
 */
export class SessionManager<TData extends SessionData = Record<string, unknown>> {
  readonly store: SessionStore
  private readonly policy: ExpirationPolicy
  private readonly touchAfterMs: number
  private readonly keyring: Keyring | null
  private readonly maxPerUser: number | undefined
  private readonly maxRetries: number
  private readonly enableLocking: boolean
  private readonly lockTtl: number
  private readonly lockWait: number
  private readonly now: () => number
  private readonly events = new SessionEventEmitter()
  private readonly updates = new WriteCoalescer<UpdateJob<TData>, Session<TData> | null>((id, jobs) => this.flushUpdates(id, jobs))
  private readonly timer: NodeJS.Timeout | null
  private readonly unwatch: (() => void) | undefined
  private closed = false

  constructor(options: SessionManagerOptions) {
    const o = parseManagerOptions(options)
    this.store = o.store
    this.policy = toPolicy(o.expiration ?? DEFAULT_EXPIRATION)
    this.touchAfterMs = o.touchAfter === undefined ? defaultTouchAfterMs(this.policy) : o.touchAfter * 1000
    this.keyring = o.encryption ? new Keyring(o.encryption.keys, { openCache: o.encryption.openCache }) : null
    this.maxPerUser = o.maxSessionsPerUser
    this.maxRetries = o.concurrency?.maxRetries ?? 16
    this.enableLocking = o.concurrency?.enableLocking ?? false
    this.lockTtl = o.concurrency?.lockTtl ?? 10_000
    this.lockWait = o.concurrency?.lockWait ?? 5_000
    this.now = o.now ?? Date.now
    const interval = o.cleanupInterval ?? 300
    this.timer = interval === false ? null : setInterval(() => void this.autoCleanup(), interval * 1000)
    this.timer?.unref()
    this.unwatch = this.store.watchRemovals?.((removal) =>
      this.emit(removal.reason === 'capacity' ? 'evicted' : 'expired', {
        sessionId: removal.id,
        userId: removal.userId,
        timestamp: this.now(),
        reason: removal.reason === 'capacity' ? 'store-capacity' : 'expired',
      }),
    )
  }

  /** The expiration policy in force (strategy and the two terms in milliseconds). */
  get expiration(): Readonly<ExpirationPolicy> {
    return this.policy
  }

  // ---------------------------------------------------------------- events

  /**
   * Listens to a typed event. Payloads hold ids, times and reasons: never a token or data.
   * @example sessions.on('evicted', (e) => audit.log('evicted', e.sessionId, e.reason))
   */
  on<E extends SessionEventName>(event: E, listener: SessionListener<E>): this {
    this.events.on(event, listener)
    return this
  }

  /** Removes a listener. */
  off<E extends SessionEventName>(event: E, listener: SessionListener<E>): this {
    this.events.off(event, listener)
    return this
  }

  /** Listens once. */
  once<E extends SessionEventName>(event: E, listener: SessionListener<E>): this {
    this.events.once(event, listener)
    return this
  }

  // ---------------------------------------------------------------- create and read

  /**
   * Creates a session for `userId` (or `null` for a guest) and returns it with its token.
   * Beyond `maxSessionsPerUser`, the user's oldest sessions are evicted in the same store step.
   * @example const { session, token } = await sessions.create('user-123', { cart: [] }, { ipAddress: req.ip })
   */
  async create(userId: string | null, data: TData, options: CreateOptions = {}): Promise<CreatedSession<TData>> {
    this.assertOpen('create')
    this.assertUserId(userId)
    const meta: SessionMetadata = {
      ipAddress: options.ipAddress ?? null,
      userAgent: options.userAgent ?? null,
      extra: { ...options.metadata },
    }
    const now = this.now()
    const { expiresAt, absoluteExpiresAt } = initialExpiry(this.policy, now)
    const { deviceId, replaceDevice } = options
    return this.insertFresh(
      (id) => {
        const record: SessionRecord = { id, userId, payload: this.encode(id, data, meta), createdAt: now, lastAccessedAt: now, expiresAt, absoluteExpiresAt, version: 1 }
        // Only set when given, so records without a device stay exactly as before.
        if (deviceId !== undefined) record.deviceId = deviceId
        return record
      },
      { data, meta, maxPerUser: this.maxPerUser, replaceDevice, now, operation: 'create' },
      (session) => this.emit('created', { sessionId: session.id, userId, timestamp: now }),
    )
  }

  /**
   * The live session for a token, sliding its expiry (one store round trip). `null` when the
   * token is malformed (no store call), unknown, expired, revoked, or its payload does not open.
   * @example const session = await sessions.get(req.cookies.sid)
   */
  get(token: string): Promise<Session<TData> | null> {
    // Not `async`: every request of the middleware waits here, and a suspended async function
    // keeps a generator, a context and a promise alive for the whole round trip.
    try {
      this.assertOpen('get')
      if (!isWellFormedToken(token)) return Promise.resolve(null)
      const touched = this.store.touch(sessionIdFromToken(token), {
        now: this.now(),
        idleTtlMs: this.policy.idleTtlMs,
        touchAfterMs: this.touchAfterMs,
      })
      // Promise.resolve hands a native promise back as it is, and adopts any other thenable.
      return Promise.resolve(touched).then((record) => (record ? this.toSession(record, 'get') : null))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Like `get`, without touching: the expiry does not move and nothing is written.
   * @example const session = await sessions.peek(token)
   */
  async peek(token: string): Promise<Session<TData> | null> {
    this.assertOpen('peek')
    if (!isWellFormedToken(token)) return null
    const record = await this.store.get(sessionIdFromToken(token), this.now())
    return record ? this.toSession(record, 'peek') : null
  }

  /**
   * True when the token names a live session whose payload opens. Does not touch.
   * @example if (!(await sessions.validate(token))) res.status(401)
   */
  async validate(token: string): Promise<boolean> {
    return (await this.peek(token)) !== null
  }

  // ---------------------------------------------------------------- write

  /**
   * Changes the data atomically: every write is a compare-and-set on the version; on conflict
   * the change is re-applied onto the latest version (bounded retries, then `ConflictError`).
   * A patch object is merged key by key (`{ merge: false }` replaces the data); a function
   * gets the latest data and returns the new data. Returns `null` when there is no session.
   * The access an update counts as slides the expiry under the same `touchAfter` rule as a read:
   * at most once per `touchAfter`, so a busy session's expiry (and a cookie that carries it)
   * changes once a minute by default, not on every write.
   * @example await sessions.update(token, (d) => ({ ...d, count: d.count + 1 }))
   * @example await sessions.update(token, { theme: 'dark' })
   */
  update(
    token: string,
    change: Partial<TData> | Updater<TData>,
    options: UpdateOptions<TData> = {},
  ): Promise<Session<TData> | null> {
    // Not `async`: the coalescer's promise is handed back as is, without wrapping it in another
    // (an async function returning a promise costs two more turns of the microtask queue).
    try {
      this.assertOpen('update')
    } catch (error) {
      return Promise.reject(error)
    }
    if (!isWellFormedToken(token)) return Promise.resolve(null)
    const apply: Updater<TData> =
      typeof change === 'function'
        ? change
        : options.merge === false
          ? () => change as TData
          : (data) => ({ ...data, ...change })
    return this.updates.run(sessionIdFromToken(token), { apply, current: options.current })
  }

  /**
   * Extends the session by the idle ttl (or `ttl` seconds), never past its absolute deadline.
   * @example await sessions.refresh(token, { ttl: 3600 })
   */
  async refresh(token: string, options: { ttl?: number } = {}): Promise<Session<TData> | null> {
    this.assertOpen('refresh')
    if (options.ttl !== undefined && !(Number.isFinite(options.ttl) && options.ttl > 0)) {
      throw new ConfigError('refresh.ttl', 'must be a positive number of seconds')
    }
    if (!isWellFormedToken(token)) return null
    const ttlMs = options.ttl === undefined ? undefined : options.ttl * 1000
    const session = await this.casWrite(sessionIdFromToken(token), 'refresh', (record, now) => ({
      ...record,
      lastAccessedAt: now,
      expiresAt: refreshedExpiry(record, this.policy, now, ttlMs),
    }))
    if (session) {
      this.emit('refreshed', { sessionId: session.id, userId: session.userId, timestamp: this.now(), expiresAt: session.expiresAt })
    }
    return session
  }

  /**
   * Issues a new token for the session (after login or a privilege change: session fixation).
   * The data, `createdAt` and absolute deadline are kept; the old token is dead at once.
   * Returns `null` when there is no session.
   * @example const { token } = (await sessions.rotate(oldToken, { userId: 'user-123' }))!
   */
  async rotate(token: string, options: RotateOptions<TData> = {}): Promise<CreatedSession<TData> | null> {
    this.assertOpen('rotate')
    if (options.userId !== undefined) this.assertUserId(options.userId)
    if (!isWellFormedToken(token)) return null
    const oldId = sessionIdFromToken(token)
    const now = this.now()
    const record = await this.store.get(oldId, now)
    if (!record) return null
    const decoded = this.decode(record, 'rotate')
    if (!decoded) return null
    const data =
      options.data === undefined
        ? decoded.data
        : typeof options.data === 'function'
          ? await options.data(decoded.data)
          : options.data
    const userId = options.userId === undefined ? record.userId : options.userId
    // Insert the new record before deleting the old one: a failure in between leaves the client
    // holding a working token. The +1 keeps the user limit from evicting another device for a
    // session that is about to disappear.
    const maxPerUser = this.maxPerUser === undefined ? undefined : this.maxPerUser + 1
    const created = await this.insertFresh(
      (id) => ({
        ...record,
        id,
        userId,
        payload: this.encode(id, data, decoded.meta),
        lastAccessedAt: now,
        expiresAt: touchedExpiry(record, this.policy, now),
        version: 1,
      }),
      { data, meta: decoded.meta, maxPerUser, now, operation: 'rotate' },
    )
    const removed = await this.store.delete(oldId)
    if (!removed) {
      // The old session was deleted while we rotated: do not bring it back under a new token.
      await this.store.delete(created.session.id)
      return null
    }
    this.emit('rotated', { sessionId: created.session.id, previousSessionId: oldId, userId, timestamp: now })
    return created
  }

  /**
   * Deletes the session (logout). True when there was one.
   * @example await sessions.delete(token)
   */
  async delete(token: string): Promise<boolean> {
    this.assertOpen('delete')
    if (!isWellFormedToken(token)) return false
    const ref = await this.store.delete(sessionIdFromToken(token))
    if (ref) this.emit('deleted', { sessionId: ref.id, userId: ref.userId, timestamp: this.now() })
    return ref !== null
  }

  /**
   * Deletes a session by its id (from a devices page or an admin tool). True when there was one.
   * @example await sessions.revoke(session.id, 'signed out from settings')
   */
  async revoke(sessionId: string, reason = 'revoked'): Promise<boolean> {
    this.assertOpen('revoke')
    if (!isWellFormedSessionId(sessionId)) return false
    const ref = await this.store.delete(sessionId)
    if (ref) this.emit('revoked', { sessionId: ref.id, userId: ref.userId, timestamp: this.now(), reason })
    return ref !== null
  }

  // ---------------------------------------------------------------- per user

  /**
   * Every live session of the user (every device), newest first.
   * @example const devices = await sessions.getUserSessions('user-123')
   */
  async getUserSessions(userId: string): Promise<Session<TData>[]> {
    this.assertOpen('getUserSessions')
    this.assertUserId(userId)
    const records = await this.store.listByUser(userId, this.now())
    const sessions: Session<TData>[] = []
    for (const record of records) {
      const session = this.toSession(record, 'getUserSessions')
      if (session) sessions.push(session)
    }
    return sessions
  }

  /**
   * Deletes every session of the user ("log out everywhere"), optionally keeping one
   * ("log out other devices"). Returns how many were deleted.
   * @example await sessions.deleteUserSessions('user-123', { except: current.id })
   */
  async deleteUserSessions(userId: string, options: { except?: string } = {}): Promise<number> {
    this.assertOpen('deleteUserSessions')
    this.assertUserId(userId)
    const refs = await this.store.deleteByUser(userId, options.except === undefined ? {} : { exceptId: options.except })
    const timestamp = this.now()
    for (const ref of refs) {
      this.emit('revoked', { sessionId: ref.id, userId: ref.userId, timestamp, reason: 'user-sessions-deleted' })
    }
    return refs.length
  }

  // ---------------------------------------------------------------- admin

  /**
   * One page of sessions, for admin screens. Pass the returned cursor back for the next page.
   * @example let page = await sessions.list({ limit: 50 }); while (page.cursor) page = await sessions.list({ cursor: page.cursor })
   */
  async list(options: ListOptions = {}): Promise<{ sessions: Session<TData>[]; cursor: string | null }> {
    this.assertOpen('list')
    const limit = options.limit ?? 100
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ConfigError('list.limit', 'must be a whole number from 1 to 1000')
    const page = await this.store.scan({
      cursor: options.cursor ?? null,
      limit,
      now: this.now(),
      includeExpired: options.includeExpired ?? false,
    })
    const sessions: Session<TData>[] = []
    for (const record of page.records) {
      const session = this.toSession(record, 'list')
      if (session) sessions.push(session)
    }
    return { sessions, cursor: page.cursor }
  }

  /**
   * Removes expired sessions from the store and emits `expired` for each. Runs on its own timer
   * (`cleanupInterval`); call it yourself from a cron if you turned that off.
   * @example const removed = await sessions.cleanup()
   */
  async cleanup(): Promise<number> {
    this.assertOpen('cleanup')
    let total = 0
    for (;;) {
      const now = this.now()
      const refs = await this.store.purgeExpired({ now, limit: PURGE_BATCH })
      for (const ref of refs) this.emit('expired', { sessionId: ref.id, userId: ref.userId, timestamp: now, reason: 'expired' })
      total += refs.length
      if (refs.length < PURGE_BATCH) return total
    }
  }

  /**
   * Counts over the whole store, page by page (admin use; it scans).
   * @example const { active, sessionsByUser } = await sessions.getStats()
   */
  async getStats(): Promise<SessionStats> {
    this.assertOpen('getStats')
    const now = this.now()
    const stats: SessionStats = { total: 0, active: 0, expired: 0, averageDuration: 0, sessionsByUser: {} }
    let durations = 0
    let cursor: string | null = null
    do {
      const page = await this.store.scan({ cursor, limit: SCAN_PAGE, now, includeExpired: true })
      for (const record of page.records) {
        stats.total++
        if (record.expiresAt <= now) {
          stats.expired++
          continue
        }
        stats.active++
        durations += record.lastAccessedAt - record.createdAt
        if (record.userId !== null) stats.sessionsByUser[record.userId] = (stats.sessionsByUser[record.userId] ?? 0) + 1
      }
      cursor = page.cursor
    } while (cursor)
    stats.averageDuration = stats.active === 0 ? 0 : durations / stats.active
    return stats
  }

  /**
   * Copies every live session to another store (a migration), keeping tokens valid: records
   * keep their ids, versions and sealed payloads. Sessions the target already has are skipped.
   * @example await sessions.copySessions(new RedisStore({ url }), { onProgress: (p) => console.log(p.copied) })
   */
  async copySessions(
    target: SessionStore,
    options: { batchSize?: number; onProgress?: (progress: CopyProgress) => void } = {},
  ): Promise<CopyProgress> {
    this.assertOpen('copySessions')
    const progress: CopyProgress = { scanned: 0, copied: 0, skipped: 0 }
    let cursor: string | null = null
    do {
      const now = this.now()
      const page = await this.store.scan({ cursor, limit: options.batchSize ?? 500, now })
      for (const record of page.records) {
        progress.scanned++
        const result = await target.insert(record, { now })
        if (result.status === 'ok') progress.copied++
        else progress.skipped++
      }
      options.onProgress?.({ ...progress })
      cursor = page.cursor
    } while (cursor)
    return progress
  }

  // ---------------------------------------------------------------- locks

  /**
   * Runs `fn` while holding the session's lock (mutual exclusion across processes that share
   * the store), for critical sections of more than one write. Throws `LockTimeoutError` when the
   * lock stays held longer than `wait`.
   * @example await sessions.withLock(token, async () => { await charge(); await sessions.update(token, { paid: true }) })
   */
  async withLock<T>(token: string, fn: () => Promise<T> | T, options: WithLockOptions = {}): Promise<T> {
    this.assertOpen('withLock')
    if (!isWellFormedToken(token)) throw new InvalidTokenError('withLock needs a well-formed session token', { operation: 'withLock' })
    return this.withLockById(sessionIdFromToken(token), fn, options)
  }

  private async withLockById<T>(id: string, fn: () => Promise<T> | T, options: WithLockOptions = {}): Promise<T> {
    const ttl = options.ttl ?? this.lockTtl
    const wait = options.wait ?? this.lockWait
    const started = Date.now()
    let delay = 5
    let lockToken = await this.store.acquireLock(id, { ttlMs: ttl })
    while (lockToken === null) {
      if (Date.now() - started >= wait) throw new LockTimeoutError(id, wait, { operation: 'withLock' })
      await sleep(Math.min(delay, Math.max(1, wait - (Date.now() - started))) * (0.5 + Math.random() / 2))
      delay = Math.min(delay * 2, 100)
      lockToken = await this.store.acquireLock(id, { ttlMs: ttl })
    }
    this.emit('locked', { sessionId: id, userId: null, timestamp: this.now() })
    try {
      return await fn()
    } finally {
      await this.store.releaseLock(id, lockToken)
      this.emit('unlocked', { sessionId: id, userId: null, timestamp: this.now() })
    }
  }


  /**
   * Stops the cleanup timer and closes the store. Later calls throw `ClosedError`.
   * @example process.on('SIGTERM', () => sessions.close())
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    this.unwatch?.()
    await this.store.close()
    this.events.removeAllListeners()
  }

  // ---------------------------------------------------------------- internals

  /**
   * One write for every update of `id` queued in this process since the last write: the jobs'
   * functions are applied in order onto the latest data, then written with one compare-and-set.
   * A function that throws fails only its own caller; the others are still written.
   */
  private async flushUpdates(id: string, jobs: CoalescedJob<UpdateJob<TData>, Session<TData> | null>[]): Promise<void> {
    const failed = new Map<CoalescedJob<UpdateJob<TData>, Session<TData> | null>, unknown>()
    const fail = (job: CoalescedJob<UpdateJob<TData>, Session<TData> | null>, error: unknown) => failed.set(job, error)
    const run = () =>
      this.casWrite(
        id,
        'update',
        (record, now, decoded) => {
          const toRecord = (data: TData): SessionRecord => {
            const payload = this.encode(id, data, decoded.meta)
            if (!shouldPersistAccess(record, now, this.touchAfterMs)) return { ...record, payload }
            return { ...record, payload, lastAccessedAt: now, expiresAt: touchedExpiry(record, this.policy, now) }
          }
          // A job that failed on an earlier attempt stays out of the later ones.
          const data = applyInOrder(failed.size > 0 ? jobs.filter((job) => !failed.has(job)) : jobs, decoded.data, fail)
          return isThenable(data) ? data.then(toRecord) : toRecord(data)
        },
        jobs.length === 1 && jobs[0]!.input.current ? this.knownFromSession(jobs[0]!.input.current) : undefined,
      )
    const session = await (this.enableLocking ? this.withLockById(id, run) : run())
    // The payload is built only for a listener: this runs on every write of every request.
    if (session && this.events.has('updated')) this.emit('updated', { sessionId: id, userId: session.userId, timestamp: this.now(), version: session.version })
    for (const job of jobs) {
      if (failed.has(job)) job.reject(failed.get(job))
      else job.resolve(session)
    }
  }

  /**
   * The compare-and-set loop behind every write of an existing session. The first conflict is
   * retried at once with the record the store returned (no extra read); later ones back off with
   * jitter and re-read, so a crowd of writers spreads out instead of colliding in lockstep.
   * `next` returns a new record, never `record` itself: its version is set here.
   */
  private async casWrite(
    id: string,
    operation: string,
    next: (record: SessionRecord, now: number, decoded: { data: TData; meta: SessionMetadata }) => SessionRecord | Promise<SessionRecord>,
    known?: { record: SessionRecord; decoded: { data: TData; meta: SessionMetadata } },
  ): Promise<Session<TData> | null> {
    let record = known ? known.record : await this.store.get(id, this.now())
    for (let attempt = 0; ; attempt++) {
      if (!record) return null
      const decoded = attempt === 0 && known ? known.decoded : this.decode(record, operation)
      if (!decoded) return null
      const now = this.now()
      // Awaited only when it is a promise: a synchronous change costs no extra turn. `next`
      // returns a record of its own, so the version is set on it rather than on a copy.
      const produced = next(record, now, decoded)
      const written = isThenable(produced) ? await produced : produced
      written.version = record.version + 1
      // Every write reseals a payload still sealed with a retired key, not only data changes.
      if (this.keyring && written.payload === record.payload && this.keyring.needsReseal(record.payload)) {
        written.payload = this.encode(id, decoded.data, decoded.meta)
      }
      const result = await this.store.replace(written, record.version, now)
      if (result.status === 'ok') return this.toSession(written, operation)
      if (result.status === 'missing') return null
      if (attempt >= this.maxRetries) throw new ConflictError(id, attempt + 1, { operation })
      if (attempt === 0) {
        record = result.current
      } else {
        // Full jitter, doubling up to 1 s: the expected number of rounds then grows with the
        // log of the number of writers rather than with the number itself.
        await sleep(Math.random() * Math.min(2 ** attempt, 1000))
        record = await this.store.get(id, this.now())
      }
    }
  }

  private async insertFresh(
    build: (id: string) => SessionRecord,
    context: { data: TData; meta: SessionMetadata; maxPerUser: number | undefined; replaceDevice?: boolean | undefined; now: number; operation: string },
    onCreated?: (session: Session<TData>) => void,
  ): Promise<CreatedSession<TData>> {
    // A duplicate of a fresh 256-bit id means a broken store or RNG, not bad luck: try twice more
    // and then say so instead of looping.
    for (let attempt = 0; attempt < 3; attempt++) {
      const token = generateToken()
      const record = build(sessionIdFromToken(token))
      const options: InsertOptions = { now: context.now, maxPerUser: context.maxPerUser }
      if (context.replaceDevice) options.replaceDevice = true
      const result = await this.store.insert(record, options)
      if (result.status === 'exists') continue
      const session = this.sessionFrom(record, context.data, context.meta)
      onCreated?.(session)
      for (const ref of result.evicted) this.emitEvicted(ref, context.now)
      if (!context.replaceDevice) return { session, token }
      const replaced = result.replaced ?? []
      for (const ref of replaced) {
        this.emit('revoked', { sessionId: ref.id, userId: ref.userId, timestamp: context.now, reason: 'replaced-on-device' })
      }
      return { session, token, replaced: replaced.map((ref) => ref.id) }
    }
    throw new StoreError(this.store.name, 'insert reported an existing id for three fresh random ids; the store does not honour the contract', {
      operation: context.operation,
    })
  }

  private emitEvicted(ref: SessionRef, timestamp: number): void {
    this.emit('evicted', { sessionId: ref.id, userId: ref.userId, timestamp, reason: 'max-sessions-per-user' })
  }

  private encode(id: string, data: TData, meta: SessionMetadata): string {
    return encodePayload(id, data, meta, this.keyring)
  }

  private decode(record: SessionRecord, operation: string): { data: TData; meta: SessionMetadata } | null {
    try {
      return decodePayload<TData>(record.id, record.payload, this.keyring)
    } catch (error) {
      const reason = error instanceof DecryptionError ? error.message : 'payload could not be read'
      this.emit('error', {
        sessionId: record.id,
        userId: record.userId,
        timestamp: this.now(),
        reason,
        operation,
        error: error instanceof Error ? error : new Error(String(error)),
      })
      return null
    }
  }

  private toSession(record: SessionRecord, operation: string): Session<TData> | null {
    const decoded = this.decode(record, operation)
    return decoded ? this.sessionFrom(record, decoded.data, decoded.meta) : null
  }

  private sessionFrom(record: SessionRecord, data: TData, meta: SessionMetadata): Session<TData> {
    return {
      id: record.id,
      userId: record.userId,
      data,
      ipAddress: meta.ipAddress,
      userAgent: meta.userAgent,
      metadata: meta.extra,
      createdAt: record.createdAt,
      lastAccessedAt: record.lastAccessedAt,
      expiresAt: record.expiresAt,
      absoluteExpiresAt: record.absoluteExpiresAt,
      version: record.version,
    }
  }

  /**
   * The record behind a session the caller already loaded. Its payload is left empty: the only
   * caller (update) always writes a new one, and re-sealing the old data would be wasted work.
   */
  private knownFromSession(session: Session<TData>): { record: SessionRecord; decoded: { data: TData; meta: SessionMetadata } } {
    return {
      record: {
        id: session.id,
        userId: session.userId,
        payload: '',
        createdAt: session.createdAt,
        lastAccessedAt: session.lastAccessedAt,
        expiresAt: session.expiresAt,
        absoluteExpiresAt: session.absoluteExpiresAt,
        version: session.version,
      },
      // `extra` is only read (by encode), so the session's own object serves.
      decoded: { data: session.data, meta: { ipAddress: session.ipAddress, userAgent: session.userAgent, extra: session.metadata } },
    }
  }

  private async autoCleanup(): Promise<void> {
    if (this.closed) return
    try {
      await this.cleanup()
    } catch (error) {
      this.emit('error', {
        sessionId: null,
        userId: null,
        timestamp: this.now(),
        reason: 'automatic cleanup failed',
        operation: 'cleanup',
        error: error instanceof Error ? error : new Error(String(error)),
      })
    }
  }

  private emit<E extends SessionEventName>(event: E, payload: SessionEvents[E]): void {
    this.events.emit(event, payload)
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new ClosedError('SessionManager', { operation })
  }

  private assertUserId(userId: unknown): asserts userId is string | null {
    if (userId === null) return
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > USER_ID_MAX) {
      throw new ConfigError('userId', `must be null (a guest) or a non-empty string of at most ${USER_ID_MAX} characters`)
    }
  }
}
