import { randomBytes } from 'node:crypto'
import { StoreError } from '@sessionkit/core'
import type { Call } from './http-client'
import { padTime } from './row-codec'
import type { Row, TableApi } from './table-api'

/**
 * Locks as rows, for a database with no unique key and no single-row conditional write, but
 * with an atomic filtered bulk update.
 *
 * A lock named `id` is one or more "anchor" rows `{kind: 'lock', lid: id, owner, exp}` (`exp` a
 * padded epoch-ms string). Taking it is one `PUT /rows/bulk` with the filter
 * `{lid: id, exp: {$lte: now}}`: ZeroDB applies it atomically, so of many concurrent takers
 * exactly one finds the anchors free and sets itself as owner; the others match nothing.
 *
 * The catch is the first use: there is no anchor yet, and creating one (`POST /rows`) is not
 * atomic, so two first takers can each create one and each claim "their" anchor. So after every
 * claim the taker reads all anchors back, and holds the lock only when no live anchor belongs
 * to anyone else. Each taker writes its claim before reading, so of two overlapping takers the
 * later reader always sees the earlier claim: both may back off, never both win. A taker that
 * backs off frees its anchors and tries again after a short random wait; anchors are never
 * deleted while in use, so the set stops growing and one claim soon takes them all.
 *
 * Released anchors stay (freed: `exp` 0) so the next take costs 2 requests; `purgeExpired`
 * deletes anchors that are free or whose holder died, with the same expiry guard in the filter.
 * Times are this process's wall clock (lock ttls have no injected clock): hosts sharing a lock
 * need clocks within a small fraction of the ttl.
 */

/** Attempts at resolving a first-use race before giving up (answering "held"). */
const ROUNDS = 6
/** The `exp` of a free anchor. */
const FREE = padTime(0)

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.())
}

function liveRows(rows: Row[], now: number): Row[] {
  return rows.filter((row) => Number(row.row_data.exp) > now)
}

/**
 * Takes the lock, or answers `null` when someone else holds it.
 * @example const token = await acquireRowLock(api, call, id, 10_000)
 */
export async function acquireRowLock(api: TableApi, call: Call, id: string, ttlMs: number): Promise<string | null> {
  const owner = randomBytes(18).toString('base64url')
  const mine = { kind: 'lock', lid: id, owner }
  const claim = () => {
    const now = Date.now()
    return api.update(call, { kind: 'lock', lid: id, exp: { $lte: padTime(now) } }, { owner, exp: padTime(now + ttlMs, 'up') })
  }
  const anchors = () => api.query(call, { kind: 'lock', lid: id }, { limit: 100 }).then((page) => page.rows)

  const won = (result: { modified: number; repeated: boolean }) => result.modified > 0 || result.repeated

  const claimed = await claim()
  if (!won(claimed)) {
    const existing = await anchors()
    if (liveRows(existing, Date.now()).length > 0) return null
    // First use: create a free anchor (a duplicate from a retry is just one more anchor), then claim.
    if (existing.length === 0) await api.insert(call, { kind: 'lock', lid: id, owner: '', exp: FREE }, { idempotent: true })
    if (!won(await claim())) return null
  }
  for (let round = 1; ; round++) {
    const live = liveRows(await anchors(), Date.now())
    const others = live.some((row) => row.row_data.owner !== owner)
    if (!others && live.length > 0) return owner
    // Someone else claimed an anchor too: free ours and, after a random wait, claim again.
    await api.update(call, mine, { owner: '', exp: FREE })
    if (round >= ROUNDS || !others) return null
    await sleep(5 + Math.random() * 20 * round)
    if (!won(await claim())) return null
  }
}

/**
 * Frees the lock if `owner` still holds it; `false` when it does not (expired and taken, or
 * never held).
 * @example await releaseRowLock(api, call, id, token)
 */
export async function releaseRowLock(api: TableApi, call: Call, id: string, owner: string): Promise<boolean> {
  const freed = await api.update(call, { kind: 'lock', lid: id, owner, exp: { $gt: padTime(Date.now()) } }, { owner: '', exp: FREE })
  return freed.modified > 0 || freed.repeated
}

/**
 * Deletes up to 100 anchors that are free or expired by the wall clock; the filter keeps the
 * expiry guard, so an anchor claimed in between is not touched.
 * @example await purgeRowLocks(api, call)
 */
export async function purgeRowLocks(api: TableApi, call: Call): Promise<void> {
  const now = padTime(Date.now())
  const stale = await api.query(call, { kind: 'lock', exp: { $lte: now } }, { limit: 100 })
  if (stale.rows.length === 0) return
  const lids = [...new Set(stale.rows.map((row) => String(row.row_data.lid)))]
  try {
    await api.delete(call, { kind: 'lock', lid: { $in: lids }, exp: { $lte: now } })
  } catch (error) {
    // Best effort: more than 100 stale anchors for these names is refused; the next purge goes on.
    if (!(error instanceof StoreError)) throw error
  }
}
