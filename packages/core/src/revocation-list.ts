import { ConfigError } from './errors'
import type { SessionStore } from './store'
import { sessionIdFromToken } from './tokens'

export interface RevocationListOptions {
  /** The clock, in epoch milliseconds (tests inject one). Default `Date.now`. */
  now?: () => number
}

/**
 * A deny-list of token ids (a JWT `jti`, an API key id) that were revoked before their natural
 * expiry. See {@link createRevocationList}.
 */
export interface RevocationList {
  /**
   * Revokes `jti` until `expiresAt` (epoch ms; the token's own `exp * 1000`), after which the
   * token is dead anyway and the entry vanishes by itself. One round trip. Resolves to `false`
   * when it was already revoked or `expiresAt` has passed (nothing to remember).
   */
  revoke(jti: string, expiresAt: number): Promise<boolean>
  /** True when `jti` is revoked and its entry has not expired. One round trip (`get`). */
  isRevoked(jti: string): Promise<boolean>
  /**
   * Removes expired entries the backend still indexes (Redis drops an entry's record by itself
   * but keeps its id in the bucket's expiry index; memory and ZeroDB keep the record until a
   * sweep). Optional housekeeping, e.g. hourly; checks are correct without it. Returns how many
   * records the store reported removing.
   */
  purge(): Promise<number>
  /** Closes the backing store. */
  close(): Promise<void>
}

const JTI_MAX = 1024

/**
 * A revocation list over any {@link SessionStore}: each entry is a record keyed by
 * `sha256("jti:" + jti)` (the id is not readable at rest, and has the shape every store expects)
 * with `expiresAt` equal to the token's own expiry, so the store's expiry (PEXPIREAT on Redis and
 * Upstash, the store's own sweep on memory and ZeroDB) removes it. Give it a store of its own
 * (a prefix or namespace), and on the memory store one without a small LRU bound: an evicted
 * entry would un-revoke a token.
 *
 * @example
 * const revoked = createRevocationList(new RedisStore({ url, prefix: 'jwt-revoked' }))
 * await revoked.revoke(claims.jti, claims.exp * 1000)
 * if (await revoked.isRevoked(claims.jti)) return res.status(401).end()
 */
export function createRevocationList(store: SessionStore, options: RevocationListOptions = {}): RevocationList {
  if (!store || typeof store.get !== 'function') throw new ConfigError('store', 'must be a SessionStore (e.g. new RedisStore({ prefix: "revoked" }))')
  const now = options.now ?? Date.now
  const idOf = (jti: string): string => {
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > JTI_MAX) {
      throw new ConfigError('jti', `must be a non-empty string of at most ${JTI_MAX} characters`)
    }
    return sessionIdFromToken(`jti:${jti}`)
  }
  return {
    async revoke(jti, expiresAt) {
      const id = idOf(jti)
      if (!Number.isFinite(expiresAt)) throw new ConfigError('expiresAt', 'must be epoch milliseconds (the token expiry)')
      const at = now()
      if (expiresAt <= at) return false
      const result = await store.insert(
        { id, userId: null, payload: '{}', createdAt: at, lastAccessedAt: at, expiresAt, absoluteExpiresAt: expiresAt, version: 1 },
        { now: at },
      )
      return result.status === 'ok'
    },
    async isRevoked(jti) {
      return (await store.get(idOf(jti), now())) !== null
    },
    async purge() {
      let total = 0
      for (;;) {
        const removed = await store.purgeExpired({ now: now(), limit: 1000 })
        total += removed.length
        if (removed.length < 1000) return total
      }
    },
    close: () => store.close(),
  }
}
