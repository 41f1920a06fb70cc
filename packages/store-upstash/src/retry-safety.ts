import type { SessionRecord } from '@sessionkit/core'

/**
 * `@upstash/redis` resends a request when `fetch` throws, and a connection can drop after
 * Upstash applied the request. The write then lands once, and the retry meets its own result.
 * These checks recognise that case so the store answers what the first attempt did.
 */

/**
 * True when `stored` is the record this insert wrote: same owner, payload and creation time.
 * Ids are 256-bit random and payloads carry the session's data (or a random IV when
 * encrypted), so another insert cannot match by accident.
 * @example isOwnInsert(storedRecord, recordWeTriedToInsert) // true after a retried insert
 */
export function isOwnInsert(stored: SessionRecord, inserted: SessionRecord): boolean {
  return (
    stored.id === inserted.id &&
    stored.userId === inserted.userId &&
    stored.payload === inserted.payload &&
    stored.createdAt === inserted.createdAt
  )
}

/**
 * True when the "conflicting" record is exactly what this replace wrote: a retried
 * compare-and-set whose first attempt already moved the version on.
 * @example isOwnReplace(conflict.current, record) // true after a retried replace
 */
export function isOwnReplace(current: SessionRecord, written: SessionRecord): boolean {
  return (
    current.version === written.version &&
    current.payload === written.payload &&
    current.lastAccessedAt === written.lastAccessedAt &&
    current.expiresAt === written.expiresAt &&
    current.absoluteExpiresAt === written.absoluteExpiresAt
  )
}
