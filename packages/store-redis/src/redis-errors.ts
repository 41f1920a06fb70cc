import { SessionError, StoreError, StoreUnavailableError } from '@sessionkit/core'
import { MalformedReplyError } from '@sessionkit/redis-scripts'

/** The store name in errors and messages. */
export const STORE_NAME = 'redis'

/** Error replies that mean "Redis cannot serve right now", not "the request was wrong". */
const UNAVAILABLE_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY|NOREPLICAS|MOVED|ASK)\b/

/**
 * A copy of a client error with only its name, message and code: ioredis attaches the command
 * and its arguments (keys, payloads) to errors, which must never reach a log.
 */
function sanitize(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error))
  const copy = new Error(error.message)
  copy.name = error.name
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') Object.assign(copy, { code })
  return copy
}

/**
 * Maps anything a Redis call rejected with to a typed sessionkit error: connection loss,
 * timeouts and "try later" replies become `StoreUnavailableError`; other error replies and
 * unusable replies become `StoreError`. The cause is kept, without command arguments.
 * @example promise.catch((e) => { throw toSessionError(e, 'get') })
 */
export function toSessionError(error: unknown, operation: string): SessionError {
  if (error instanceof SessionError) return error
  const cause = sanitize(error)
  if (error instanceof RangeError) {
    // A caller mistake caught before any I/O, e.g. a scan cursor this store never returned.
    return new StoreError(STORE_NAME, `${operation}: ${cause.message}`, { operation, cause })
  }
  if (error instanceof MalformedReplyError) {
    return new StoreError(STORE_NAME, `${operation}: ${cause.message}; are these keys written by another program?`, { operation, cause })
  }
  if (cause.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(cause.message)) {
    return new StoreError(STORE_NAME, `${operation}: Redis answered an error (see cause)`, { operation, cause })
  }
  return new StoreUnavailableError(STORE_NAME, `${operation} failed: ${cause.message}`, { operation, cause })
}

/** True for the NOSCRIPT reply of an EVALSHA whose script the server does not hold. */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}

/** True for ioredis' own `commandTimeout` rejection ("Command timed out"). */
export function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out'
}

/**
 * The error of a call that got no reply within `ms`.
 * @example reject(timeoutError('get', 2000))
 */
export function timeoutError(operation: string, ms: number): StoreUnavailableError {
  const cause = Object.assign(new Error(`no reply within ${ms} ms`), { name: 'TimeoutError' })
  return new StoreUnavailableError(STORE_NAME, `${operation} did not answer within ${ms} ms`, { operation, cause })
}

/**
 * Settles like `promise`, or rejects with `StoreUnavailableError` after `ms`. One timer per
 * call, unref'd and cleared on settle; the late result of a timed-out call is absorbed, so it
 * never becomes an unhandled rejection.
 * @example await bounded(client.call('HGETALL', key), 2000, 'get')
 */
export function bounded<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError(operation, ms)), ms)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
