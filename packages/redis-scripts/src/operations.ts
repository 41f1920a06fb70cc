import type {
  InsertOptions,
  InsertResult,
  PurgeOptions,
  ReplaceResult,
  ScanOptions,
  ScanPage,
  SessionRecord,
  SessionRef,
  TouchOptions,
} from '@sessionkit/core'
import type { KeyLayout } from './key-layout'
import { MalformedReplyError, arg, decodeRecord, encodeRecord, parseLiveRecord, parseRecordPairs, parseRef } from './record-codec'
import { scripts, type RedisScript } from './scripts'

/**
 * Where the store runs. `single`: one Redis (standalone, or Sentinel's current master), where a
 * script may touch keys of any slot, so every operation is one script. `cluster`: Redis Cluster,
 * where a script touches one slot only, so user-index steps run as separate commands.
 */
export type Topology = 'single' | 'cluster'

/** One script run: send `EVALSHA script.sha1 keys.length ...keys ...args`, then `parse` the reply. */
export interface ScriptCall<R> {
  readonly kind: 'script'
  readonly script: RedisScript
  readonly keys: string[]
  readonly args: string[]
  parse(reply: unknown): R
}

/** One plain command (`command[0]` is its name), then `parse` the reply. */
export interface CommandCall<R> {
  readonly kind: 'command'
  readonly command: string[]
  parse(reply: unknown): R
}

/** A call a store sends as one round trip. */
export type RedisCall<R> = ScriptCall<R> | CommandCall<R>

function scriptCall<R>(script: RedisScript, keys: string[], args: string[], parse: (reply: unknown) => R): ScriptCall<R> {
  return { kind: 'script', script, keys, args, parse }
}

function commandCall<R>(command: string[], parse: (reply: unknown) => R): CommandCall<R> {
  return { kind: 'command', command, parse }
}

function list(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw new MalformedReplyError(what)
  return reply
}

/**
 * get: `GET` of the session record; `null` when absent or expired at `now`.
 * @example const call = getCall(keys, id, now) // { kind: 'command', command: ['GET', '{sk:3}:s:…'] }
 */
export function getCall(layout: KeyLayout, id: string, now: number): CommandCall<SessionRecord | null> {
  return commandCall(['GET', layout.sessionKey(id)], (reply) => parseLiveRecord(id, reply, now))
}

/**
 * insert: the `insert` script. On `single` it also maintains the user index, maxPerUser and
 * `replaceDevice` atomically. On `cluster` the caller first sends {@link userIndexAddCall} (so a failure in
 * between leaves only an index entry readers prune) and enforces maxPerUser itself.
 * @example const result = await send(insertCall(keys, record, { now, maxPerUser: 5 }, 'single'))
 */
export function insertCall(
  layout: KeyLayout,
  record: SessionRecord,
  options: InsertOptions,
  topology: Topology,
): ScriptCall<InsertResult> {
  const bucket = layout.bucketOf(record.id)
  const keys = [layout.sessionKey(record.id), layout.expiryIndexKey(bucket)]
  if (topology === 'single' && record.userId !== null) keys.push(layout.userIndexKey(record.userId))
  const args = [
    record.id,
    record.userId ?? '',
    record.userId === null ? '0' : '1',
    encodeRecord(record),
    arg(record.createdAt),
    arg(record.expiresAt),
    arg(options.now),
    arg(options.maxPerUser ?? 0),
    layout.prefix,
    String(layout.buckets),
  ]
  // Appended only with a device, so an insert without one sends exactly what it always did.
  if (record.deviceId != null) args.push(record.deviceId, options.replaceDevice ? '1' : '0')
  return scriptCall(scripts.insert, keys, args, parseInsertReply)
}

/**
 * The `insert` script's reply as an {@link InsertResult}. Entries tagged `'d'` (a third
 * element) are sessions replaced on the device; `replaced` is present only when there are any.
 */
export function parseInsertReply(reply: unknown): InsertResult {
  const items = list(reply, 'insert')
  if (items[0] === 'exists') return { status: 'exists' }
  if (items[0] !== 'ok') throw new MalformedReplyError('insert')
  const evicted: SessionRef[] = []
  const replaced: SessionRef[] = []
  for (const entry of items.slice(1)) {
    const isReplaced = Array.isArray(entry) && entry.length > 2 && entry[2] === 'd'
    ;(isReplaced ? replaced : evicted).push(parseRef(entry))
  }
  return replaced.length > 0 ? { status: 'ok', evicted, replaced } : { status: 'ok', evicted }
}

/**
 * touch: the `touch` script; the record as stored after the call, or `null`.
 * @example const record = await send(touchCall(keys, id, { now, idleTtlMs: 1_800_000, touchAfterMs: 0 }))
 */
export function touchCall(layout: KeyLayout, id: string, options: TouchOptions): ScriptCall<SessionRecord | null> {
  return scriptCall(
    scripts.touch,
    [layout.sessionKey(id)],
    [arg(options.now), options.idleTtlMs === null ? '' : arg(options.idleTtlMs), arg(options.touchAfterMs)],
    (reply) => decodeRecord(id, reply),
  )
}

/**
 * replace: the `replace` script, a compare-and-set on `version` that never recreates a record.
 * @example const result = await send(replaceCall(keys, { ...record, version: 3 }, 2, now))
 */
export function replaceCall(
  layout: KeyLayout,
  record: SessionRecord,
  expectedVersion: number,
  now: number,
): ScriptCall<ReplaceResult> {
  return scriptCall(
    scripts.replace,
    [layout.sessionKey(record.id), layout.expiryIndexKey(layout.bucketOf(record.id))],
    [
      record.id,
      arg(expectedVersion),
      arg(now),
      record.payload,
      arg(record.lastAccessedAt),
      arg(record.expiresAt),
      record.absoluteExpiresAt === null ? '' : arg(record.absoluteExpiresAt),
      arg(record.version),
    ],
    (reply) => parseReplaceReply(record.id, reply),
  )
}

/** The `replace` script's reply as a {@link ReplaceResult}. */
export function parseReplaceReply(id: string, reply: unknown): ReplaceResult {
  const items = list(reply, 'replace')
  if (items[0] === 'ok') return { status: 'ok' }
  if (items[0] === 'missing') return { status: 'missing' }
  if (items[0] === 'conflict') {
    // A current record that cannot be read is as good as gone: never conflict on it forever.
    const current = decodeRecord(id, items[1])
    return current ? { status: 'conflict', current } : { status: 'missing' }
  }
  throw new MalformedReplyError('replace')
}

/**
 * delete: the `delete` script. On `cluster` the caller then sends {@link userIndexRemoveCall}
 * for the returned user (the session goes first, so a failure leaves only a prunable entry).
 * @example const ref = await send(deleteCall(keys, id, 'single'))
 */
export function deleteCall(layout: KeyLayout, id: string, topology: Topology): ScriptCall<SessionRef | null> {
  return scriptCall(
    scripts.delete,
    [layout.sessionKey(id), layout.expiryIndexKey(layout.bucketOf(id))],
    [id, topology === 'single' ? layout.prefix : ''],
    (reply) => (reply === null || reply === undefined ? null : parseRef(reply)),
  )
}

/**
 * listByUser on `single`: the `list-by-user` script, newest first, pruning dead entries.
 * (On `cluster`: {@link userIndexRangeCall}, then {@link getCall} per id.)
 * @example const records = await send(listByUserCall(keys, 'user-1', now))
 */
export function listByUserCall(layout: KeyLayout, userId: string, now: number): ScriptCall<SessionRecord[]> {
  return scriptCall(
    scripts.listByUser,
    [layout.userIndexKey(userId)],
    [arg(now), layout.prefix, String(layout.buckets)],
    (reply) => parseRecordPairs(list(reply, 'list-by-user')),
  )
}

/**
 * deleteByUser on `single`: the `delete-by-user` script.
 * (On `cluster`: {@link userIndexRangeCall}, {@link deleteCall} per id, then {@link userIndexRemoveCall}.)
 * @example const refs = await send(deleteByUserCall(keys, 'user-1', currentId))
 */
export function deleteByUserCall(layout: KeyLayout, userId: string, exceptId?: string): ScriptCall<SessionRef[]> {
  return scriptCall(
    scripts.deleteByUser,
    [layout.userIndexKey(userId)],
    [exceptId ?? '', layout.prefix, String(layout.buckets)],
    (reply) => list(reply, 'delete-by-user').map((id) => ({ id: String(id), userId })),
  )
}

/** Where a scan resumes: a bucket and the last id seen in it (`''` = its start). */
interface ScanPosition {
  bucket: number
  after: string
}

function decodeCursor(cursor: string | null | undefined, buckets: number): ScanPosition {
  if (cursor === null || cursor === undefined || cursor === '') return { bucket: 0, after: '' }
  const colon = cursor.indexOf(':')
  const bucket = Number(cursor.slice(0, colon))
  if (colon < 1 || !Number.isInteger(bucket) || bucket < 0 || bucket >= buckets) {
    throw new RangeError('scan cursor: not a cursor this store returned')
  }
  return { bucket, after: cursor.slice(colon + 1) }
}

/**
 * scan: the `scan` script over the bucket id indexes, in bucket then id order (stable while
 * sessions are touched). On `single` one call walks every remaining bucket; on `cluster` a page
 * covers one bucket (one slot), so a page may hold fewer than `limit` records.
 * @example const page = await send(scanCall(keys, { limit: 100, now }, 'single'))
 */
export function scanCall(layout: KeyLayout, options: ScanOptions, topology: Topology): ScriptCall<ScanPage> {
  const start = decodeCursor(options.cursor, layout.buckets)
  const last = topology === 'single' ? layout.buckets - 1 : start.bucket
  const keys: string[] = []
  for (let b = start.bucket; b <= last; b++) keys.push(layout.idIndexKey(b))
  const args = [start.after, arg(Math.max(1, options.limit)), arg(options.now), options.includeExpired ? '1' : '0']
  return scriptCall(scripts.scan, keys, args, (reply) => {
    const items = list(reply, 'scan')
    const position = Number(items[0])
    const records = parseRecordPairs(items, 2).slice(0, options.limit)
    if (position > 0) return { records, cursor: `${start.bucket + position - 1}:${String(items[1])}` }
    const next = last + 1
    return { records, cursor: next < layout.buckets ? `${next}:` : null }
  })
}

/**
 * purgeExpired: the `purge` script over bucket expiry indexes (only expired entries are read).
 * On `single` all buckets in one call; on `cluster` pass one bucket per call and then remove the
 * returned sessions from their user indexes with {@link userIndexRemoveCall}.
 * @example const removed = await send(purgeCall(keys, { now, limit: 500 }, 'single'))
 */
export function purgeCall(
  layout: KeyLayout,
  options: PurgeOptions,
  topology: Topology,
  buckets?: readonly number[],
): ScriptCall<SessionRef[]> {
  const chosen = buckets ?? Array.from({ length: layout.buckets }, (_, b) => b)
  return scriptCall(
    scripts.purge,
    chosen.map((b) => layout.expiryIndexKey(b)),
    [arg(options.now), arg(options.limit ?? 1000), topology === 'single' ? layout.prefix : ''],
    (reply) => list(reply, 'purge').map(parseRef),
  )
}

/**
 * acquireLock: `SET lock token NX PX ttl`; the token when taken, `null` when held by another.
 * @example const token = await send(acquireLockCall(keys, id, randomToken, 5000))
 */
export function acquireLockCall(layout: KeyLayout, id: string, token: string, ttlMs: number): CommandCall<string | null> {
  return commandCall(['SET', layout.lockKey(id), token, 'NX', 'PX', arg(Math.max(1, ttlMs))], (reply) =>
    reply === 'OK' ? token : null,
  )
}

/**
 * releaseLock: the `release-lock` compare-and-delete script; `false` for a non-owner.
 * @example await send(releaseLockCall(keys, id, token)) // true
 */
export function releaseLockCall(layout: KeyLayout, id: string, token: string): ScriptCall<boolean> {
  return scriptCall(scripts.releaseLock, [layout.lockKey(id)], [token], (reply) => Number(reply) === 1)
}

/**
 * Cluster step: `ZADD` the session to its user's index (sent before the `insert` script).
 * @example await send(userIndexAddCall(keys, record))
 */
export function userIndexAddCall(layout: KeyLayout, record: SessionRecord & { userId: string }): CommandCall<void> {
  return commandCall(['ZADD', layout.userIndexKey(record.userId), arg(record.createdAt), record.id], () => undefined)
}

/**
 * Cluster step: `ZREM` ids from a user's index (after their sessions were deleted or found dead).
 * @example await send(userIndexRemoveCall(keys, 'user-1', [id]))
 */
export function userIndexRemoveCall(layout: KeyLayout, userId: string, ids: readonly string[]): CommandCall<void> {
  return commandCall(['ZREM', layout.userIndexKey(userId), ...ids], () => undefined)
}

/**
 * Cluster step: a user's index entries, newest `createdAt` first (`ZREVRANGE … WITHSCORES`).
 * @example const entries = await send(userIndexRangeCall(keys, 'user-1')) // [{ id, createdAt }]
 */
export function userIndexRangeCall(layout: KeyLayout, userId: string): CommandCall<Array<{ id: string; createdAt: number }>> {
  return commandCall(['ZREVRANGE', layout.userIndexKey(userId), '0', '-1', 'WITHSCORES'], (reply) => {
    const items = list(reply, 'user index')
    const entries: Array<{ id: string; createdAt: number }> = []
    for (let i = 0; i + 1 < items.length; i += 2) entries.push({ id: String(items[i]), createdAt: Number(items[i + 1]) })
    return entries
  })
}
