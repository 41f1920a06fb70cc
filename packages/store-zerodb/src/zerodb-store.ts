import { randomBytes } from 'node:crypto'
import {
  ClosedError,
  type InsertOptions,
  type InsertResult,
  isLive,
  type LockOptions,
  type PurgeOptions,
  type ReplaceResult,
  type ScanOptions,
  type ScanPage,
  type SessionRecord,
  type SessionRef,
  type SessionStore,
  slidExpiry,
  type StoreCapabilities,
  StoreUnavailableError,
  type TouchOptions,
} from '@sessionkit/core'
import { type Call, STORE_NAME, ZeroDbHttp } from './http-client'
import { resolveOptions, type ResolvedOptions, type ZeroDbStoreOptions } from './options'
import { casUpdate, dedupe, fromRow, padTime, refOf, type StoredSession, toRowData, WRITE_ID_WINDOW } from './row-codec'
import { acquireRowLock, purgeRowLocks, releaseRowLock } from './row-lock'
import { decodeCursor, encodeCursor } from './scan-cursor'
import { type Filter, MAX_BULK, MAX_PAGE, TableApi } from './table-api'

/**
 * What ZeroDB cannot do atomically, declared so core and the conformance suite hold the store
 * to what it can promise:
 * - no TTL: the store filters expired rows itself and purges them (`nativeExpiry: false`);
 * - no unique key: insert looks the id up, then writes; two concurrent inserts of one id can
 *   both land (readers then see one of them, and the next write makes them one) (`atomicInsert: false`);
 * - per-user limits count, then evict: concurrent inserts can overshoot until the next insert
 *   (`atomicUserLimit: false`);
 * - locks are rows claimed by an atomic filtered bulk update and checked by a read-back, so
 *   they are exclusive across processes sharing the table (`distributedLocks: true`).
 */
const CAPABILITIES: StoreCapabilities = Object.freeze({
  nativeExpiry: false,
  atomicInsert: false,
  atomicUserLimit: false,
  distributedLocks: true,
  // The device's previous sessions are deleted right after the insert, not in the same step.
  atomicDeviceReplace: false,
})

/** Touch retries on a compare-and-set conflict before answering the record as it stands. */
const TOUCH_ATTEMPTS = 3
/** A bound on pages read in one call, so a misbehaving server cannot keep a call looping. */
const MAX_PAGES = 1000

function writeId(): string {
  return randomBytes(9).toString('base64url')
}

function liveFilter(now: number): Filter {
  // Coarse (whole milliseconds) on the server, exact with isLive() on every row read back.
  return { exp: { $gt: padTime(now, 'down') } }
}

function byNewest(a: SessionRecord, b: SessionRecord): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/**
 * A sessionkit store on ZeroDB's tables REST API, spoken with `fetch` (no SDK exists for it).
 * One table holds every session as a row (and lock anchors as rows of another kind); the
 * store keeps expiry itself, does compare-and-set through the bulk-update filter on
 * `version`, retries 429 and 5xx with backoff honouring `Retry-After` where it is safe, and
 * bounds every operation by `timeout`.
 * @example
 * const store = new ZeroDbStore({ projectId: process.env.ZERODB_PROJECT_ID!, apiKey: process.env.ZERODB_API_KEY! })
 * const sessions = new SessionManager({ store, expiration: { strategy: 'sliding', ttl: 3600 } })
 */
export class ZeroDbStore implements SessionStore {
  readonly name = STORE_NAME
  readonly capabilities: StoreCapabilities = CAPABILITIES
  readonly #options: ResolvedOptions
  readonly #closing = new AbortController()
  readonly #api: TableApi

  constructor(options: ZeroDbStoreOptions) {
    this.#options = resolveOptions(options)
    this.#api = new TableApi(new ZeroDbHttp(this.#options, this.#closing.signal), this.#options.tableName)
  }

  /** The table this store writes to. */
  get tableName(): string {
    return this.#options.tableName
  }

  #begin(operation: string): Call {
    if (this.#closing.signal.aborted) throw new ClosedError('ZeroDB store', { operation })
    return { operation, deadline: Date.now() + this.#options.timeout }
  }

  async #find(call: Call, id: string): Promise<StoredSession | null> {
    const page = await this.#api.query(call, { kind: 'session', sid: id }, { limit: 10 })
    return dedupe(page.rows.map(fromRow))[0] ?? null
  }

  /** Every page of a query (ZeroDB answers at most 1000 rows at a time). */
  async #all(call: Call, filter: Filter, sort?: Record<string, 1 | -1>): Promise<StoredSession[]> {
    const rows = []
    for (let page = 0, skip = 0; page < MAX_PAGES; page++) {
      const answer = await this.#api.query(call, filter, { limit: MAX_PAGE, skip, ...(sort ? { sort } : {}) })
      rows.push(...answer.rows)
      skip += answer.rows.length
      if (!answer.hasMore || answer.rows.length === 0) break
    }
    return dedupe(rows.map(fromRow))
  }

  /** Deletes sessions by id, 100 per request (ZeroDB's limit without confirmation). */
  async #deleteIds(call: Call, ids: string[], extra: Filter = {}): Promise<void> {
    for (let i = 0; i < ids.length; i += MAX_BULK) {
      await this.#api.delete(call, { kind: 'session', sid: { $in: ids.slice(i, i + MAX_BULK) }, ...extra })
    }
  }

  /**
   * Compare-and-set through `PUT /rows/bulk` filtered on `{sid, version, live}`. A repeat of
   * the request matches nothing (the version moved), so it is safe to retry. When the count
   * says 0, one read tells a lost race from a missing record, and the write id kept for each
   * recent version tells our own write (whose answer was lost, then retried) from someone
   * else's, even when other writes have landed on top of ours since.
   */
  async #compareAndSet(call: Call, next: SessionRecord, expectedVersion: number, now: number): Promise<ReplaceResult> {
    const wid = writeId()
    const filter = { kind: 'session', sid: next.id, version: expectedVersion, ...liveFilter(now) }
    const update = casUpdate(next, wid)
    const { modified, repeated } = await this.#api.update(call, filter, update.$set, update.$unset)
    if (modified > 0) return { status: 'ok' }
    const current = await this.#find(call, next.id)
    if (current?.writeIdOf(next.version) === wid) return { status: 'ok' }
    if (repeated && current && current.record.version - next.version >= WRITE_ID_WINDOW) {
      // Too many writes since to tell whether ours was one of them; re-applying the change
      // could apply it twice, so say so instead.
      throw new StoreUnavailableError(STORE_NAME, `replace of session ${next.id}: the write may or may not have applied (its answer was lost); read the session again`, {
        operation: call.operation,
      })
    }
    if (!current || !isLive(current.record, now)) return { status: 'missing' }
    return { status: 'conflict', current: current.record }
  }

  /**
   * Cost: 2 requests (3 with `maxPerUser`, 4 when it evicts; `replaceDevice` adds 1, 2 when it
   * replaces), plus 1 the first time (the table check).
   */
  async insert(record: SessionRecord, options: InsertOptions): Promise<InsertResult> {
    const call = this.#begin('insert')
    if (await this.#find(call, record.id)) return { status: 'exists' }
    // POST /rows is not idempotent: it is retried only after a 429 or a refused connection.
    await this.#api.insert(call, toRowData(record, writeId()))
    const replaced = options.replaceDevice ? await this.#replaceDevice(call, record, options.now) : undefined
    const limit = options.maxPerUser
    if (limit === undefined || record.userId === null) return replaced ? { status: 'ok', evicted: [], replaced } : { status: 'ok', evicted: [] }
    const live = (await this.#all(call, { kind: 'session', uid: record.userId, ...liveFilter(options.now) }))
      .map((session) => session.record)
      .filter((candidate) => isLive(candidate, options.now) && candidate.id !== record.id)
      .sort(byNewest)
    const victims = live.slice(Math.max(0, limit - 1))
    await this.#deleteIds(
      call,
      victims.map((victim) => victim.id),
    )
    const evicted = victims.map(refOf)
    return replaced ? { status: 'ok', evicted, replaced } : { status: 'ok', evicted }
  }

  /**
   * replaceDevice, right after the insert (ZeroDB has no multi-row atomic step): deletes the
   * user's other live sessions on the record's device, before the user limit looks at them.
   */
  async #replaceDevice(call: Call, record: SessionRecord, now: number): Promise<SessionRef[]> {
    if (record.userId === null || record.deviceId == null) return []
    const victims = (await this.#all(call, { kind: 'session', uid: record.userId, dev: record.deviceId, ...liveFilter(now) }))
      .map((session) => session.record)
      .filter((candidate) => isLive(candidate, now) && candidate.id !== record.id)
    await this.#deleteIds(
      call,
      victims.map((victim) => victim.id),
    )
    return victims.map(refOf)
  }

  /** Cost: 1 request. */
  async get(id: string, now: number): Promise<SessionRecord | null> {
    const found = await this.#find(this.#begin('get'), id)
    return found && isLive(found.record, now) ? found.record : null
  }

  /** Cost: 1 request when `touchAfterMs` throttles the write, else 2 (more only under write contention). */
  async touch(id: string, options: TouchOptions): Promise<SessionRecord | null> {
    const call = this.#begin('touch')
    const { now } = options
    let current = (await this.#find(call, id))?.record
    for (let attempt = 1; current && isLive(current, now); attempt++) {
      if (now - current.lastAccessedAt < options.touchAfterMs) return current
      const next = { ...current, lastAccessedAt: now, expiresAt: slidExpiry(current, now, options.idleTtlMs), version: current.version + 1 }
      const result = await this.#compareAndSet(call, next, current.version, now)
      if (result.status === 'ok') return next
      if (result.status === 'missing') return null
      // Another writer got there first; that write was an access too, so after a few tries
      // answering the record as it stands is correct.
      if (attempt >= TOUCH_ATTEMPTS) return result.current
      current = result.current
    }
    return null
  }

  /** Cost: 1 request when it wins, 2 on a conflict or a missing record. */
  async replace(record: SessionRecord, expectedVersion: number, now: number): Promise<ReplaceResult> {
    return this.#compareAndSet(this.#begin('replace'), record, expectedVersion, now)
  }

  /** Cost: 2 requests (a query for the ref, a bulk delete), 1 when absent. */
  async delete(id: string): Promise<SessionRef | null> {
    const call = this.#begin('delete')
    const found = await this.#find(call, id)
    if (!found) return null
    const { deleted, repeated } = await this.#api.delete(call, { kind: 'session', sid: id })
    return deleted > 0 || repeated ? refOf(found.record) : null
  }

  /** Cost: 1 request per 1000 sessions of the user. */
  async listByUser(userId: string, now: number): Promise<SessionRecord[]> {
    const call = this.#begin('listByUser')
    const sessions = await this.#all(call, { kind: 'session', uid: userId, ...liveFilter(now) }, { createdAt: -1 })
    return sessions
      .map((session) => session.record)
      .filter((record) => isLive(record, now))
      .sort(byNewest)
  }

  /** Cost: 2 requests per 100 sessions removed (a query and a bulk delete), 1 when there are none. */
  async deleteByUser(userId: string, options: { exceptId?: string } = {}): Promise<SessionRef[]> {
    const call = this.#begin('deleteByUser')
    const filter: Filter = { kind: 'session', uid: userId }
    if (options.exceptId !== undefined) filter.sid = { $ne: options.exceptId }
    const removed = new Map<string, SessionRef>()
    for (let round = 0; round < MAX_PAGES; round++) {
      const page = await this.#api.query(call, filter, { limit: MAX_BULK })
      const sessions = dedupe(page.rows.map(fromRow))
      if (sessions.length === 0) break
      await this.#deleteIds(
        call,
        sessions.map((session) => session.record.id),
      )
      for (const session of sessions) removed.set(session.record.id, refOf(session.record))
      if (!page.hasMore) break
    }
    return [...removed.values()]
  }

  /** Cost: 1 request per page. Keyset pagination on the session id (see `scan-cursor.ts`). */
  async scan(options: ScanOptions): Promise<ScanPage> {
    const call = this.#begin('scan')
    const after = decodeCursor(options.cursor)
    const limit = Math.max(1, Math.min(Math.floor(options.limit), MAX_PAGE))
    const filter: Filter = { kind: 'session', ...(options.includeExpired ? {} : liveFilter(options.now)) }
    if (after !== undefined) filter.sid = { $gt: after }
    const page = await this.#api.query(call, filter, { sort: { sid: 1 }, limit })
    const sessions = dedupe(page.rows.map(fromRow))
    const records = sessions
      .map((session) => session.record)
      .filter((record) => options.includeExpired || isLive(record, options.now))
    const last = page.rows.at(-1)?.row_data.sid
    const cursor = page.hasMore && typeof last === 'string' ? encodeCursor(last) : null
    return { records, cursor }
  }

  /**
   * Cost: 2 requests per batch of up to 100 expired sessions (a query and a bulk delete), plus
   * up to 2 to clear stale lock anchors.
   */
  async purgeExpired(options: PurgeOptions): Promise<SessionRef[]> {
    const call = this.#begin('purgeExpired')
    const { now } = options
    const cap = options.limit ?? Number.POSITIVE_INFINITY
    const due = { $lte: padTime(now, 'down') }
    const removed = new Map<string, SessionRef>()
    for (let round = 0; round < MAX_PAGES && removed.size < cap; round++) {
      const batch = Math.min(MAX_BULK, cap - removed.size)
      const page = await this.#api.query(call, { kind: 'session', exp: due }, { sort: { exp: 1 }, limit: batch })
      const expired = dedupe(page.rows.map(fromRow)).filter(
        (session) => !isLive(session.record, now) && !removed.has(session.record.id),
      )
      // Nothing new (rows that a delete did not remove come back): stop rather than loop.
      if (expired.length === 0) break
      // The expiry guard stays in the delete: a record slid by a touch in between is kept.
      await this.#deleteIds(
        call,
        expired.map((session) => session.record.id),
        { exp: due },
      )
      for (const session of expired) removed.set(session.record.id, refOf(session.record))
      if (page.rows.length < batch) break
    }
    await purgeRowLocks(this.#api, call)
    return [...removed.values()]
  }

  /** Cost: 2 requests when the lock is free or held, 4 the first time a name is locked. See `row-lock.ts`. */
  async acquireLock(id: string, options: LockOptions): Promise<string | null> {
    return acquireRowLock(this.#api, this.#begin('acquireLock'), id, options.ttlMs)
  }

  /** Cost: 1 request. */
  async releaseLock(id: string, lockToken: string): Promise<boolean> {
    return releaseRowLock(this.#api, this.#begin('releaseLock'), id, lockToken)
  }

  /** Aborts requests in flight (they fail with `ClosedError`); later calls fail the same way. */
  async close(): Promise<void> {
    this.#closing.abort(new ClosedError('ZeroDB store'))
  }
}
