import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, expect } from 'vitest'
import type { InsertResult, ScanPage, SessionRecord, SessionStore } from '@sessionkit/core'
import { FakeClock } from './clock'
import type { ConformanceOptions, StoreFactory } from './options'

/** The default namespace prefix; see {@link ConformanceOptions.namespacePrefix}. */
export const DEFAULT_NAMESPACE_PREFIX = 'sk-conf-'

/** A namespace nobody else uses. */
export function newNamespace(prefix: string = DEFAULT_NAMESPACE_PREFIX): string {
  return `${prefix}${randomBytes(6).toString('hex')}`
}

/**
 * What every test of a group works with: a fresh store in a fresh namespace, the fake clock,
 * and a way to open more stores. Everything it opened is closed after the test.
 */
export interface Harness {
  /** The store of the current test. */
  readonly store: SessionStore
  /** Its namespace. */
  readonly namespace: string
  /** The injected clock; pass `clock.now()` to every store call. */
  readonly clock: FakeClock
  /** The options the group was given. */
  readonly options: ConformanceOptions
  /** Opens another store (a fresh namespace unless one is given); closed after the test. */
  open(namespace?: string): Promise<SessionStore>
  /** Closes a store now and tells the harness not to close it again. */
  close(store: SessionStore): Promise<void>
  /** Inserts and expects `ok`; returns the evicted refs. */
  insert(record: SessionRecord, maxPerUser?: number, store?: SessionStore): Promise<InsertResult & { status: 'ok' }>
  /** Every record a full scan returns, page by page, checking the page-size bound. */
  scanAll(options?: { limit?: number; includeExpired?: boolean; store?: SessionStore }): Promise<SessionRecord[]>
  /** The raw dump of a store (requires `options.rawDump`). */
  dump(store?: SessionStore): Promise<readonly string[]>
}

/**
 * Registers `beforeEach`/`afterEach` in the current `describe` and returns the harness the
 * tests use. Call it once at the top of a group.
 * @example
 * describe('crud', () => {
 *   const h = useHarness(factory, options)
 *   it('round-trips', async () => { await h.insert(makeRecord(h.clock.now())) })
 * })
 */
export function useHarness(factory: StoreFactory, options: ConformanceOptions = {}): Harness {
  let current: { store: SessionStore; namespace: string; clock: FakeClock } | undefined
  const open = new Map<SessionStore, string>()
  const prefix = options.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX

  const openStore = async (namespace: string = newNamespace(prefix)): Promise<SessionStore> => {
    const store = await factory({ namespace })
    open.set(store, namespace)
    return store
  }

  const need = () => {
    if (!current) throw new Error('the conformance harness is only usable inside a test')
    return current
  }

  beforeEach(async () => {
    const namespace = newNamespace(prefix)
    const store = await openStore(namespace)
    current = { store, namespace, clock: new FakeClock(Date.now()) }
  })

  afterEach(async () => {
    const stores = [...open.keys()]
    open.clear()
    current = undefined
    // Close every store even if one fails, then report the first failure.
    const results = await Promise.allSettled(stores.map((store) => store.close()))
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
  })

  const harness: Harness = {
    get store() {
      return need().store
    },
    get namespace() {
      return need().namespace
    },
    get clock() {
      return need().clock
    },
    options,
    open: openStore,
    async close(store) {
      open.delete(store)
      await store.close()
    },
    async insert(record, maxPerUser, store = need().store) {
      const result = await store.insert(record, { now: need().clock.now(), ...(maxPerUser === undefined ? {} : { maxPerUser }) })
      expect(result.status, `insert of a new id answers ok`).toBe('ok')
      return result as InsertResult & { status: 'ok' }
    },
    async scanAll({ limit = 5, includeExpired = false, store = need().store } = {}) {
      return scanEverything(store, need().clock.now(), limit, includeExpired)
    },
    async dump(store = need().store) {
      if (!options.rawDump) throw new Error('this check needs the rawDump option')
      const namespace = open.get(store) ?? need().namespace
      return options.rawDump({ store, namespace })
    },
  }
  return harness
}

/** Pages through a whole scan, asserting that no page exceeds `limit` and that it terminates. */
export async function scanEverything(
  store: SessionStore,
  now: number,
  limit: number,
  includeExpired: boolean,
): Promise<SessionRecord[]> {
  const records: SessionRecord[] = []
  let cursor: string | null | undefined
  // A generous bound on pages: a store that never returns a null cursor fails instead of hanging.
  for (let pages = 0; pages < 10_000; pages++) {
    const page: ScanPage = await store.scan({ cursor, limit, now, includeExpired })
    expect(page.records.length, 'a scan page never holds more than limit records').toBeLessThanOrEqual(limit)
    records.push(...page.records)
    if (page.cursor === null) return records
    expect(typeof page.cursor, 'a scan cursor is a string or null').toBe('string')
    cursor = page.cursor
  }
  throw new Error('scan never finished: the cursor did not come back null')
}

/** True when any dumped string contains `needle`. */
export function dumpContains(dump: readonly string[], needle: string): boolean {
  return dump.some((entry) => entry.includes(needle))
}

/** Waits real time (only for lock ttls and native expiry; everything else uses the fake clock). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
