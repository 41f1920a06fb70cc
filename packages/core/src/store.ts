/**
 * The SessionStore contract: what every backend implements and what the conformance suite
 * proves. Stores persist records and own atomicity; core owns policy (tokens, expiry maths,
 * encryption, events, retries). A store never parses `payload`.
 *
 * Times are epoch milliseconds. `now` is always passed in by the caller so that an injected
 * clock drives expiry everywhere; stores with native expiry also set it as a backstop.
 */

/** A persisted session. The `id` is `base64url(sha256(token))`, never the token. */
export interface SessionRecord {
  /** base64url SHA-256 of the token: safe to show and to revoke by. */
  id: string
  /** The owner, or `null` for an anonymous (guest) session, which has no user index entry. */
  userId: string | null
  /** Opaque to the store: JSON, or a sealed AES-256-GCM envelope when encryption is on. */
  payload: string
  createdAt: number
  lastAccessedAt: number
  /** The record is expired when `expiresAt <= now`. */
  expiresAt: number
  /** The deadline no refresh or rotation ever passes; `null` with the sliding strategy. */
  absoluteExpiresAt: number | null
  /** Increases by one on every write; compare-and-set is on this field. */
  version: number
  /**
   * Optional: the client device the session belongs to, for one-session-per-device sign-ins
   * (`InsertOptions.replaceDevice`). Persisted by stores that support it; absent means `null`.
   * Immutable like `userId`: stores may ignore changes to it in `replace`.
   */
  deviceId?: string | null
}

/** What a store returns about a session it removed: enough for core to emit an event. */
export interface SessionRef {
  id: string
  userId: string | null
}

export interface InsertOptions {
  /**
   * When inserting would leave the user with more than this many live sessions, the oldest
   * (by `createdAt`) are removed in the same atomic step and returned.
   */
  maxPerUser?: number
  /**
   * When `true` and the record has a `userId` and a `deviceId`: the user's other live sessions
   * with the same `deviceId` are deleted and returned in `replaced`. Atomic with the insert on a
   * store that declares `atomicDeviceReplace`; right after it otherwise. Applied before
   * `maxPerUser`, so a replaced session never makes the limit evict another device's session.
   */
  replaceDevice?: boolean
  now: number
}

export type InsertResult =
  | {
      status: 'ok'
      evicted: SessionRef[]
      /** With `replaceDevice`: the user's previous sessions on the same device, now deleted. */
      replaced?: SessionRef[]
    }
  /** A record with this id already exists (live or not yet purged); nothing was written. */
  | { status: 'exists' }

export interface TouchOptions {
  now: number
  /**
   * Milliseconds added to `now` for the new `expiresAt`, capped at `absoluteExpiresAt`.
   * `null` (fixed strategy) means the expiry does not move, only `lastAccessedAt` may.
   */
  idleTtlMs: number | null
  /**
   * The access is persisted only when at least this many milliseconds have passed since the
   * persisted `lastAccessedAt`. `0` persists every access.
   */
  touchAfterMs: number
}

export type ReplaceResult =
  | { status: 'ok' }
  /** The stored version is not the expected one; `current` is the live record as stored. */
  | { status: 'conflict'; current: SessionRecord }
  /** No live record with that id: deleted or expired. A replace never recreates a record. */
  | { status: 'missing' }

export interface ScanOptions {
  /** Opaque cursor from a previous page; omit for the first page. */
  cursor?: string | null
  /** Page size hint; a page may hold fewer records (never more). */
  limit: number
  now: number
  /** Include records whose `expiresAt <= now` that the backend still holds. Default false. */
  includeExpired?: boolean
}

export interface ScanPage {
  records: SessionRecord[]
  /** `null` when the scan is complete. */
  cursor: string | null
}

export interface PurgeOptions {
  now: number
  /** Remove at most this many in one call; core calls again while a full batch comes back. */
  limit?: number
}

export interface LockOptions {
  /** The lock frees itself after this many milliseconds if never released. */
  ttlMs: number
}

/**
 * What a backend can and cannot do natively. The conformance suite tests the declared
 * behaviour rather than skipping: a store that says `atomicUserLimit: false` is still held to
 * the limit for sequential inserts.
 */
export interface StoreCapabilities {
  /** The backend expires records itself (e.g. PEXPIREAT); `expiresAt` is still checked. */
  nativeExpiry: boolean
  /** Two concurrent inserts of one id cannot both succeed. */
  atomicInsert: boolean
  /** maxPerUser holds under concurrent inserts for one user. */
  atomicUserLimit: boolean
  /** Locks are exclusive across processes sharing the backend. */
  distributedLocks: boolean
  /**
   * `replaceDevice` deletes the device's previous sessions in the same atomic step as the
   * insert, so concurrent sign-ins on one device leave exactly one session. Optional so stores
   * written before it still compile; absent means `false`.
   */
  atomicDeviceReplace?: boolean
}

/**
 * A session backend. Every method is one round trip to the backend where the backend allows
 * it, is bounded by a timeout, and fails with `StoreUnavailableError` (with the cause) when the
 * backend cannot be reached. No method ever returns a record with `expiresAt <= now` unless
 * `includeExpired` asked for it.
 */
export interface SessionStore {
  /** A short name for messages and events, e.g. `"redis"`. */
  readonly name: string
  readonly capabilities: StoreCapabilities

  /** Inserts a new record and adds it to its user's index. Fails with `exists` on a duplicate id. */
  insert(record: SessionRecord, options: InsertOptions): Promise<InsertResult>

  /** The live record, or `null` when absent or expired. Never writes. */
  get(id: string, now: number): Promise<SessionRecord | null>

  /**
   * Reads the live record and slides its expiry in one round trip. When the access is
   * persisted, `lastAccessedAt = now`, `expiresAt = min(now + idleTtlMs, absoluteExpiresAt)`
   * (unchanged when `idleTtlMs` is null) and `version` increases. Returns the record as stored
   * after the call, or `null` when absent or expired.
   */
  touch(id: string, options: TouchOptions): Promise<SessionRecord | null>

  /**
   * Compare-and-set: writes `record` (whose `version` must be `expectedVersion + 1`) only when
   * the stored live record has `expectedVersion`. Never recreates a deleted or expired record.
   * `userId` and `createdAt` are immutable; stores may ignore changes to them.
   */
  replace(record: SessionRecord, expectedVersion: number, now: number): Promise<ReplaceResult>

  /** Deletes the record and its user index entry. Returns what was removed, or `null`. */
  delete(id: string): Promise<SessionRef | null>

  /** The user's live sessions, newest `createdAt` first; prunes dead index entries it meets. */
  listByUser(userId: string, now: number): Promise<SessionRecord[]>

  /** Deletes every session of the user except `exceptId`; returns what was removed. */
  deleteByUser(userId: string, options?: { exceptId?: string }): Promise<SessionRef[]>

  /** One page of records, in a stable order. Never loads the whole backend at once. */
  scan(options: ScanOptions): Promise<ScanPage>

  /** Removes records with `expiresAt <= now` without scanning live ones; returns them. */
  purgeExpired(options: PurgeOptions): Promise<SessionRef[]>

  /** Takes a lock named by the session id; returns an owner token, or `null` if it is held. */
  acquireLock(id: string, options: LockOptions): Promise<string | null>

  /** Releases the lock if `lockToken` still owns it; a non-owner's release is a no-op (false). */
  releaseLock(id: string, lockToken: string): Promise<boolean>

  /** Releases connections and timers the store created (not a client the app passed in). */
  close(): Promise<void>

  /**
   * Optional. A store that drops sessions on its own (an LRU bound, a background sweep) reports
   * each one here, so the manager can emit `evicted` or `expired`. Returns an unsubscribe function.
   */
  watchRemovals?(listener: (removal: StoreRemoval) => void): () => void
}

/** A session a store removed on its own: `capacity` (to respect a size bound) or `expired`. */
export interface StoreRemoval extends SessionRef {
  reason: 'capacity' | 'expired'
}
