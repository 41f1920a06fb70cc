/**
 * Reads the error bodies ZeroDB sends (`{"detail": "..."}`, `{"detail": [{loc, msg, type}]}`,
 * `{"error": {code, message, retry_after}}`, or plain text) into one short line a person can
 * read. Never `[object Object]`, and never the offending input: FastAPI validation errors can
 * echo it, and it may be session data.
 */

const MAX = 300

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > MAX ? `${flat.slice(0, MAX)}…` : flat
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function validationLine(item: unknown): string {
  if (!isRecord(item)) return typeof item === 'string' ? item : JSON.stringify(item)
  const loc = Array.isArray(item.loc) ? item.loc.map(String).join('.') : ''
  const msg = typeof item.msg === 'string' ? item.msg : typeof item.type === 'string' ? item.type : 'invalid'
  return loc ? `${loc}: ${msg}` : msg
}

/**
 * One line describing an error body.
 * @example describeErrorBody({ error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Slow down' } }) // 'RATE_LIMIT_EXCEEDED: Slow down'
 */
export function describeErrorBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return 'no details'
  if (typeof body === 'string') return clip(body)
  if (!isRecord(body)) return clip(JSON.stringify(body))
  const { detail, error, message } = body
  if (typeof detail === 'string') return clip(detail)
  if (Array.isArray(detail)) return clip(detail.map(validationLine).join('; '))
  if (isRecord(detail)) return describeErrorBody(detail)
  if (isRecord(error)) {
    const code = typeof error.code === 'string' || typeof error.code === 'number' ? String(error.code) : ''
    const text = typeof error.message === 'string' ? error.message : ''
    return clip([code, text].filter(Boolean).join(': ') || JSON.stringify(error))
  }
  if (typeof error === 'string') return clip(error)
  if (typeof message === 'string') return clip(message)
  return clip(JSON.stringify(body))
}

/**
 * The `retry_after` (seconds) some answers carry in `{"error": {...}}`, if any.
 * @example retryAfterFromBody({ error: { retry_after: 2 } }) // 2
 */
export function retryAfterFromBody(body: unknown): number | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined
  const value = Number(body.error.retry_after)
  return Number.isFinite(value) && value >= 0 ? value : undefined
}
