import { ConfigError } from './errors'
import type { CreateOptions, CreatedSession, SessionData, SessionManager } from './manager'
import type { SessionRecord, SessionStore } from './store'
import { generateToken, isWellFormedToken, sessionIdFromToken } from './tokens'

/** Thirty days, the default life of a remember-me chain. */
export const DEFAULT_REMEMBER_TTL_SECONDS = 30 * 24 * 3600

/**
 * What a remember record holds in its (opaque to the store) payload. The token itself is never
 * stored: the record id is `sha256(token)`, exactly like a session id.
 */
interface RememberPayload {
  /** The user this chain signs in. */
  u: string
  /** The chain: every token issued from one sign-in, across rotations. */
  c: string
  /** `live` until presented once; then a `used` tombstone kept until the chain expires. */
  s: 'live' | 'used'
  /** The session issued beside this token (revoked with the chain on a replay). */
  sid: string
  /** When it was used (epoch ms), on a tombstone. */
  at?: number
}

export interface RememberMeOptions<TData extends SessionData> {
  /** The session manager that mints sessions for remembered users. */
  sessions: SessionManager<TData>
  /**
   * A store of its own for remember tokens (`new RedisStore({ prefix: 'remember' })`, a
   * `MemoryStore` without an LRU bound...). Any {@link SessionStore} works: no contract change.
   */
  store: SessionStore
  /** Seconds a chain lives from the sign-in that started it. Default 30 days. */
  ttl?: number
  /**
   * Milliseconds after a token's use during which presenting it again is refused without
   * revoking the chain: a browser that sends several requests at once with the same expired
   * session (page, images, API calls) must not sign its own user out. Default 5000; `0` treats
   * every second use as a replay.
   */
  reuseGraceMs?: number
  /** The clock, in epoch milliseconds (tests inject one). Default `Date.now`. */
  now?: () => number
}

/** A remember token to hand to the client (a long-lived HttpOnly cookie), with its deadline. */
export interface IssuedRememberToken {
  token: string
  /** Epoch milliseconds: the chain's deadline; the cookie should not outlive it. */
  expiresAt: number
  chainId: string
}

export type RememberResult<TData extends SessionData> =
  | ({ status: 'ok'; remember: IssuedRememberToken } & CreatedSession<TData>)
  /** Unknown, malformed, expired or revoked: sign in again. Nothing was revoked. */
  | { status: 'invalid' }
  /**
   * Used by another request within `reuseGraceMs` (a browser sending several requests at once):
   * no session for this request, nothing revoked. Leave the client's cookies alone: the winning
   * request's response sets the new ones.
   */
  | { status: 'concurrent' }
  /** An already-used token came back: the whole chain and its sessions were revoked. */
  | { status: 'replayed'; userId: string; revokedSessions: number }

/** Emitted when a used remember token is presented again (a stolen cookie, most likely). */
export interface RememberReplayEvent {
  userId: string
  chainId: string
  revokedSessions: number
  revokedTokens: number
  timestamp: number
}

/** Options for minting a session from a remember token. */
export interface RememberConsumeOptions<TData extends SessionData> extends CreateOptions {
  /** The data of the new session. Default: `{}`. */
  data?: TData | ((userId: string) => TData)
}

/**
 * Remember-me tokens: a long-lived token issued beside a session at sign-in. When the session has
 * expired, presenting it mints a new session for the same user and rotates the token (single
 * use). A token presented a second time is a replay: it is refused and the whole chain (every
 * remember token of that sign-in and every session they minted) is revoked, with an event.
 *
 * Stored in any {@link SessionStore}: a record per token keyed by `sha256(token)`, its owner
 * field set to the chain key (so `listByUser`/`deleteByUser` reach the chain in one round trip),
 * and the real user id, state and session id in the payload. Consuming is a compare-and-set
 * (`replace` with the expected version): of two requests presenting the same token, only one
 * wins. A used token stays as a tombstone until the chain's deadline, so a replay is always
 * recognised while the token could still have worked.
 *
 * @example
 * const rememberMe = new RememberMe({ sessions, store: new RedisStore({ url, prefix: 'remember' }) })
 * const { token } = await sessions.create(user.id, { cart: [] })
 * const remember = await rememberMe.issue(user.id, sessionIdOf(token))
 * // later, the session cookie expired but the remember cookie came back:
 * const result = await rememberMe.consume(rememberCookie)
 * if (result.status === 'ok') setCookies(result.token, result.remember.token)
 */
export class RememberMe<TData extends SessionData = Record<string, unknown>> {
  readonly store: SessionStore
  private readonly sessions: SessionManager<TData>
  private readonly ttlMs: number
  private readonly graceMs: number
  private readonly now: () => number
  private readonly replayListeners = new Set<(event: RememberReplayEvent) => void>()

  constructor(options: RememberMeOptions<TData>) {
    const ttl = options.ttl ?? DEFAULT_REMEMBER_TTL_SECONDS
    if (!Number.isFinite(ttl) || ttl <= 0) throw new ConfigError('rememberMe.ttl', 'must be a positive number of seconds')
    if (!options.store || typeof options.store.insert !== 'function') {
      throw new ConfigError('rememberMe.store', 'must be a SessionStore of its own (e.g. new RedisStore({ prefix: "remember" }))')
    }
    this.sessions = options.sessions
    this.store = options.store
    this.ttlMs = ttl * 1000
    this.graceMs = options.reuseGraceMs ?? 5000
    if (!Number.isFinite(this.graceMs) || this.graceMs < 0) throw new ConfigError('rememberMe.reuseGraceMs', 'must be 0 or more milliseconds')
    this.now = options.now ?? Date.now
  }

  /**
   * Starts a chain at sign-in: a new remember token for `userId`, issued beside the session
   * `sessionId` (which is revoked with the chain if the token is ever replayed).
   * @example const remember = await rememberMe.issue('user-123', session.id)
   */
  async issue(userId: string, sessionId: string): Promise<IssuedRememberToken> {
    if (typeof userId !== 'string' || userId.length === 0) throw new ConfigError('userId', 'must be a non-empty string')
    const now = this.now()
    const chainId = generateToken()
    const deadline = now + this.ttlMs
    // A marker in the user's index, so `forgetUser` ("log out everywhere") finds every chain.
    await this.store.insert(
      {
        id: sessionIdFromToken(`chain:${chainId}`),
        userId: userKey(userId),
        payload: JSON.stringify({ c: chainId }),
        createdAt: now,
        lastAccessedAt: now,
        expiresAt: deadline,
        absoluteExpiresAt: deadline,
        version: 1,
      },
      { now },
    )
    return this.insertToken({ userId, chainId, sessionId, deadline, now })
  }

  /**
   * Forgets every remember chain of the user ("log out everywhere": no device is remembered any
   * more). Sessions are not touched; delete those with `deleteUserSessions`. Returns how many
   * chains were forgotten.
   * @example await rememberMe.forgetUser('user-123')
   */
  async forgetUser(userId: string): Promise<number> {
    const markers = await this.store.listByUser(userKey(userId), this.now())
    for (const marker of markers) {
      const chainId = (JSON.parse(marker.payload) as { c?: unknown }).c
      if (typeof chainId === 'string') await this.store.deleteByUser(chainKey(chainId))
    }
    await this.store.deleteByUser(userKey(userId))
    return markers.length
  }

  /**
   * Presents a remember token. A live one is consumed (single use), a new session is created for
   * its user and a new remember token of the same chain is returned. A used one revokes the chain.
   * @example const result = await rememberMe.consume(req.cookies.remember, { data: () => ({ cart: [] }) })
   */
  async consume(token: string, options: RememberConsumeOptions<TData> = {}): Promise<RememberResult<TData>> {
    if (!isWellFormedToken(token)) return { status: 'invalid' }
    const id = sessionIdFromToken(token)
    const now = this.now()
    const record = await this.store.get(id, now)
    if (!record) return { status: 'invalid' }
    const payload = parsePayload(record.payload)
    if (!payload) return { status: 'invalid' }
    if (payload.s === 'used') return this.reused(payload, now)
    // Compare-and-set on the version: of two requests presenting this token, one wins.
    const used: SessionRecord = { ...record, payload: JSON.stringify({ ...payload, s: 'used', at: now }), version: record.version + 1, lastAccessedAt: now }
    const result = await this.store.replace(used, record.version, now)
    if (result.status === 'missing') return { status: 'invalid' }
    if (result.status === 'conflict') {
      const current = parsePayload(result.current.payload)
      return current && current.s === 'used' ? this.reused(current, now) : { status: 'invalid' }
    }
    const { data: given, ...createOptions } = options
    let created: CreatedSession<TData>
    let remember: IssuedRememberToken
    try {
      const data = given === undefined ? ({} as TData) : typeof given === 'function' ? given(payload.u) : given
      created = await this.sessions.create(payload.u, data, createOptions)
      const deadline = record.absoluteExpiresAt ?? record.expiresAt
      remember = await this.insertToken({ userId: payload.u, chainId: payload.c, sessionId: created.session.id, deadline, now })
    } catch (error) {
      // The store failed after the token was marked used: put it back (best effort), so the
      // client's retry is not mistaken for a replay that would revoke the chain.
      await this.store.replace({ ...record, version: record.version + 2 }, record.version + 1, this.now()).catch(() => {})
      throw error
    }
    // A replay that revoked the chain while we minted must not leave these two alive.
    if (!(await this.store.get(id, this.now()))) {
      await this.store.delete(sessionIdFromToken(remember.token))
      await this.sessions.revoke(created.session.id, 'remember-chain-revoked')
      return { status: 'invalid' }
    }
    return { status: 'ok', ...created, remember }
  }

  /**
   * Revokes a remember token's whole chain without a replay (the user signs out and does not
   * want to be remembered). The sessions it minted are kept. True when the token was known.
   * @example await rememberMe.forget(req.cookies.remember)
   */
  async forget(token: string): Promise<boolean> {
    if (!isWellFormedToken(token)) return false
    const record = await this.store.get(sessionIdFromToken(token), this.now())
    const payload = record ? parsePayload(record.payload) : null
    if (!payload) return false
    await this.store.deleteByUser(chainKey(payload.c))
    return true
  }

  /**
   * Listens for replays (a used token presented again). Returns an unsubscribe function.
   * @example rememberMe.onReplay((e) => audit.warn('remember token replayed', e.userId))
   */
  onReplay(listener: (event: RememberReplayEvent) => void): () => void {
    this.replayListeners.add(listener)
    return () => this.replayListeners.delete(listener)
  }

  /** Closes the remember store. The session manager is not closed. */
  async close(): Promise<void> {
    await this.store.close()
  }

  private async insertToken(input: { userId: string; chainId: string; sessionId: string; deadline: number; now: number }): Promise<IssuedRememberToken> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const token = generateToken()
      const payload: RememberPayload = { u: input.userId, c: input.chainId, s: 'live', sid: input.sessionId }
      const result = await this.store.insert(
        {
          id: sessionIdFromToken(token),
          userId: chainKey(input.chainId),
          payload: JSON.stringify(payload),
          createdAt: input.now,
          lastAccessedAt: input.now,
          expiresAt: input.deadline,
          absoluteExpiresAt: input.deadline,
          version: 1,
        },
        { now: input.now },
      )
      if (result.status === 'ok') return { token, expiresAt: input.deadline, chainId: input.chainId }
    }
    throw new ConfigError('rememberMe.store', 'the store reported an existing id for three fresh random ids; it does not honour the contract')
  }

  /** A used token again: within the grace window a concurrent request (refused), else a replay. */
  private reused(payload: RememberPayload, now: number): Promise<RememberResult<TData>> | RememberResult<TData> {
    if (payload.at !== undefined && now - payload.at < this.graceMs) return { status: 'concurrent' }
    return this.replayed(payload)
  }

  /** Revokes every token of the chain and every session they were issued beside. */
  private async replayed(payload: RememberPayload): Promise<RememberResult<TData>> {
    const key = chainKey(payload.c)
    const members = await this.store.listByUser(key, this.now())
    const sessionIds = new Set<string>([payload.sid])
    for (const member of members) {
      const p = parsePayload(member.payload)
      if (p) sessionIds.add(p.sid)
    }
    const tokens = await this.store.deleteByUser(key)
    let revokedSessions = 0
    for (const sessionId of sessionIds) {
      if (await this.sessions.revoke(sessionId, 'remember-token-replayed')) revokedSessions++
    }
    const event: RememberReplayEvent = {
      userId: payload.u,
      chainId: payload.c,
      revokedSessions,
      revokedTokens: tokens.length,
      timestamp: this.now(),
    }
    for (const listener of [...this.replayListeners]) {
      try {
        listener(event)
      } catch {
        // A failing audit listener must not undo or hide the revocation.
      }
    }
    return { status: 'replayed', userId: payload.u, revokedSessions }
  }
}

/** The owner key of a user's chain markers. */
function userKey(userId: string): string {
  return `remember-user:${userId}`
}

/** The owner key of a chain's records: the store's per-user index then holds the chain. */
function chainKey(chainId: string): string {
  return `remember-chain:${chainId}`
}

function parsePayload(raw: string): RememberPayload | null {
  try {
    const p = JSON.parse(raw) as Partial<RememberPayload>
    if (typeof p.u !== 'string' || typeof p.c !== 'string' || typeof p.sid !== 'string' || (p.s !== 'live' && p.s !== 'used')) return null
    return p as RememberPayload
  } catch {
    return null
  }
}
