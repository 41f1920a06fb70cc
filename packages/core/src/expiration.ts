import type { SessionRecord } from './store'
import { slidExpiry } from './store-helpers'

/**
 * Expiration: one formula, three strategies (DESIGN §3). On every touching access
 * `expiresAt = min(now + idleTtl, absoluteExpiresAt)`; the strategies only choose which of the
 * two terms exist.
 *
 * | strategy | idle ttl | absolute deadline      |
 * |----------|----------|------------------------|
 * | fixed    | none     | createdAt + ttl        |
 * | sliding  | ttl      | none                   |
 * | hybrid   | idleTtl  | createdAt + absoluteTtl|
 */
export type ExpirationOptions =
  | { strategy: 'fixed'; /** seconds from creation */ ttl: number }
  | { strategy: 'sliding'; /** seconds of inactivity */ ttl: number }
  | { strategy: 'hybrid'; /** seconds of inactivity */ idleTtl: number; /** seconds from creation */ absoluteTtl: number }

/** The strategy reduced to the two terms of the formula, in milliseconds. */
export interface ExpirationPolicy {
  strategy: ExpirationOptions['strategy']
  /** `null` for fixed: accesses never move the expiry. */
  idleTtlMs: number | null
  /** `null` for sliding: no absolute deadline. */
  absoluteTtlMs: number | null
}

/** The default: 30 minutes idle, 24 hours absolute, as OWASP suggests for ordinary apps. */
export const DEFAULT_EXPIRATION: ExpirationOptions = { strategy: 'hybrid', idleTtl: 1800, absoluteTtl: 86_400 }

/**
 * Reduces the user's options to the formula's two terms.
 * @example toPolicy({ strategy: 'sliding', ttl: 60 }) // { idleTtlMs: 60000, absoluteTtlMs: null }
 */
export function toPolicy(options: ExpirationOptions): ExpirationPolicy {
  switch (options.strategy) {
    case 'fixed':
      return { strategy: 'fixed', idleTtlMs: null, absoluteTtlMs: options.ttl * 1000 }
    case 'sliding':
      return { strategy: 'sliding', idleTtlMs: options.ttl * 1000, absoluteTtlMs: null }
    case 'hybrid':
      return { strategy: 'hybrid', idleTtlMs: options.idleTtl * 1000, absoluteTtlMs: options.absoluteTtl * 1000 }
  }
}

/**
 * The expiry of a session created at `now`.
 * @example initialExpiry(toPolicy({ strategy: 'hybrid', idleTtl: 60, absoluteTtl: 3600 }), 0)
 * // { expiresAt: 60000, absoluteExpiresAt: 3600000 }
 */
export function initialExpiry(
  policy: ExpirationPolicy,
  now: number,
): Pick<SessionRecord, 'expiresAt' | 'absoluteExpiresAt'> {
  const absoluteExpiresAt = policy.absoluteTtlMs === null ? null : now + policy.absoluteTtlMs
  // A record with no idle term starts at its deadline; the formula handles the rest.
  const expiresAt = slidExpiry({ expiresAt: absoluteExpiresAt ?? now, absoluteExpiresAt }, now, policy.idleTtlMs)
  return { expiresAt, absoluteExpiresAt }
}

/** The expiry after a touching access at `now` (the formula itself). */
export function touchedExpiry(
  record: Pick<SessionRecord, 'expiresAt' | 'absoluteExpiresAt'>,
  policy: ExpirationPolicy,
  now: number,
): number {
  return slidExpiry(record, now, policy.idleTtlMs)
}

/**
 * The expiry after `refresh`: extended by `ttlMs` (default: the idle ttl, or the fixed ttl),
 * never past the absolute deadline, and never shortened.
 */
export function refreshedExpiry(
  record: Pick<SessionRecord, 'expiresAt' | 'absoluteExpiresAt'>,
  policy: ExpirationPolicy,
  now: number,
  ttlMs?: number,
): number {
  const extend = ttlMs ?? policy.idleTtlMs ?? policy.absoluteTtlMs ?? 0
  return Math.max(record.expiresAt, slidExpiry(record, now, extend))
}

/** The longest default `touchAfter`: one minute. */
export const MAX_DEFAULT_TOUCH_AFTER_MS = 60_000

/**
 * The `touchAfter` used when none is given: a tenth of the idle ttl (of the ttl for `fixed`),
 * at most a minute. An access then slides the expiry at most once a minute, so a busy session
 * costs one write a minute instead of one per request, and it expires at most that much before
 * "idle ttl after its last request" (with the 30-minute default: after 29 to 30 idle minutes).
 * @example defaultTouchAfterMs(toPolicy({ strategy: 'sliding', ttl: 1800 })) // 60000
 * @example defaultTouchAfterMs(toPolicy({ strategy: 'sliding', ttl: 60 })) // 6000
 */
export function defaultTouchAfterMs(policy: ExpirationPolicy): number {
  const ttlMs = policy.idleTtlMs ?? policy.absoluteTtlMs ?? 0
  return Math.min(MAX_DEFAULT_TOUCH_AFTER_MS, Math.floor(ttlMs / 10))
}

/** Whether an access at `now` should be written, given `touchAfter` throttling. */
export function shouldPersistAccess(record: Pick<SessionRecord, 'lastAccessedAt'>, now: number, touchAfterMs: number): boolean {
  return now - record.lastAccessedAt >= touchAfterMs
}
