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
  deviceId: 'd',
})

/** A scalar of a reply as text (clients answer strings; REST clients may answer numbers). */
function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  throw new MalformedReplyError(what)
}

/** A field that does not hold a number: the record was damaged underneath the store. */
class CorruptRecord extends Error {}

function integer(value: string | undefined): number {
  const n = Number(value)
  if (value === undefined || value === '' || !Number.isFinite(n)) throw new CorruptRecord()
  return n
}

/**
 * A record from a flat `HGETALL`-style reply (`[field, value, ...]`), or `null` for an empty
 * reply. A hash whose fields cannot be read (no payload, a time or version that is not a
 * number: written underneath the store) is treated as absent, like an expired record, so a
 * damaged key can never turn a request into an error; the scripts treat it the same way and
 * purge or Redis' own expiry removes it. Expiry is not checked here; see {@link parseLiveRecord}.
 * @example parseRecordHash(id, ['p', '{}', 'c', '1', 'a', '1', 'e', '9', 'v', '1'])
 */
export function parseRecordHash(id: string, reply: unknown): SessionRecord | null {
  if (reply === null || reply === undefined) return null
  if (!Array.isArray(reply)) throw new MalformedReplyError('a session hash')
  if (reply.length === 0) return null
  const fields = new Map<string, string>()
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(text(reply[i], 'a hash field'), text(reply[i + 1], 'a hash value'))
  const payload = fields.get(RECORD_FIELDS.payload)
  if (payload === undefined) return null
  const absolute = fields.get(RECORD_FIELDS.absoluteExpiresAt)
  const deviceId = fields.get(RECORD_FIELDS.deviceId)
  try {
    const record: SessionRecord = {
      id,
      userId: fields.get(RECORD_FIELDS.userId) ?? null,
      payload,
      createdAt: integer(fields.get(RECORD_FIELDS.createdAt)),
      lastAccessedAt: integer(fields.get(RECORD_FIELDS.lastAccessedAt)),
      expiresAt: integer(fields.get(RECORD_FIELDS.expiresAt)),
      absoluteExpiresAt: absolute === undefined ? null : integer(absolute),
      version: integer(fields.get(RECORD_FIELDS.version)),
    }
    // Only sessions with a device carry the field, so others read back exactly as written.
    if (deviceId !== undefined) record.deviceId = deviceId
    return record
  } catch (error) {
    if (error instanceof CorruptRecord) return null
    throw error
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
