import {
  ClosedError,
  StoreError,
  slidExpiry,
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
  type StoreRemoval,
  type TouchOptions,
} from '@sessionkit/core'
import { ExpiryHeap } from './expiry-heap'
import { LockTable } from './lock-table'
import { LruList, type LruNode } from './lru-list'
import {
  parseMemoryStoreOptions,
  type MemoryStoreEvent,
  type MemoryStoreListener,
  type MemoryStoreOptions,
  type ResolvedMemoryStoreOptions,
} from './options'

/**
 * A stored session: the record's fields, held on the entry itself (owned by the store, never
 * handed out), plus its index links. One object per session rather than an entry pointing at a
 * record: a read follows one pointer fewer, which shows once the sessions outgrow the CPU cache.
 */
interface Entry extends LruNode {
  readonly id: string
  readonly userId: string | null
  payload: string
  readonly createdAt: number
  lastAccessedAt: number
  expiresAt: number
  absoluteExpiresAt: number | null
  version: number
  /** Always present (`null` without a device) so every entry has one shape. */
  readonly deviceId: string | null
  /** Insertion sequence: the stable scan order and the scan cursor. */
  seq: number
  /** Deadline of this entry's current expiry-heap item (always <= expiresAt). */
  indexedAt: number
  /** Generation of the current heap item; older items of this entry are stale. */
  generation: number
  removed: boolean
  newer: Entry | null
  older: Entry | null
}

/** What `stats()` reports. */
export interface MemoryStoreStats {
  /** Sessions held, expired-but-not-yet-purged included. */
  sessions: number
  /** Users with at least one session held. */
  users: number
  /** Locks held (some may have passed their ttl and not been swept yet). */
  locks: number
  /** Items in the expiry index, stale ones included (compacted when it outgrows 2× sessions). */
  expiryIndexSize: number
  /** Expiry-index items purges have examined since creation: cleanup work, not a scan of all sessions. */
  expiryIndexVisits: number
}

const CAPABILITIES: StoreCapabilities = Object.freeze({
  nativeExpiry: false,
  atomicInsert: true,
  atomicUserLimit: true,
  distributedLocks: false,
  atomicDeviceReplace: true,
})

/** Open scan iterators kept so the next page resumes in O(1); older cursors fall back to a skip. */
const MAX_OPEN_CURSORS = 16
/** Entries one scan page may examine, so a page of a mostly-expired store stays cheap. */
const MIN_SCAN_VISITS = 1000

/**
 * The copy of a stored record a caller gets, usually dropped by the end of its request. Keep it
 * the only place that builds one, and never build stored entries through it: V8 decides per
 * allocation site whether to allocate straight into the old generation (pretenuring), and the
 * stored entries, which survive, would teach the site to do that. When reads and inserts shared
 * one copy function, every `get` and `touch` allocated its short-lived copy in the old
 * generation, freed only by full GCs: measured, that alone made a touch cost about 1.5x an
 * lru-cache get (TTL, updateAgeOnGet).
 */
function handOut(r: SessionRecord): SessionRecord {
  // A literal with a fixed key order: one allocation, one hidden class for every copy.
  const out: SessionRecord = {
    id: r.id,
    userId: r.userId,
    payload: r.payload,
    createdAt: r.createdAt,
    lastAccessedAt: r.lastAccessedAt,
    expiresAt: r.expiresAt,
    absoluteExpiresAt: r.absoluteExpiresAt,
    version: r.version,
  }
  // Only records with a device carry the field, so records without one read back unchanged.
  if (r.deviceId != null) out.deviceId = r.deviceId
  return out
}

function ref(r: SessionRef): SessionRef {
  return { id: r.id, userId: r.userId }
}

/**
 * The in-process session store: a Map of records with an LRU bound, an expiry index (a
 * min-heap with lazy invalidation) so cleanup never walks live sessions, a per-user index,
 * and process-local locks. Every operation is synchronous work behind one resolved promise.
 * Records are copied on the way in and out, so callers can never change what is stored.
 * @example
 * const store = new MemoryStore({ maxSessions: 50_000 })
 * store.on('evicted', ({ id, userId }) => console.log('evicted', id, userId))
 * const sessions = new SessionManager({ store, expiration: { strategy: 'sliding', ttl: 1800 } })
 */
export class MemoryStore implements SessionStore {
  readonly name = 'memory'
  readonly capabilities: StoreCapabilities = CAPABILITIES

  readonly #options: ResolvedMemoryStoreOptions
  readonly #records = new Map<string, Entry>()
  readonly #users = new Map<string, Set<Entry>>()
  readonly #lru = new LruList<Entry>()
  readonly #heap = new ExpiryHeap<Entry>()
  readonly #locks: LockTable
  readonly #cursors = new Map<string, Iterator<Entry>>()
  readonly #listeners: Record<MemoryStoreEvent, Set<MemoryStoreListener>> = { evicted: new Set(), expired: new Set() }
  readonly #clock: () => number
  #seq = 0
  #sweep: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: MemoryStoreOptions = {}) {
    this.#options = parseMemoryStoreOptions(options)
    this.#clock = this.#options.now ?? Date.now
    this.#locks = new LockTable(this.#clock)
    if (this.#options.onEvict) this.#listeners.evicted.add(this.#options.onEvict)
    if (this.#options.sweepIntervalMs > 0) {
      this.#sweep = setInterval(() => this.#sweepNow(), this.#options.sweepIntervalMs)
      this.#sweep.unref()
    }
  }

  /**
   * Listens for sessions the store removes on its own: `evicted` (a live session dropped to
   * respect `maxSessions`) and `expired` (an expired session dropped to make room or by the
   * background sweep). Sessions removed through the contract (`delete`, `purgeExpired`...) are
   * reported by their return values instead. A throwing listener is ignored. Returns an
   * unsubscribe function.
   * @example const off = store.on('evicted', ({ id }) => metrics.increment('session.evicted'))
   */
  on(event: MemoryStoreEvent, listener: MemoryStoreListener): () => void {
    this.#listeners[event].add(listener)
    return () => this.off(event, listener)
  }

  /**
   * The contract's optional hook: the SessionManager subscribes here and turns each removal
   * into its own `evicted` (`reason: 'capacity'`) or `expired` event. Returns an unsubscribe.
   * @example const stop = store.watchRemovals(({ id, reason }) => console.log(id, reason))
   */
  watchRemovals(listener: (removal: StoreRemoval) => void): () => void {
    const offEvicted = this.on('evicted', listener)
    const offExpired = this.on('expired', listener)
    return () => {
      offEvicted()
      offExpired()
    }
  }

  /** Removes a listener added with {@link MemoryStore.on}. */
  off(event: MemoryStoreEvent, listener: MemoryStoreListener): void {
    this.#listeners[event].delete(listener)
  }

  /** Sessions held right now (expired ones not yet purged included). */
  get size(): number {
    return this.#records.size
  }

  /**
   * Counters for dashboards and tests.
   * @example store.stats().sessions
   */
  stats(): MemoryStoreStats {
    return {
      sessions: this.#records.size,
      users: this.#users.size,
      locks: this.#locks.size,
      expiryIndexSize: this.#heap.size,
      expiryIndexVisits: this.#heap.pops,
    }
  }

  insert(record: SessionRecord, options: InsertOptions): Promise<InsertResult> {
    if (this.#closed) return this.#rejectClosed('insert')
    if (this.#records.has(record.id)) return Promise.resolve({ status: 'exists' })
    const evicted: SessionRef[] = []
    const { maxPerUser, now } = options
    // Before the limit, so a replaced session never makes the limit evict another device's.
    const replaced = options.replaceDevice ? this.#removeDevice(record, now) : undefined
    if (record.userId !== null && maxPerUser !== undefined) {
      const mine = this.#users.get(record.userId)
      if (mine && mine.size >= maxPerUser) {
        const live: Entry[] = []
        for (const entry of mine) if (entry.expiresAt > now) live.push(entry)
        // Capped at what exists: a maxPerUser of 0 would otherwise ask for one more than there is.
        const excess = Math.min(live.length, live.length + 1 - maxPerUser)
        if (excess > 0) {
          live.sort((a, b) => a.createdAt - b.createdAt)
          for (let i = 0; i < excess; i++) {
            this.#remove(live[i]!)
            evicted.push(ref(live[i]!))
          }
        }
      }
    }
    // The store's own copy of the record, taken field by field: the caller's object stays theirs.
    const entry: Entry = {
      id: record.id,
      userId: record.userId,
      payload: record.payload,
      createdAt: record.createdAt,
      lastAccessedAt: record.lastAccessedAt,
      expiresAt: record.expiresAt,
      absoluteExpiresAt: record.absoluteExpiresAt,
      version: record.version,
      deviceId: record.deviceId ?? null,
      seq: ++this.#seq,
      indexedAt: record.expiresAt,
      generation: 0,
      removed: false,
      newer: null,
      older: null,
    }
    this.#records.set(record.id, entry)
    this.#lru.pushNewest(entry)
    this.#heap.push(entry.indexedAt, entry, entry.generation)
    if (record.userId !== null) {
      let mine = this.#users.get(record.userId)
      if (!mine) this.#users.set(record.userId, (mine = new Set()))
      mine.add(entry)
    }
    if (this.#records.size > this.#options.maxSessions) this.#makeRoom(now)
    this.#compactIfBloated()
    return Promise.resolve(replaced ? { status: 'ok', evicted, replaced } : { status: 'ok', evicted })
  }

  get(id: string, now: number): Promise<SessionRecord | null> {
    if (this.#closed) return this.#rejectClosed('get')
    const entry = this.#records.get(id)
    if (entry === undefined || entry.expiresAt <= now) return Promise.resolve(null)
    this.#lru.touch(entry)
    return Promise.resolve(handOut(entry))
  }

  touch(id: string, options: TouchOptions): Promise<SessionRecord | null> {
    if (this.#closed) return this.#rejectClosed('touch')
    const entry = this.#records.get(id)
    const now = options.now
    if (entry === undefined || entry.expiresAt <= now) return Promise.resolve(null)
    if (now - entry.lastAccessedAt >= options.touchAfterMs) {
      entry.lastAccessedAt = now
      entry.expiresAt = slidExpiry(entry, now, options.idleTtlMs)
      entry.version += 1
      // Later deadlines are left to the lazy index; only an earlier one needs a new item.
      if (entry.expiresAt < entry.indexedAt) this.#reindex(entry)
    }
    this.#lru.touch(entry)
    return Promise.resolve(handOut(entry))
  }

  replace(record: SessionRecord, expectedVersion: number, now: number): Promise<ReplaceResult> {
    if (this.#closed) return this.#rejectClosed('replace')
    const entry = this.#records.get(record.id)
    if (entry === undefined || entry.expiresAt <= now) return Promise.resolve({ status: 'missing' })
    if (entry.version !== expectedVersion) return Promise.resolve({ status: 'conflict', current: handOut(entry) })
    // userId, createdAt and deviceId are immutable (the user index, the limits and replaceDevice
    // read them), so they are kept; the id is the key the entry was found by.
    entry.payload = record.payload
    entry.lastAccessedAt = record.lastAccessedAt
    entry.expiresAt = record.expiresAt
    entry.absoluteExpiresAt = record.absoluteExpiresAt
    entry.version = record.version
    if (entry.expiresAt < entry.indexedAt) this.#reindex(entry)
    this.#lru.touch(entry)
    return Promise.resolve({ status: 'ok' })
  }

  delete(id: string): Promise<SessionRef | null> {
    if (this.#closed) return this.#rejectClosed('delete')
    const entry = this.#records.get(id)
    if (entry === undefined) return Promise.resolve(null)
    this.#remove(entry)
    this.#compactIfBloated()
    return Promise.resolve(ref(entry))
  }

  listByUser(userId: string, now: number): Promise<SessionRecord[]> {
    if (this.#closed) return this.#rejectClosed('listByUser')
    const mine = this.#users.get(userId)
    const out: SessionRecord[] = []
    if (mine) for (const entry of mine) if (entry.expiresAt > now) out.push(handOut(entry))
    out.sort((a, b) => b.createdAt - a.createdAt)
    return Promise.resolve(out)
  }

  deleteByUser(userId: string, options: { exceptId?: string } = {}): Promise<SessionRef[]> {
    if (this.#closed) return this.#rejectClosed('deleteByUser')
    const mine = this.#users.get(userId)
    const removed: SessionRef[] = []
    if (mine) {
      for (const entry of [...mine]) {
        if (entry.id === options.exceptId) continue
        this.#remove(entry)
        removed.push(ref(entry))
      }
    }
    this.#compactIfBloated()
    return Promise.resolve(removed)
  }

  scan(options: ScanOptions): Promise<ScanPage> {
    if (this.#closed) return this.#rejectClosed('scan')
    const { now, includeExpired = false } = options
    // A page of at least one record, so a caller passing 0 still makes progress.
    const limit = Math.max(1, Math.floor(options.limit) || 1)
    const cursor = options.cursor ?? null
    let iterator: Iterator<Entry>
    let after = 0
    if (cursor === null) iterator = this.#records.values()
    else {
      if (!/^\d+$/.test(cursor)) return Promise.reject(new StoreError(this.name, 'scan cursor is not one this store issued', { operation: 'scan' }))
      after = Number(cursor)
      const open = this.#cursors.get(cursor)
      this.#cursors.delete(cursor)
      iterator = open ?? this.#records.values()
    }
    const records: SessionRecord[] = []
    const maxVisits = Math.max(limit * 10, MIN_SCAN_VISITS)
    let last = after
    let visits = 0
    for (;;) {
      if (records.length >= limit || visits >= maxVisits) {
        // Map iterators stay valid while entries come and go, so the next page resumes here.
        const next = String(last)
        this.#cursors.set(next, iterator)
        if (this.#cursors.size > MAX_OPEN_CURSORS) this.#cursors.delete(this.#cursors.keys().next().value!)
        return Promise.resolve({ records, cursor: next })
      }
      const step = iterator.next()
      if (step.done) return Promise.resolve({ records, cursor: null })
      const entry = step.value
      // A fallback iterator (cursor no longer open) starts over: skip what earlier pages covered.
      if (entry.seq <= after) continue
      visits++
      last = entry.seq
      if (includeExpired || entry.expiresAt > now) records.push(handOut(entry))
    }
  }

  purgeExpired(options: PurgeOptions): Promise<SessionRef[]> {
    if (this.#closed) return this.#rejectClosed('purgeExpired')
    const removed = this.#purge(options.now, options.limit ?? Infinity)
    this.#locks.sweep()
    return Promise.resolve(removed)
  }

  acquireLock(id: string, options: LockOptions): Promise<string | null> {
    if (this.#closed) return this.#rejectClosed('acquireLock')
    return Promise.resolve(this.#locks.acquire(id, options.ttlMs))
  }

  releaseLock(id: string, lockToken: string): Promise<boolean> {
    if (this.#closed) return this.#rejectClosed('releaseLock')
    return Promise.resolve(this.#locks.release(id, lockToken))
  }

  /** Stops the sweep timer and drops every session and lock. Safe to call twice. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    this.#closed = true
    clearInterval(this.#sweep)
    this.#records.clear()
    this.#users.clear()
    this.#lru.clear()
    this.#heap.clear()
    this.#cursors.clear()
    this.#locks.clear()
    return Promise.resolve()
  }

  /**
   * TEST BACKDOOR, not for application code: every key and value the store holds, as strings
   * (`session:<id>` and the record as JSON, `user:<userId>` and its session ids, `lock:<id>` and
   * its owner token). It lets the conformance suite check what is kept in memory, e.g. that no
   * token or plaintext data is held. It copies everything: never call it on a request path.
   * @example runStoreConformance('memory', () => new MemoryStore(), { rawDump: ({ store }) => (store as MemoryStore).dumpForTesting() })
   */
  dumpForTesting(): string[] {
    const out: string[] = []
    for (const [id, entry] of this.#records) out.push(`session:${id}`, JSON.stringify(handOut(entry)))
    for (const [userId, entries] of this.#users) out.push(`user:${userId}`, ...[...entries].map((e) => e.id))
    for (const [id, token] of this.#locks.entries()) out.push(`lock:${id}`, token)
    return out
  }

  /** Removes an entry from every index; its heap items go stale and are skipped or compacted. */
  #remove(entry: Entry): void {
    entry.removed = true
    this.#records.delete(entry.id)
    this.#lru.remove(entry)
    const userId = entry.userId
    if (userId !== null) {
      const mine = this.#users.get(userId)
      if (mine) {
        mine.delete(entry)
        if (mine.size === 0) this.#users.delete(userId)
      }
    }
  }

  /** Removes the user's live sessions on the record's device (replaceDevice); returns them. */
  #removeDevice(record: SessionRecord, now: number): SessionRef[] {
    const replaced: SessionRef[] = []
    if (record.userId === null || record.deviceId == null) return replaced
    const mine = this.#users.get(record.userId)
    if (!mine) return replaced
    // Collected first: #remove changes the set being walked.
    const victims: Entry[] = []
    for (const entry of mine) if (entry.deviceId === record.deviceId && entry.expiresAt > now) victims.push(entry)
    for (const entry of victims) {
      this.#remove(entry)
      replaced.push(ref(entry))
    }
    return replaced
  }

  /** Gives the entry a new current heap item at its (earlier) deadline. */
  #reindex(entry: Entry): void {
    entry.indexedAt = entry.expiresAt
    this.#heap.push(entry.indexedAt, entry, ++entry.generation)
  }

  /**
   * Pops due heap items only. A stale item (removed entry, or an older generation) is dropped;
   * the current item of an entry that was touched since is pushed again at its new deadline.
   */
  #purge(now: number, limit: number): SessionRef[] {
    const removed: SessionRef[] = []
    const visit = (_time: number, entry: Entry, generation: number) => {
      if (entry.removed || generation !== entry.generation) return
      if (entry.expiresAt <= now) {
        this.#remove(entry)
        removed.push(ref(entry))
      } else this.#reindex(entry)
    }
    while (removed.length < limit && this.#heap.peekTime() <= now) this.#heap.pop(visit)
    return removed
  }

  /** Over capacity: drop an expired session if one is due, else the least recently used. */
  #makeRoom(now: number): void {
    while (this.#records.size > this.#options.maxSessions) {
      const [expired] = this.#purge(now, 1)
      if (expired) {
        this.#emit('expired', { ...expired, reason: 'expired' })
        continue
      }
      const oldest = this.#lru.oldest
      if (!oldest) return
      this.#remove(oldest)
      this.#emit('evicted', { ...ref(oldest), reason: 'capacity' })
    }
  }

  /** Rebuilds the expiry index when stale items outnumber live sessions (many deletes, few purges). */
  #compactIfBloated(): void {
    if (this.#heap.size <= 2 * this.#records.size + 1024) return
    this.#heap.clear()
    for (const entry of this.#records.values()) this.#reindex(entry)
  }

  #sweepNow(): void {
    if (this.#closed) return
    for (const expired of this.#purge(this.#clock(), Infinity)) this.#emit('expired', { ...expired, reason: 'expired' })
    this.#locks.sweep()
  }

  #emit(event: MemoryStoreEvent, removal: Parameters<MemoryStoreListener>[0]): void {
    for (const listener of this.#listeners[event]) {
      try {
        listener(removal)
      } catch {
        // A listener's failure must not break the insert that made room.
      }
    }
  }

  #rejectClosed(operation: string): Promise<never> {
    return Promise.reject(new ClosedError('MemoryStore', { operation }))
  }
}
