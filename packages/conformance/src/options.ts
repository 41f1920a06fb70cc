import type { SessionStore } from '@sessionkit/core'

/** What the suite hands the factory for each test. */
export interface StoreFactoryContext {
  /**
   * A namespace no other test uses (`sk-conf-<random hex>` by default). Use it as the key
   * prefix, table name or database of the store, so tests never see each other's data and the
   * suite never has to flush a shared backend.
   */
  namespace: string
}

/**
 * Builds a fresh store for one test. It is called once per test (more for the isolation, lock
 * and model groups), and the suite closes every store it got in `afterEach`.
 * @example const factory: StoreFactory = ({ namespace }) => new RedisStore({ url, prefix: namespace })
 */
export type StoreFactory = (context: StoreFactoryContext) => SessionStore | Promise<SessionStore>

/** What {@link ConformanceOptions.rawDump} receives. */
export interface RawDumpContext {
  /** The store under test, as the factory returned it (cast it to reach its client). */
  store: SessionStore
  /** The namespace the factory was given for that store. */
  namespace: string
}

/**
 * A backdoor into the backend's own bytes: every key and every value the backend persists for
 * `namespace`, as text (for Redis: each key name, plus each string value, hash field and value,
 * set and sorted-set member). The suite searches these strings, so it does not matter how they
 * are split; it only matters that nothing is left out.
 * @example
 * const rawDump: RawDump = async ({ namespace }) => {
 *   const keys = await redis.keys(`${namespace}*`) // fine in a test, never in a store
 *   return [...keys, ...(await Promise.all(keys.map((k) => dumpValue(redis, k)))).flat()]
 * }
 */
export type RawDump = (context: RawDumpContext) => Promise<readonly string[]> | readonly string[]

/** Options of {@link runStoreConformance} and of every group. All optional. */
export interface ConformanceOptions {
  /**
   * Read the backend's raw keys and values. When given, the suite also proves "hashed at rest"
   * (no token is ever persisted), "encrypted at rest" (no plaintext session data is persisted
   * when the manager encrypts), that deletes and purges leave no bytes behind and, with
   * {@link realExpiry}, that the backend itself drops records at their deadline.
   * Without it the `raw` group still runs and checks only what the store API can show.
   */
  rawDump?: RawDump
  /**
   * Also check the backend's own expiry with real, sub-second deadlines: a record written with
   * `expiresAt = Date.now() + 300` must be gone (from `get` and, with {@link rawDump}, from the
   * backend's bytes) 600 ms later, which catches a backend that rounds deadlines to seconds.
   * Defaults to the store's `capabilities.nativeExpiry`. When off, the same test instead checks
   * that the expired record is invisible and that `purgeExpired` removes it.
   */
  realExpiry?: boolean
  /**
   * Runs of the model-based property test (random operation sequences compared against a
   * reference model). Default 30, which keeps networked stores fast; raise it locally to hunt.
   */
  modelRuns?: number
  /** Seed of the model-based test, so a failure reproduces. Default `20260401`. */
  modelSeed?: number
  /** Prefix of the generated namespaces. Default `"sk-conf-"`. */
  namespacePrefix?: string
}
