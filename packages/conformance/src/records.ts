import { randomBytes } from 'node:crypto'
import { generateToken, sessionIdFromToken, type SessionRecord, type SessionRef } from '@sessionkit/core'

/** One minute in milliseconds. */
export const MINUTE = 60_000
/** The default lifetime of a record the suite writes: long enough that real time never matters. */
export const DEFAULT_TTL = 10 * MINUTE

/**
 * A real session id: the SHA-256 of a fresh token, exactly as core makes them.
 * @example const id = newSessionId()
 */
export function newSessionId(): string {
  return sessionIdFromToken(generateToken())
}

/** A user id no other test uses. */
export function newUserId(): string {
  return `user-${randomBytes(6).toString('hex')}`
}

/** A unique, recognisable string to find in payloads and raw dumps. */
export function marker(label = 'payload'): string {
  return `sk-conf-${label}-${randomBytes(8).toString('hex')}`
}

/**
 * A valid record written at `now`: a real id, a unique user, a unique payload, live for
 * {@link DEFAULT_TTL}, version 1. `fields` overrides any of it.
 * @example const record = makeRecord(clock.now(), { userId: null })
 */
export function makeRecord(now: number, fields: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: newSessionId(),
    userId: newUserId(),
    payload: JSON.stringify({ marker: marker() }),
    createdAt: now,
    lastAccessedAt: now,
    expiresAt: now + DEFAULT_TTL,
    absoluteExpiresAt: null,
    version: 1,
    ...fields,
  }
}

/** The ref a store returns for `record`. */
export function refOf(record: Pick<SessionRecord, 'id' | 'userId'>): SessionRef {
  return { id: record.id, userId: record.userId }
}

/** Refs in a stable order, for comparing sets of removed sessions. */
export function sortRefs(refs: readonly SessionRef[]): SessionRef[] {
  return [...refs].map(refOf).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** Ids in a stable order. */
export function sortIds(items: readonly { id: string }[]): string[] {
  return items.map((item) => item.id).sort()
}

/** The marker inside a payload written by {@link makeRecord}: plain text that survives any escaping. */
export function markerOf(record: Pick<SessionRecord, 'payload'>): string {
  const parsed: unknown = JSON.parse(record.payload)
  if (typeof parsed === 'object' && parsed !== null && 'marker' in parsed && typeof parsed.marker === 'string') return parsed.marker
  throw new Error('this record was not written with a marker payload')
}
