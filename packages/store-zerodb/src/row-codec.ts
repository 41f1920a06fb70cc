import { type SessionRecord, type SessionRef, StoreError } from '@sessionkit/core'
import { STORE_NAME } from './http-client'
import type { Row } from './table-api'

/**
 * How a session is laid out in a ZeroDB row's `row_data`. ZeroDB has no key of our choosing
 * (`row_id` is the server's), no TTL and may compare numbers as text, so:
 * - `sid` carries the session id, found with `POST /query`;
 * - `exp` is `expiresAt` as a fixed-width, zero-padded string (16 digits holds every safe
 *   integer), so `$lte`/`$gt` order it the same whether the service compares as numbers or as
 *   text; the exact numbers are kept beside it;
 * - `w_<version>` holds a random id of the write that produced that version, for the last
 *   {@link WRITE_ID_WINDOW} versions, so a compare-and-set retried after a lost answer can tell
 *   its own write from someone else's even when other writes have landed on top of it since.
 */
export interface SessionRowData extends Record<string, unknown> {
  kind: 'session'
  sid: string
  uid: string | null
  payload: string
  createdAt: number
  lastAccessedAt: number
  expiresAt: number
  exp: string
  absoluteExpiresAt: number | null
  version: number
  /** The device of a one-session-per-device sign-in; only on sessions that have one. */
  dev?: string
}

/** How many versions back a write id is kept (`w_<version>` fields; older ones are unset). */
export const WRITE_ID_WINDOW = 16

/**
 * The row field holding the id of the write that produced `version`.
 * @example writeIdField(7) // 'w_7'
 */
export function writeIdField(version: number): string {
  return `w_${version}`
}

/** Width of the padded time strings. */
const WIDTH = 16

/**
 * A time as a fixed-width string that sorts like the number. `round` picks the direction for
 * fractional times so that filters stay on the safe side.
 * @example padTime(1732412345678) // '0001732412345678'
 */
export function padTime(ms: number, round: 'up' | 'down' = 'down'): string {
  const whole = round === 'up' ? Math.ceil(ms) : Math.floor(ms)
  return String(Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, whole))).padStart(WIDTH, '0')
}

/**
 * `row_data` for a record.
 * @example await api.insert(call, toRowData(record, writeId()))
 */
export function toRowData(record: SessionRecord, wid: string): SessionRowData {
  return { ...sessionFields(record), [writeIdField(record.version)]: wid }
}

function sessionFields(record: SessionRecord): SessionRowData {
  return {
    kind: 'session',
    sid: record.id,
    uid: record.userId,
    payload: record.payload,
    createdAt: record.createdAt,
    lastAccessedAt: record.lastAccessedAt,
    expiresAt: record.expiresAt,
    exp: padTime(record.expiresAt, 'up'),
    absoluteExpiresAt: record.absoluteExpiresAt,
    version: record.version,
    // Only sessions with a device carry the field, so other rows stay as they were.
    ...(record.deviceId != null ? { dev: record.deviceId } : {}),
  }
}

/**
 * The update a compare-and-set sends: `$set` of the fields that can change (`userId` and
 * `createdAt` never do) and of this write's id, `$unset` of the write id that left the window.
 * @example const { $set, $unset } = casUpdate(next, wid); await api.update(call, filter, $set, $unset)
 */
export function casUpdate(
  record: SessionRecord,
  wid: string,
): { $set: Record<string, unknown>; $unset: Record<string, ''> | undefined } {
  // deviceId is immutable like userId: the device query of replaceDevice reads it.
  const { kind: _kind, sid: _sid, uid: _uid, createdAt: _createdAt, dev: _dev, ...rest } = sessionFields(record)
  const leaving = record.version - WRITE_ID_WINDOW
  return {
    $set: { ...rest, [writeIdField(record.version)]: wid },
    // Field names are letters, digits and _ only: there is nothing to unset below version 0.
    $unset: Number.isInteger(leaving) && leaving >= 0 ? { [writeIdField(leaving)]: '' } : undefined,
  }
}

function number(value: unknown, field: string): number {
  // Tolerate numbers kept as text: the real service may store them so.
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof parsed !== 'number' || !Number.isFinite(parsed)) {
    throw new StoreError(STORE_NAME, `a session row has an unreadable ${field}; was the table written by something else?`)
  }
  return parsed
}

/** A stored session row, decoded. */
export interface StoredSession {
  record: SessionRecord
  /** The id of the write that produced `version`, while it is within the window. */
  writeIdOf(version: number): string | undefined
  rowId: string
}

/**
 * Decodes a row back into a record (a fresh object: callers may mutate it).
 * @example fromRow(row).record.id
 */
export function fromRow(row: Row): StoredSession {
  const data = row.row_data
  if (typeof data.sid !== 'string' || typeof data.payload !== 'string') {
    throw new StoreError(STORE_NAME, 'a session row lacks sid or payload; was the table written by something else?')
  }
  const uid = data.uid === null || data.uid === undefined ? null : String(data.uid)
  const absolute = data.absoluteExpiresAt === null || data.absoluteExpiresAt === undefined ? null : number(data.absoluteExpiresAt, 'absoluteExpiresAt')
  return {
    record: {
      id: data.sid,
      userId: uid,
      payload: data.payload,
      createdAt: number(data.createdAt, 'createdAt'),
      lastAccessedAt: number(data.lastAccessedAt, 'lastAccessedAt'),
      expiresAt: number(data.expiresAt, 'expiresAt'),
      absoluteExpiresAt: absolute,
      version: number(data.version, 'version'),
      ...(typeof data.dev === 'string' ? { deviceId: data.dev } : {}),
    },
    writeIdOf(version) {
      const value = data[writeIdField(version)]
      return typeof value === 'string' ? value : undefined
    },
    rowId: row.row_id,
  }
}

/**
 * One session per id. ZeroDB has no unique key, so two concurrent inserts of one id can both
 * land (`atomicInsert: false`); readers then see the highest version, ties broken by row id so
 * every reader picks the same row. Order of first appearance is kept.
 * @example dedupe(rows.map(fromRow))
 */
export function dedupe(sessions: StoredSession[]): StoredSession[] {
  const best = new Map<string, StoredSession>()
  for (const session of sessions) {
    const current = best.get(session.record.id)
    if (
      !current ||
      session.record.version > current.record.version ||
      (session.record.version === current.record.version && session.rowId < current.rowId)
    ) {
      best.set(session.record.id, session)
    }
  }
  return [...best.values()]
}

/**
 * The ref of a record.
 * @example refOf(record) // { id, userId }
 */
export function refOf(record: SessionRecord): SessionRef {
  return { id: record.id, userId: record.userId }
}
