import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sessionIdFromToken, slidExpiry, type SessionRecord, type SessionRef, type SessionStore } from '@sessionkit/core'
import { FakeClock } from './clock'
import { scanEverything, useHarness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { MINUTE, sortIds, sortRefs } from './records'

/** Default runs of the model-based test; see {@link ConformanceOptions.modelRuns}. */
export const DEFAULT_MODEL_RUNS = 30
/** Default seed of the model-based test; see {@link ConformanceOptions.modelSeed}. */
export const DEFAULT_MODEL_SEED = 20260401

const SLOTS = 6
const USERS = ['model-user-0', 'model-user-1', 'model-user-2'] as const
/** Fixed, well-formed ids, so a failing sequence reproduces with the same ids. */
const IDS = Array.from({ length: SLOTS }, (_, i) => sessionIdFromToken(`sessionkit-conformance-model-${i}`))

/** One step of a generated sequence. */
export type ModelOp =
  | { op: 'insert'; slot: number; user: number | null; ttl: number; absolute: number | null; maxPerUser: number | null }
  | { op: 'get'; slot: number }
  | { op: 'touch'; slot: number; idle: number | null; touchAfter: number }
  | { op: 'replace'; slot: number; skew: -1 | 0 | 1; ttl: number }
  | { op: 'delete'; slot: number }
  | { op: 'deleteByUser'; user: number; except: number | null }
  | { op: 'advance'; ms: number }
  | { op: 'purge'; limit: number | null }
  | { op: 'list'; user: number }
  | { op: 'scan'; limit: number }

const slot = fc.integer({ min: 0, max: SLOTS - 1 })
const user = fc.integer({ min: 0, max: USERS.length - 1 })
const ttl = fc.constantFrom(MINUTE, 5 * MINUTE, 30 * MINUTE, 90_000)

/**
 * The generator of operations, weighted towards writes and the clock.
 * @example fc.sample(modelOp, 5)
 */
export const modelOp: fc.Arbitrary<ModelOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), slot, user: fc.option(user, { nil: null }), ttl, absolute: fc.option(fc.constantFrom(2 * MINUTE, 45 * MINUTE), { nil: null }), maxPerUser: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('get' as const), slot }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('touch' as const), slot, idle: fc.option(fc.constantFrom(MINUTE, 10 * MINUTE), { nil: null }), touchAfter: fc.constantFrom(0, 30_000, MINUTE) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), slot, skew: fc.constantFrom(-1 as const, 0 as const, 0 as const, 1 as const), ttl }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), slot }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteByUser' as const), user, except: fc.option(slot, { nil: null }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(1000, 30_000, MINUTE - 1, MINUTE, 5 * MINUTE, 31 * MINUTE) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('purge' as const), limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('list' as const), user }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('scan' as const), limit: fc.integer({ min: 1, max: 4 }) }) },
)

/**
 * The reference: a plain map of records with the contract's rules written as simply as
 * possible. An expired record may or may not still be held by a store (until purged, or
 * until its native TTL drops it), so operations on expired records accept either answer.
 */
export class ReferenceModel {
  /** Every record the store may hold, by id (expired ones until they are known to be gone). */
  readonly records = new Map<string, SessionRecord>()

  /**
   * The records a store must show at `now`.
   * @example model.live(clock.now()).length
   */
  live(now: number): SessionRecord[] {
    return [...this.records.values()].filter((r) => r.expiresAt > now)
  }

  /** What `listByUser(userId, now)` must answer: the user's live records, newest first. */
  liveOf(userId: string, now: number): SessionRecord[] {
    return this.live(now)
      .filter((r) => r.userId === userId)
      .sort((a, b) => b.createdAt - a.createdAt)
  }

  /** True when the model holds `id` but it has expired at `now` (a store may or may not still hold it). */
  isExpired(id: string, now: number): boolean {
    const record = this.records.get(id)
    return record !== undefined && record.expiresAt <= now
  }
}

function ref(record: SessionRecord): SessionRef {
  return { id: record.id, userId: record.userId }
}

/**
 * Runs one operation against the store and the model, asserting they agree.
 * @example for (const [seq, op] of ops.entries()) await step(store, model, clock, op, seq)
 */
export async function step(store: SessionStore, model: ReferenceModel, clock: FakeClock, op: ModelOp, seq: number): Promise<void> {
  // Every step moves time a little, so createdAt values are distinct and orders are defined.
  const now = clock.advance(1)
  switch (op.op) {
    case 'insert': {
      const id = IDS[op.slot]!
      const userId = op.user === null ? null : USERS[op.user]!
      const record: SessionRecord = {
        id,
        userId,
        payload: JSON.stringify({ seq }),
        createdAt: now,
        lastAccessedAt: now,
        expiresAt: now + op.ttl,
        absoluteExpiresAt: op.absolute === null ? null : now + Math.max(op.absolute, op.ttl),
        version: 1,
      }
      const existing = model.records.get(id)
      const result = await store.insert(record, { now, ...(op.maxPerUser === null ? {} : { maxPerUser: op.maxPerUser }) })
      if (existing && existing.expiresAt > now) {
        expect(result, 'insert of a live id').toEqual({ status: 'exists' })
        return
      }
      if (existing && result.status === 'exists') return // expired but not yet purged: allowed
      expect(result.status, 'insert of a new id').toBe('ok')
      model.records.delete(id)
      let evicted: SessionRecord[] = []
      if (userId !== null && op.maxPerUser !== null) {
        const others = model.liveOf(userId, now).reverse() // oldest first
        evicted = others.slice(0, Math.max(0, others.length + 1 - op.maxPerUser))
      }
      expect(sortRefs(result.status === 'ok' ? result.evicted : []), 'evicted by maxPerUser').toEqual(sortRefs(evicted.map(ref)))
      for (const gone of evicted) model.records.delete(gone.id)
      model.records.set(id, record)
      return
    }
    case 'get': {
      const id = IDS[op.slot]!
      const expected = model.records.get(id)
      expect(await store.get(id, now), 'get').toEqual(expected && expected.expiresAt > now ? expected : null)
      return
    }
    case 'touch': {
      const id = IDS[op.slot]!
      const current = model.records.get(id)
      const result = await store.touch(id, { now, idleTtlMs: op.idle, touchAfterMs: op.touchAfter })
      if (!current || current.expiresAt <= now) {
        expect(result, 'touch of an absent or expired record').toBeNull()
        return
      }
      if (now - current.lastAccessedAt >= op.touchAfter) {
        model.records.set(id, { ...current, lastAccessedAt: now, expiresAt: slidExpiry(current, now, op.idle), version: current.version + 1 })
      }
      expect(result, 'touch').toEqual(model.records.get(id))
      return
    }
    case 'replace': {
      const id = IDS[op.slot]!
      const current = model.records.get(id)
      const base: SessionRecord = current ?? { id, userId: USERS[0], payload: '', createdAt: now, lastAccessedAt: now, expiresAt: now, absoluteExpiresAt: null, version: 1 }
      const expectedVersion = base.version + op.skew
      const expiresAt = base.absoluteExpiresAt === null ? now + op.ttl : Math.min(now + op.ttl, base.absoluteExpiresAt)
      const next: SessionRecord = { ...base, payload: JSON.stringify({ seq, replaced: true }), lastAccessedAt: now, expiresAt, version: expectedVersion + 1 }
      const result = await store.replace(next, expectedVersion, now)
      if (!current || current.expiresAt <= now) expect(result, 'replace of an absent or expired record').toEqual({ status: 'missing' })
      else if (op.skew !== 0) expect(result, 'replace with a wrong version').toEqual({ status: 'conflict', current })
      else {
        expect(result, 'replace').toEqual({ status: 'ok' })
        model.records.set(id, next)
      }
      return
    }
    case 'delete': {
      const id = IDS[op.slot]!
      const current = model.records.get(id)
      const result = await store.delete(id)
      if (!current) expect(result, 'delete of an absent record').toBeNull()
      else if (current.expiresAt > now) expect(result, 'delete').toEqual(ref(current))
      else if (result !== null) expect(result, 'delete of an expired record').toEqual(ref(current))
      model.records.delete(id)
      return
    }
    case 'deleteByUser': {
      const userId = USERS[op.user]!
      const exceptId = op.except === null ? undefined : IDS[op.except]!
      const result = await store.deleteByUser(userId, exceptId === undefined ? {} : { exceptId })
      const mustGo = model.liveOf(userId, now).filter((r) => r.id !== exceptId)
      const returned = new Set(result.map((r) => r.id))
      expect(returned.size, 'deleteByUser returns each session once').toBe(result.length)
      for (const record of mustGo) expect(returned.has(record.id), 'deleteByUser returns every live session').toBe(true)
      for (const removed of result) {
        const known = model.records.get(removed.id)
        expect(known && known.userId === userId && removed.id !== exceptId, 'deleteByUser removes only that user’s sessions').toBe(true)
        expect(removed).toEqual(ref(known!))
        model.records.delete(removed.id)
      }
      return
    }
    case 'advance': {
      clock.advance(op.ms)
      return
    }
    case 'purge': {
      const result = await store.purgeExpired({ now, ...(op.limit === null ? {} : { limit: op.limit }) })
      expect(new Set(result.map((r) => r.id)).size, 'purge returns each session once').toBe(result.length)
      if (op.limit !== null) expect(result.length).toBeLessThanOrEqual(op.limit)
      for (const removed of result) {
        const known = model.records.get(removed.id)
        expect(known !== undefined && known.expiresAt <= now, 'purge removes only expired sessions').toBe(true)
        expect(removed).toEqual(ref(known!))
        model.records.delete(removed.id)
      }
      if (op.limit === null) {
        const held = await scanEverything(store, now, 10, true)
        expect(held.filter((r) => r.expiresAt <= now), 'a purge without limit leaves no expired record').toEqual([])
        for (const record of model.records.values()) if (record.expiresAt <= now) model.records.delete(record.id)
      }
      return
    }
    case 'list': {
      const userId = USERS[op.user]!
      expect(await store.listByUser(userId, now), 'listByUser').toEqual(model.liveOf(userId, now))
      return
    }
    case 'scan': {
      const seen = await scanEverything(store, now, op.limit, false)
      expect(sortIds(seen), 'scan').toEqual(sortIds(model.live(now)))
      const byId = new Map(model.live(now).map((r) => [r.id, r]))
      for (const record of seen) expect(record).toEqual(byId.get(record.id))
    }
  }
}

/**
 * The model-based property test: random sequences of insert, get, touch, replace, delete,
 * deleteByUser, clock moves, purge, listByUser and scan, run against the store and against
 * {@link ReferenceModel}, comparing every answer. Seeded, so a failure reproduces; fast-check
 * shrinks a failure to a short sequence, printed in the error.
 * @example modelTests(factory, { modelRuns: 200 })
 */
export function modelTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe('model-based', () => {
    const h = useHarness(factory, options)
    const numRuns = options.modelRuns ?? DEFAULT_MODEL_RUNS
    const seed = options.modelSeed ?? DEFAULT_MODEL_SEED

    it(`agrees with the reference model on random operation sequences (${numRuns} runs, seed ${seed})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(modelOp, { minLength: 1, maxLength: 40 }), async (ops) => {
          const store = await h.open()
          try {
            const model = new ReferenceModel()
            const clock = new FakeClock(Date.now())
            for (const [seq, op] of ops.entries()) await step(store, model, clock, op, seq)
            // Finally every id answers as the model says.
            const now = clock.now()
            for (const id of IDS) {
              const expected = model.records.get(id)
              expect(await store.get(id, now), 'final get').toEqual(expected && expected.expiresAt > now ? expected : null)
            }
          } finally {
            await h.close(store)
          }
        }),
        { numRuns, seed },
      )
    }, 120_000)
  })
}
