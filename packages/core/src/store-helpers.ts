import { StoreUnavailableError } from './errors'
import type { SessionRecord } from './store'

/** True when the record is still live at `now` (DESIGN §3: expired means `expiresAt <= now`). */
export function isLive(record: Pick<SessionRecord, 'expiresAt'>, now: number): boolean {
  return record.expiresAt > now
}

/**
 * The new `expiresAt` for an access at `now`: `min(now + idleTtlMs, absoluteExpiresAt)`, or the
 * current one when the strategy does not slide. The one formula every store's touch uses.
 */
export function slidExpiry(
  record: Pick<SessionRecord, 'expiresAt' | 'absoluteExpiresAt'>,
  now: number,
  idleTtlMs: number | null,
): number {
  if (idleTtlMs === null) return record.expiresAt
  const slid = now + idleTtlMs
  return record.absoluteExpiresAt === null ? slid : Math.min(slid, record.absoluteExpiresAt)
}

/**
 * Bounds a backend call by a timeout: rejects with `StoreUnavailableError` naming the store and
 * operation when `ms` pass first. The timer never keeps the process alive.
 * @example await withTimeout(redis.get(key), 2000, 'redis', 'get')
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, store: string, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(store, `${operation} did not answer within ${ms} ms`, { operation })),
      ms,
    )
    timer.unref?.()
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
