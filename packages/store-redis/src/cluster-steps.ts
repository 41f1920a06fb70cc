import type { InsertOptions, InsertResult, PurgeOptions, SessionRecord, SessionRef } from '@sessionkit/core'
import {
  deleteCall,
  getCall,
  insertCall,
  purgeCall,
  userIndexAddCall,
  userIndexRangeCall,
  userIndexRemoveCall,
  type KeyLayout,
  type RedisCall,
} from '@sessionkit/redis-scripts'

/** Sends one call, bounded and with typed errors (the store's own sender). */
export type Send = <R>(call: RedisCall<R>, operation: string) => Promise<R>

/**
 * A user index entry whose session is missing is pruned only once it is this old (by its
 * createdAt score): a younger one may belong to an insert whose index step ran and whose
 * session step has not yet (the two are separate commands on Cluster).
 */
export const PRUNE_GRACE_MS = 60_000

/**
 * The operations whose keys span two slots on Redis Cluster (a session bucket and a user index),
 * as ordered steps. Each step is one single-slot call; the order makes a failure between two
 * steps leave only a dangling user index entry, which readers prune:
 * - insert: index entry first, then the session;
 * - delete, deleteByUser, purge: the session first, then the index entry.
 */
export class ClusterSteps {
  constructor(
    private readonly keys: KeyLayout,
    private readonly send: Send,
  ) {}

  async insert(record: SessionRecord, options: InsertOptions): Promise<InsertResult> {
    const userId = record.userId
    if (userId !== null) await this.send(userIndexAddCall(this.keys, { ...record, userId }), 'insert')
    const result = await this.send(insertCall(this.keys, record, options, 'cluster'), 'insert')
    if (result.status !== 'ok' || userId === null) return result
    const deviceId = record.deviceId
    // Right after the insert, not atomic with it (the sessions live in other slots); before the
    // limit, so a replaced session never makes it evict another device's.
    const replaced = options.replaceDevice && deviceId != null ? await this.replaceDevice(userId, deviceId, record.id, options.now) : undefined
    const evicted = options.maxPerUser ? await this.enforceLimit(userId, record.id, options.maxPerUser, options.now) : result.evicted
    return replaced ? { status: 'ok', evicted, replaced } : { status: 'ok', evicted }
  }

  /** Deletes the user's live sessions on `deviceId`, never `keepId`; returns what it removed. */
  private async replaceDevice(userId: string, deviceId: string, keepId: string, now: number): Promise<SessionRef[]> {
    const live = await this.listByUser(userId, now)
    const victims = live.filter((r) => r.id !== keepId && r.deviceId === deviceId)
    const removed = await Promise.all(victims.map((r) => this.delete(r.id)))
    return removed.filter((ref): ref is SessionRef => ref !== null)
  }

  /** Deletes the oldest live sessions beyond `max`, never `keepId`; returns what it removed. */
  private async enforceLimit(userId: string, keepId: string, max: number, now: number): Promise<SessionRef[]> {
    const live = await this.listByUser(userId, now)
    const victims = live.filter((r) => r.id !== keepId).slice(Math.max(0, max - 1))
    const removed = await Promise.all(victims.map((r) => this.delete(r.id)))
    return removed.filter((ref): ref is SessionRef => ref !== null)
  }

  async delete(id: string): Promise<SessionRef | null> {
    const ref = await this.send(deleteCall(this.keys, id, 'cluster'), 'delete')
    if (ref?.userId != null) await this.send(userIndexRemoveCall(this.keys, ref.userId, [id]), 'delete')
    return ref
  }

  async listByUser(userId: string, now: number): Promise<SessionRecord[]> {
    const entries = await this.send(userIndexRangeCall(this.keys, userId), 'listByUser')
    if (entries.length === 0) return []
    // Every hash, expired or not, to tell "expired" (prune now) from "missing" (prune when stale).
    const records = await Promise.all(entries.map(({ id }) => this.send(getCall(this.keys, id, -Infinity), 'listByUser')))
    const live: SessionRecord[] = []
    const dead: string[] = []
    records.forEach((record, i) => {
      const entry = entries[i]!
      if (record && record.expiresAt > now) live.push(record)
      else if (record || entry.createdAt <= now - PRUNE_GRACE_MS) dead.push(entry.id)
    })
    if (dead.length > 0) await this.send(userIndexRemoveCall(this.keys, userId, dead), 'listByUser')
    return live
  }

  async deleteByUser(userId: string, exceptId?: string): Promise<SessionRef[]> {
    const ids = (await this.send(userIndexRangeCall(this.keys, userId), 'deleteByUser'))
      .map((entry) => entry.id)
      .filter((id) => id !== exceptId)
    if (ids.length === 0) return []
    const refs = await Promise.all(ids.map((id) => this.send(deleteCall(this.keys, id, 'cluster'), 'deleteByUser')))
    await this.send(userIndexRemoveCall(this.keys, userId, ids), 'deleteByUser')
    return refs.filter((ref): ref is SessionRef => ref !== null)
  }

  async purgeExpired(options: PurgeOptions): Promise<SessionRef[]> {
    const limit = options.limit ?? 1000
    const removed: SessionRef[] = []
    // One bucket (one slot) per call, until the batch is full.
    for (let bucket = 0; bucket < this.keys.buckets && removed.length < limit; bucket++) {
      const batch = { now: options.now, limit: limit - removed.length }
      removed.push(...(await this.send(purgeCall(this.keys, batch, 'cluster', [bucket]), 'purgeExpired')))
    }
    const byUser = new Map<string, string[]>()
    for (const ref of removed) if (ref.userId !== null) byUser.set(ref.userId, [...(byUser.get(ref.userId) ?? []), ref.id])
    await Promise.all([...byUser].map(([userId, ids]) => this.send(userIndexRemoveCall(this.keys, userId, ids), 'purgeExpired')))
    return removed
  }
}
