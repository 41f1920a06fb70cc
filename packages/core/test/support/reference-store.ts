import { randomUUID } from 'node:crypto'
import {
  isLive,
  slidExpiry,
  type InsertOptions,
  type InsertResult,
  type PurgeOptions,
  type ReplaceResult,
  type ScanOptions,
  type ScanPage,
  type SessionRecord,
  type SessionRef,
  type SessionStore,
  type StoreRemoval,
  type TouchOptions,
} from '../../src'

/**
 * The simplest correct store, for core's own tests (core cannot depend on store-memory, which
 * depends on core). Each method yields to the event loop first, so concurrent callers really
 * interleave as they would over a network. `calls` counts every store call.
 */
export class ReferenceStore implements SessionStore {
  readonly name = 'reference'
  readonly capabilities: SessionStore['capabilities']
  readonly records = new Map<string, SessionRecord>()
  readonly locks = new Map<string, { token: string; until: number }>()
  calls = 0
  closed = false
  /** Set by tests to play a store that drops sessions on its own. */
  removalListener: ((removal: StoreRemoval) => void) | null = null

  /** `atomicDeviceReplace: true` plays a store that replaces devices inside its insert. */
  constructor(options: { atomicDeviceReplace?: boolean } = {}) {
    this.capabilities = { nativeExpiry: false, atomicInsert: true, atomicUserLimit: true, distributedLocks: false, ...options }
  }

  watchRemovals(listener: (removal: StoreRemoval) => void): () => void {
    this.removalListener = listener
    return () => {
      this.removalListener = null
    }
  }

  private async tick(): Promise<void> {
    this.calls++
    await new Promise<void>((resolve) => setImmediate(resolve))
  }

  private live(id: string, now: number): SessionRecord | null {
    const r = this.records.get(id)
    return r && isLive(r, now) ? r : null
  }

  async insert(record: SessionRecord, options: InsertOptions): Promise<InsertResult> {
    await this.tick()
    if (this.records.has(record.id)) return { status: 'exists' }
    this.records.set(record.id, { ...record })
    // replaceDevice in the same synchronous step as the insert (atomic), before the limit.
    let replaced: SessionRef[] | undefined
    if (options.replaceDevice && record.userId !== null && record.deviceId != null) {
      replaced = []
      for (const r of [...this.records.values()]) {
        if (r.id === record.id || r.userId !== record.userId || r.deviceId !== record.deviceId || !isLive(r, options.now)) continue
        this.records.delete(r.id)
        replaced.push({ id: r.id, userId: r.userId })
      }
    }
    const evicted: SessionRef[] = []
    if (record.userId !== null && options.maxPerUser !== undefined) {
      const mine = [...this.records.values()]
        .filter((r) => r.userId === record.userId && isLive(r, options.now))
        .sort((a, b) => a.createdAt - b.createdAt)
      while (mine.length > options.maxPerUser) {
        const oldest = mine.shift()!
        this.records.delete(oldest.id)
        evicted.push({ id: oldest.id, userId: oldest.userId })
      }
    }
    return replaced ? { status: 'ok', evicted, replaced } : { status: 'ok', evicted }
  }

  async get(id: string, now: number): Promise<SessionRecord | null> {
    await this.tick()
    const r = this.live(id, now)
    return r ? { ...r } : null
  }

  async touch(id: string, o: TouchOptions): Promise<SessionRecord | null> {
    await this.tick()
    const r = this.live(id, o.now)
    if (!r) return null
    if (o.now - r.lastAccessedAt >= o.touchAfterMs) {
      r.expiresAt = slidExpiry(r, o.now, o.idleTtlMs)
      r.lastAccessedAt = o.now
      r.version++
    }
    return { ...r }
  }

  async replace(record: SessionRecord, expectedVersion: number, now: number): Promise<ReplaceResult> {
    await this.tick()
    const r = this.live(record.id, now)
    if (!r) return { status: 'missing' }
    if (r.version !== expectedVersion) return { status: 'conflict', current: { ...r } }
    this.records.set(record.id, { ...record, userId: r.userId, createdAt: r.createdAt })
    return { status: 'ok' }
  }

  async delete(id: string): Promise<SessionRef | null> {
    await this.tick()
    const r = this.records.get(id)
    if (!r) return null
    this.records.delete(id)
    return { id, userId: r.userId }
  }

  async listByUser(userId: string, now: number): Promise<SessionRecord[]> {
    await this.tick()
    return [...this.records.values()]
      .filter((r) => r.userId === userId && isLive(r, now))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((r) => ({ ...r }))
  }

  async deleteByUser(userId: string, options: { exceptId?: string } = {}): Promise<SessionRef[]> {
    await this.tick()
    const removed: SessionRef[] = []
    for (const r of [...this.records.values()]) {
      if (r.userId === userId && r.id !== options.exceptId) {
        this.records.delete(r.id)
        removed.push({ id: r.id, userId })
      }
    }
    return removed
  }

  async scan(o: ScanOptions): Promise<ScanPage> {
    await this.tick()
    const all = [...this.records.values()].filter((r) => o.includeExpired || isLive(r, o.now)).sort((a, b) => (a.id < b.id ? -1 : 1))
    const start = o.cursor ? all.findIndex((r) => r.id > o.cursor!) : 0
    const page = start < 0 ? [] : all.slice(start, start + o.limit)
    const last = page.at(-1)
    return { records: page.map((r) => ({ ...r })), cursor: page.length === o.limit && last ? last.id : null }
  }

  async purgeExpired(o: PurgeOptions): Promise<SessionRef[]> {
    await this.tick()
    const removed: SessionRef[] = []
    for (const r of [...this.records.values()]) {
      if (o.limit !== undefined && removed.length >= o.limit) break
      if (!isLive(r, o.now)) {
        this.records.delete(r.id)
        removed.push({ id: r.id, userId: r.userId })
      }
    }
    return removed
  }

  async acquireLock(id: string, o: { ttlMs: number }): Promise<string | null> {
    await this.tick()
    const held = this.locks.get(id)
    if (held && held.until > Date.now()) return null
    const token = randomUUID()
    this.locks.set(id, { token, until: Date.now() + o.ttlMs })
    return token
  }

  async releaseLock(id: string, token: string): Promise<boolean> {
    await this.tick()
    if (this.locks.get(id)?.token !== token) return false
    this.locks.delete(id)
    return true
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

/** A clock tests move by hand. */
export function fakeClock(start = 1_700_000_000_000) {
  let t = start
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms
    },
    set: (ms: number) => {
      t = ms
    },
  }
}
