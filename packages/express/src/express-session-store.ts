import session from 'express-session'
import type { SessionData } from 'express-session'
import { ConfigError, ConflictError, sessionIdFromToken, type SessionRecord, type SessionStore } from '@sessionkit/core'

/**
 * Options of {@link expressSessionStore}.
 * @example expressSessionStore(new RedisStore({ url }), { ttl: 3600 })
 */
export interface ExpressSessionStoreOptions {
  /**
   * Seconds a session lives when its cookie has no expiry (express-session's default
   * browser-session cookie, `maxAge` unset). Default 86400 (one day), like connect-redis.
   */
  ttl?: number
  /** The clock, epoch milliseconds (for tests). Default `Date.now`. */
  now?: () => number
}

type Callback<T> = (error: unknown, result?: T) => void

/** The payload of a record this adapter writes: express-session's JSON, marked as ours. */
interface Envelope {
  e: SessionData
}

/** Versions seen by this process, so a `set` after a `get` is one compare-and-set round trip. */
const VERSION_CACHE_MAX = 10_000
const SET_ATTEMPTS = 8
const SCAN_PAGE = 500

/**
 * An express-session `Store` over any sessionkit store (memory, Redis, Upstash, ZeroDB...):
 * switch an existing express-session app's backend with one line, and move to the sessionkit
 * middleware later.
 *
 * - **sid**: express-session generates its own session id (the value inside its signed
 *   cookie). The record is keyed by `base64url(sha256(sid))`, so, exactly as with sessionkit's
 *   own tokens, a dump of the store yields no usable cookie value.
 * - **expiry**: `cookie.expires` (set by `cookie.maxAge`) becomes the record's `expiresAt`;
 *   a cookie without expiry lives `ttl` seconds. `touch` moves `expiresAt` in one round trip.
 * - every method takes an optional callback and also returns a promise.
 * - `all`, `length` and `clear` only see records this adapter wrote (scanning page by page),
 *   never the sessionkit middleware's sessions in the same store.
 *
 * @example
 * import session from 'express-session'
 * import { expressSessionStore } from '@sessionkit/express/express-session'
 * app.use(session({ store: expressSessionStore(new RedisStore({ url })), secret, resave: false, saveUninitialized: false }))
 */
export class SessionkitExpressStore extends session.Store {
  readonly backend: SessionStore
  readonly #ttlMs: number
  readonly #now: () => number
  readonly #known = new Map<string, { version: number; createdAt: number }>()

  constructor(backend: SessionStore, options: ExpressSessionStoreOptions = {}) {
    super()
    if (typeof backend !== 'object' || backend === null || typeof backend.replace !== 'function') {
      throw new ConfigError('store', 'must be a sessionkit SessionStore (MemoryStore, RedisStore, ...)')
    }
    const ttl = options.ttl ?? 86_400
    if (!(Number.isFinite(ttl) && ttl > 0)) throw new ConfigError('ttl', 'must be a positive number of seconds')
    this.backend = backend
    this.#ttlMs = ttl * 1000
    this.#now = options.now ?? Date.now
  }

  /** The session for `sid`, or `null`. One store round trip. */
  override get(sid: string, callback?: Callback<SessionData | null>): Promise<SessionData | null> {
    return settle(this.#get(sid), callback)
  }

  /** Saves the session (insert or overwrite: the last writer wins, as express-session expects). */
  override set(sid: string, sess: SessionData, callback?: (error?: unknown) => void): Promise<void> {
    return settle(this.#set(sid, sess), callback)
  }

  /** Deletes the session. One round trip. */
  override destroy(sid: string, callback?: (error?: unknown) => void): Promise<void> {
    return settle(this.#destroy(sid), callback)
  }

  /** Moves the expiry to the cookie's new expiry without rewriting the data. One round trip. */
  override touch(sid: string, sess: SessionData, callback?: (error?: unknown) => void): Promise<void> {
    return settle(this.#touch(sid, sess), callback)
  }

  /** Every live session this adapter wrote (scans the store page by page: admin use). */
  override all(callback?: Callback<SessionData[]>): Promise<SessionData[]> {
    return settle(this.#collect(), callback)
  }

  /** How many live sessions this adapter wrote (scans). */
  override length(callback?: Callback<number>): Promise<number> {
    return settle(this.#collect().then((all) => all.length), callback)
  }

  /** Deletes every session this adapter wrote (scans; other sessionkit sessions are kept). */
  override clear(callback?: (error?: unknown) => void): Promise<void> {
    return settle(this.#clear(), callback)
  }

  // ---------------------------------------------------------------- internals

  async #get(sid: string): Promise<SessionData | null> {
    const id = sessionIdFromToken(sid)
    const record = await this.backend.get(id, this.#now())
    if (!record) {
      this.#known.delete(id)
      return null
    }
    this.#remember(record)
    return unwrap(record)
  }

  async #set(sid: string, sess: SessionData): Promise<void> {
    const id = sessionIdFromToken(sid)
    const now = this.#now()
    const expiresAt = this.#expiryOf(sess, now)
    if (expiresAt <= now) {
      await this.#destroy(sid)
      return
    }
    const payload = JSON.stringify({ e: sess } satisfies Envelope)
    let known = this.#known.get(id)
    for (let attempt = 0; attempt < SET_ATTEMPTS; attempt++) {
      if (!known) {
        const record: SessionRecord = { id, userId: null, payload, createdAt: now, lastAccessedAt: now, expiresAt, absoluteExpiresAt: null, version: 1 }
        const inserted = await this.backend.insert(record, { now })
        if (inserted.status === 'ok') {
          this.#remember(record)
          return
        }
        const current = await this.backend.get(id, now)
        // An expired record the store has not purged yet blocks the insert: remove it first.
        if (!current) await this.backend.delete(id)
        else known = { version: current.version, createdAt: current.createdAt }
        continue
      }
      const record: SessionRecord = { id, userId: null, payload, createdAt: known.createdAt, lastAccessedAt: now, expiresAt, absoluteExpiresAt: null, version: known.version + 1 }
      const result = await this.backend.replace(record, known.version, now)
      if (result.status === 'ok') {
        this.#remember(record)
        return
      }
      known = result.status === 'conflict' ? { version: result.current.version, createdAt: result.current.createdAt } : undefined
    }
    throw new ConflictError(id, SET_ATTEMPTS, { operation: 'express-session set' })
  }

  async #destroy(sid: string): Promise<void> {
    const id = sessionIdFromToken(sid)
    this.#known.delete(id)
    await this.backend.delete(id)
  }

  async #touch(sid: string, sess: SessionData): Promise<void> {
    const id = sessionIdFromToken(sid)
    const now = this.#now()
    const expiresAt = this.#expiryOf(sess, now)
    if (expiresAt <= now) return
    const record = await this.backend.touch(id, { now, idleTtlMs: expiresAt - now, touchAfterMs: 0 })
    if (record) this.#remember(record)
  }

  async #collect(): Promise<SessionData[]> {
    const out: SessionData[] = []
    await this.#scan((record) => {
      const sess = unwrap(record)
      if (sess) out.push(sess)
    })
    return out
  }

  async #clear(): Promise<void> {
    const ids: string[] = []
    await this.#scan((record) => {
      if (unwrap(record)) ids.push(record.id)
    })
    for (const id of ids) await this.backend.delete(id)
    this.#known.clear()
  }

  async #scan(visit: (record: SessionRecord) => void): Promise<void> {
    let cursor: string | null = null
    do {
      const page = await this.backend.scan({ cursor, limit: SCAN_PAGE, now: this.#now() })
      for (const record of page.records) visit(record)
      cursor = page.cursor
    } while (cursor)
  }

  #expiryOf(sess: SessionData, now: number): number {
    const expires = sess.cookie?.expires as Date | string | null | undefined
    const at = expires ? new Date(expires).getTime() : Number.NaN
    return Number.isFinite(at) ? at : now + this.#ttlMs
  }

  #remember(record: SessionRecord): void {
    this.#known.delete(record.id)
    this.#known.set(record.id, { version: record.version, createdAt: record.createdAt })
    if (this.#known.size > VERSION_CACHE_MAX) this.#known.delete(this.#known.keys().next().value!)
  }
}

/** express-session's data from a record this adapter wrote; `null` for anyone else's record. */
function unwrap(record: SessionRecord): SessionData | null {
  if (!record.payload.startsWith('{"e":')) return null
  try {
    return (JSON.parse(record.payload) as Envelope).e
  } catch {
    return null
  }
}

function settle<T>(promise: Promise<T>, callback?: (error: unknown, result?: T) => void): Promise<T> {
  if (callback) promise.then((result) => callback(null, result), (error: unknown) => callback(error))
  return promise
}

/**
 * An express-session compatible store over a sessionkit store. The one-line switch:
 * @example
 * app.use(session({ store: expressSessionStore(new RedisStore({ url: process.env.REDIS_URL })), secret, resave: false, saveUninitialized: false }))
 */
export function expressSessionStore(store: SessionStore, options: ExpressSessionStoreOptions = {}): SessionkitExpressStore {
  return new SessionkitExpressStore(store, options)
}
