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
 * How a session record is stored: one Redis string,
 *
 *     1|<expiresAt>|<lastAccessedAt>|<version>|<absoluteExpiresAt>|<createdAt>|<userLen>|<deviceLen>|<userId><deviceId><payload>
 *
 * `1` is the format. Times are epoch milliseconds in decimal; `absoluteExpiresAt` is empty when
 * there is none. `userLen` / `deviceLen` are the UTF-8 byte lengths of the user id and device id,
 * empty for a guest or a session without a device, and the two ids then follow the header
 * back to back, before the payload, which runs to the end. The fields a touch rewrites come
 * first, so the scripts rewrite the header and copy the rest as it is; a read is one bulk string,
 * which clients parse far faster than a hash's field list (see the package README).
 */
export const RECORD_FORMAT = '1'

/** The UTF-8 byte length of `s`, as Redis stores it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let bytes = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) bytes += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2 // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++
    } else bytes += 2
  }
  return bytes
}

/** The index in `s` just after `bytes` UTF-8 bytes from `from`, or -1 when `s` is shorter. */
function advanceBytes(s: string, from: number, bytes: number): number {
  let i = from
  let left = bytes
  while (left > 0) {
    if (i >= s.length) return -1
    const c = s.charCodeAt(i)
    if (c < 0x80) left -= 1
    else if (c < 0x800) left -= 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      left -= 4
      i++
    } else left -= 3
    i++
  }
  return left === 0 ? i : -1
}

/** An integer as Redis arguments want it (never exponent notation). */
export function arg(n: number): string {
  return Number.isInteger(n) ? n.toFixed(0) : String(Math.floor(n))
}

/**
 * A record as the string the scripts store.
 * @example encodeRecord(record) // '1|1700000060000|1700000000000|1||1700000000000|6||user-1{"cart":[]}'
 */
export function encodeRecord(record: SessionRecord): string {
  const user = record.userId
  const device = record.deviceId ?? null
  return (
    `${RECORD_FORMAT}|${arg(record.expiresAt)}|${arg(record.lastAccessedAt)}|${arg(record.version)}|` +
    `${record.absoluteExpiresAt === null ? '' : arg(record.absoluteExpiresAt)}|${arg(record.createdAt)}|` +
    `${user === null ? '' : utf8Length(user)}|${device === null ? '' : utf8Length(device)}|` +
    `${user ?? ''}${device ?? ''}${record.payload}`
  )
}

// The header is read field by field: `cursor` is where the next one starts, and a field that is
// not what the format says leaves it at -1, which every later read passes on.
let cursor = 0

/** The decimal field at `cursor` up to the next `|`; `null` when empty and allowed; NaN when damaged. */
function numberField(s: string, optional: boolean): number | null {
  if (cursor < 0) return Number.NaN
  let n = 0
  let i = cursor
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 124) break
    if (c < 48 || c > 57) {
      cursor = -1
      return Number.NaN
    }
    n = n * 10 + (c - 48)
  }
  if (i >= s.length || (i === cursor && !optional)) {
    cursor = -1
    return Number.NaN
  }
  const empty = i === cursor
  cursor = i + 1
  return empty ? null : n
}

/**
 * A record from the stored string, or `null` for a nil reply. A string that is not a record in
 * this format (written underneath the store, truncated, another version) is treated as absent,
 * like an expired record, so a damaged key can never turn a request into an error; the scripts
 * treat it the same way, and purge or Redis' own expiry removes it. Expiry is not checked here;
 * see {@link parseLiveRecord}.
 * @example decodeRecord(id, '1|1700000060000|1700000000000|1||1700000000000|||{}')
 */
export function decodeRecord(id: string, value: unknown): SessionRecord | null {
  if (value === null || value === undefined) return null
  if (typeof value !== 'string') throw new MalformedReplyError('a session record')
  if (value.charCodeAt(0) !== 49 || value.charCodeAt(1) !== 124) return null
  cursor = 2
  const expiresAt = numberField(value, false)
  const lastAccessedAt = numberField(value, false)
  const version = numberField(value, false)
  const absoluteExpiresAt = numberField(value, true)
  const createdAt = numberField(value, false)
  const userBytes = numberField(value, true)
  const deviceBytes = numberField(value, true)
  if (cursor < 0) return null
  // The ids are measured in UTF-8 bytes: each ends where its byte count runs out.
  const at = cursor
  const userEnd = userBytes === null ? at : advanceBytes(value, at, userBytes)
  if (userEnd < 0) return null
  const deviceEnd = deviceBytes === null ? userEnd : advanceBytes(value, userEnd, deviceBytes)
  if (deviceEnd < 0) return null
  const record: SessionRecord = {
    id,
    userId: userBytes === null ? null : value.slice(at, userEnd),
    payload: value.slice(deviceEnd),
    createdAt: createdAt!,
    lastAccessedAt: lastAccessedAt!,
    expiresAt: expiresAt!,
    absoluteExpiresAt,
    version: version!,
  }
  // Only sessions with a device carry the field, so others read back exactly as written.
  if (deviceBytes !== null) record.deviceId = value.slice(userEnd, deviceEnd)
  return record
}

/**
 * Like {@link decodeRecord}, but `null` when the record is expired at `now`: the store's own
 * check, whatever Redis' native expiry has or has not done yet.
 * @example parseLiveRecord(id, await redis.get(keys.sessionKey(id)), Date.now())
 */
export function parseLiveRecord(id: string, reply: unknown, now: number): SessionRecord | null {
  const record = decodeRecord(id, reply)
  return record !== null && record.expiresAt > now ? record : null
}

/** A scalar of a reply as text (clients answer strings; REST clients may answer numbers). */
function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  throw new MalformedReplyError(what)
}

/** A `{id}` / `{id, userId}` reply entry as a {@link SessionRef}. */
export function parseRef(entry: unknown): SessionRef {
  if (!Array.isArray(entry) || entry.length < 1) throw new MalformedReplyError('a session reference')
  return { id: text(entry[0], 'a session id'), userId: entry.length > 1 ? text(entry[1], 'a user id') : null }
}

/** `[id, record, id, record, ...]` as records (the reply of list and scan scripts). */
export function parseRecordPairs(reply: readonly unknown[], from = 0): SessionRecord[] {
  const records: SessionRecord[] = []
  for (let i = from; i + 1 < reply.length; i += 2) {
    const record = decodeRecord(text(reply[i], 'a session id'), reply[i + 1])
    if (record) records.push(record)
  }
  return records
}
