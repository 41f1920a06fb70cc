import { generateToken, sessionIdFromToken, type SessionRecord } from '@sessionkit/core'

/** A record written at `now`, live for ten minutes, with a real session id. */
export function record(now: number, fields: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: sessionIdFromToken(generateToken()),
    userId: 'user-1',
    payload: '{"d":{}}',
    createdAt: now,
    lastAccessedAt: now,
    expiresAt: now + 600_000,
    absoluteExpiresAt: null,
    version: 1,
    ...fields,
  }
}
