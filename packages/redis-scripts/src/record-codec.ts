import type { SessionRecord, SessionRef } from '@sessionkit/core'

/**
 * A reply a store cannot use: the server is not a Redis these scripts know, or the keys were
 * written by something else. Stores turn it into their own typed `StoreError`.
 */
export class MalformedReplyError extends Error {
  constructor(what: string) {
    super(`unexpected Redis reply for ${what}`)
    this.name = 'MalformedReplyError'
  }
}

/**
 * Hash field names of a session record. One letter each: a session is a small hash that Redis
 * keeps as a compact listpack, and short names keep it small.
 */
export const RECORD_FIELDS = Object.freeze({
  userId: 'u',
  payload: 'p',
  createdAt: 'c',
  lastAccessedAt: 'a',
  expiresAt: 'e',
  absoluteExpiresAt: 'x',
  version: 'v',
})

/** A scalar of a reply as text (clients answer strings; REST clients may answer numbers). */
function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  throw new MalformedReplyError(what)
}

function integer(value: string | undefined, what: string): number {
  const n = Number(value)
  if (value === undefined || value === '' || !Number.isFinite(n)) throw new MalformedReplyError(what)
  return n
}

/**
 * A record from a flat `HGETALL`-style reply (`[field, value, ...]`), or `null` for an empty
 * reply. Expiry is not checked here; see {@link parseLiveRecord}.
 * @example parseRecordHash(id, ['p', '{}', 'c', '1', 'a', '1', 'e', '9', 'v', '1'])
 */
export function parseRecordHash(id: string, reply: unknown): SessionRecord | null {
  if (reply === null || reply === undefined) return null
  if (!Array.isArray(reply)) throw new MalformedReplyError('a session hash')
  if (reply.length === 0) return null
  const fields = new Map<string, string>()
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(text(reply[i], 'a hash field'), text(reply[i + 1], 'a hash value'))
  const payload = fields.get(RECORD_FIELDS.payload)
  if (payload === undefined) throw new MalformedReplyError('a session hash without payload')
  const absolute = fields.get(RECORD_FIELDS.absoluteExpiresAt)
  return {
    id,
    userId: fields.get(RECORD_FIELDS.userId) ?? null,
    payload,
    createdAt: integer(fields.get(RECORD_FIELDS.createdAt), 'createdAt'),
    lastAccessedAt: integer(fields.get(RECORD_FIELDS.lastAccessedAt), 'lastAccessedAt'),
    expiresAt: integer(fields.get(RECORD_FIELDS.expiresAt), 'expiresAt'),
    absoluteExpiresAt: absolute === undefined ? null : integer(absolute, 'absoluteExpiresAt'),
    version: integer(fields.get(RECORD_FIELDS.version), 'version'),
  }
}

/**
 * Like {@link parseRecordHash}, but `null` when the record is expired at `now`: the store's own
 * check, whatever Redis' native expiry has or has not done yet.
 * @example parseLiveRecord(id, await redis.call('HGETALL', keys.sessionKey(id)), Date.now())
 */
export function parseLiveRecord(id: string, reply: unknown, now: number): SessionRecord | null {
  const record = parseRecordHash(id, reply)
  return record !== null && record.expiresAt > now ? record : null
}

/** A `{id}` / `{id, userId}` reply entry as a {@link SessionRef}. */
export function parseRef(entry: unknown): SessionRef {
  if (!Array.isArray(entry) || entry.length < 1) throw new MalformedReplyError('a session reference')
  return { id: text(entry[0], 'a session id'), userId: entry.length > 1 ? text(entry[1], 'a user id') : null }
}

/** `[id, hash, id, hash, ...]` as records (the reply of list and scan scripts). */
export function parseRecordPairs(reply: readonly unknown[], from = 0): SessionRecord[] {
  const records: SessionRecord[] = []
  for (let i = from; i + 1 < reply.length; i += 2) {
    const record = parseRecordHash(text(reply[i], 'a session id'), reply[i + 1])
    if (record) records.push(record)
  }
  return records
}

/** An integer as Redis arguments want it (never exponent notation). */
export function arg(n: number): string {
  return Number.isInteger(n) ? n.toFixed(0) : String(Math.floor(n))
}
