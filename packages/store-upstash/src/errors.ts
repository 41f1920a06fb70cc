import { ConfigError, SessionError, StoreError, StoreUnavailableError } from '@sessionkit/core'
import { MalformedReplyError } from '@sessionkit/redis-scripts'
import { ENV_TOKEN, ENV_URL } from './options'

/** The store name in messages and errors. */
export const STORE_NAME = 'upstash'

/** An error entry Upstash answered (`{"error": "..."}`), already stripped of the request body. */
export class UpstashReplyError extends Error {
  override readonly name = 'UpstashReplyError'
}

/** The operation's deadline passed while a request was in flight. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError'
}

/**
 * Upstash's text for a failed request, without what the client appends: `@upstash/redis` adds
 * `, command was: [...]` (the keys and the session payload), and Redis quotes arguments in
 * "unknown command" errors. Neither may reach an error message or a log.
 * @example redact('ERR unknown command, command was: ["get","k"]') // 'ERR unknown command'
 */
export function redact(message: string): string {
  return message.split(', command was:')[0]!.split(', with args beginning with:')[0]!.trim()
}

/** Error replies that mean "Upstash or its Redis is busy or failing over": try again later. */
const TRANSIENT = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|READONLY|CLUSTERDOWN|OOM)\b|limit exceeded|too many requests/i

/** A Redis error reply starts with an upper-case code such as ERR, WRONGTYPE or NOSCRIPT. */
const REDIS_ERROR = /^[A-Z][A-Z_]+\b/

/** Upstash answers a wrong or missing token with 401 `{"error": "Unauthorized"}`. */
const UNAUTHORIZED = /^Unauthorized\b|WRONGPASS|NOAUTH|invalid or missing auth token/i

/**
 * True when Upstash says the script is not in its cache, so the store sends EVAL instead.
 * @example isNoScript(new UpstashReplyError('NOSCRIPT No matching script.')) // true
 */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && /NOSCRIPT/i.test(error.message)
}

function errorText(error: unknown): string | null {
  if (error instanceof UpstashReplyError) return error.message
  // @upstash/redis throws UpstashError for a non-2xx answer (401, 400, 500, ...).
  if (error instanceof Error && error.name === 'UpstashError') return redact(error.message)
  return null
}

/**
 * Turns whatever a request failed with into a typed sessionkit error, without keys, tokens or
 * session data in the message: a bad token is a `ConfigError` naming the environment variables;
 * a timeout, a refused or dropped connection, a 5xx or a non-JSON answer is
 * `StoreUnavailableError`; an error Redis itself raised is `StoreError`.
 * @example throw toTypedError(error, 'touch', 3000)
 */
export function toTypedError(error: unknown, operation: string, timeoutMs: number): SessionError {
  if (error instanceof SessionError) return error
  const options = { operation }
  if (error instanceof RequestTimeoutError || (error instanceof Error && error.name === 'AbortError') || (error instanceof Error && error.name === 'TimeoutError')) {
    return new StoreUnavailableError(STORE_NAME, `${operation} did not answer within ${timeoutMs} ms`, { ...options, cause: error })
  }
  if (error instanceof MalformedReplyError) {
    return new StoreError(STORE_NAME, `${operation}: ${error.message}; is the URL an Upstash REST endpoint, and are the keys under this prefix written only by sessionkit?`, { ...options, cause: error })
  }
  if (error instanceof Error && error.name === 'UpstashJSONParseError') {
    return new StoreUnavailableError(STORE_NAME, `${operation}: the endpoint did not answer Upstash JSON (a proxy error page, or ${ENV_URL} is not the REST URL)`, options)
  }
  const text = errorText(error)
  if (text === null) {
    // fetch threw (refused, reset, DNS, TLS) after the client's own retries.
    return new StoreUnavailableError(STORE_NAME, `${operation} could not reach Upstash`, { ...options, cause: error })
  }
  const cause = new Error(text)
  if (UNAUTHORIZED.test(text)) {
    return new ConfigError(
      'token',
      `Upstash rejected the REST token (401 Unauthorized) during ${operation}: check ${ENV_URL} and ${ENV_TOKEN} (use the REST token of that database, not its Redis password)`,
      { ...options, cause },
    )
  }
  if (TRANSIENT.test(text) || !REDIS_ERROR.test(text)) {
    return new StoreUnavailableError(STORE_NAME, `${operation} failed on the Upstash side; retry later`, { ...options, cause })
  }
  return new StoreError(STORE_NAME, `${operation}: Redis answered ${text.split(' ')[0]}`, { ...options, cause })
}
