/**
 * When to retry a ZeroDB request and how long to wait. Pure functions, so the rules can be
 * read (and tested) apart from the HTTP code.
 */

/**
 * Network failures that prove the request never reached the server: retrying them is safe
 * even for a write that is not idempotent. Anything else (a reset, a closed socket, a
 * timeout) may have happened after the server applied the write.
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT'])

/**
 * The `code` of a fetch failure's cause chain (`TypeError: fetch failed` hides it in `cause`).
 * @example networkErrorCode(error) // 'ECONNREFUSED'
 */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * True when a network failure shows the request was never sent.
 * @example neverSent(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })) // true
 */
export function neverSent(error: unknown): boolean {
  const code = networkErrorCode(error)
  return code !== undefined && NOT_SENT.has(code)
}

/**
 * Reads `Retry-After`: delay-seconds or an HTTP date; `undefined` when absent or unreadable.
 * @example retryAfterMs('2', Date.now()) // 2000
 */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * Exponential backoff with "equal jitter": half the doubled delay is fixed, half is random,
 * so retries from many processes spread out but never collapse to zero.
 * @example backoffMs(2, 100, 2000, Math.random) // between 200 and 400
 */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** retry)
  return ceiling / 2 + random() * (ceiling / 2)
}

/**
 * The wait before a retry: the server's `Retry-After` when it gave one (never retry sooner
 * than asked; a little jitter on top), else the backoff.
 * @example waitBeforeRetry({ retry: 0, retryAfter: 1000, baseMs: 100, maxMs: 2000 }) // ~1000-1100
 */
export function waitBeforeRetry(input: { retry: number; retryAfter: number | undefined; baseMs: number; maxMs: number }): number {
  if (input.retryAfter !== undefined) return input.retryAfter + Math.random() * Math.min(100, input.retryAfter * 0.1)
  return backoffMs(input.retry, input.baseMs, input.maxMs)
}
