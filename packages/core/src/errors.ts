/**
 * Typed errors. Every error has a stable `code`, the `operation` it happened in, and the
 * underlying `cause` when there is one. Messages say what to do; none ever holds a token,
 * session data or a key.
 */

export type SessionErrorCode =
  | 'CONFIG'
  | 'STORE_UNAVAILABLE'
  | 'CONFLICT'
  | 'DECRYPTION'
  | 'INVALID_TOKEN'
  | 'LOCK_TIMEOUT'
  | 'CLOSED'
  | 'STORE'

export interface SessionErrorOptions {
  operation?: string
  cause?: unknown
}

/** The base of every error sessionkit throws. Check `code` rather than the message. */
export class SessionError extends Error {
  readonly code: SessionErrorCode
  readonly operation: string | undefined

  constructor(code: SessionErrorCode, message: string, options: SessionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.operation = options.operation
  }
}

/**
 * An option is missing or invalid. Thrown at construction, naming the option.
 * @example new SessionManager({ store, expiration: { strategy: 'hybrid', idleTtl: -1 } })
 * // ConfigError: expiration.idleTtl: must be a positive number of seconds
 */
export class ConfigError extends SessionError {
  /** The dotted path of the offending option, e.g. `expiration.idleTtl`. */
  readonly option: string

  constructor(option: string, message: string, options: SessionErrorOptions = {}) {
    super('CONFIG', `${option}: ${message}`, options)
    this.option = option
  }
}

/** The backend could not be reached or did not answer in time. The operation did not apply, or may have. */
export class StoreUnavailableError extends SessionError {
  readonly store: string

  constructor(store: string, message: string, options: SessionErrorOptions = {}) {
    super('STORE_UNAVAILABLE', `${store} store unavailable: ${message}`, options)
    this.store = store
  }
}

/** The backend answered with something the store cannot use (a bug or an incompatible server). */
export class StoreError extends SessionError {
  readonly store: string

  constructor(store: string, message: string, options: SessionErrorOptions = {}) {
    super('STORE', `${store} store: ${message}`, options)
    this.store = store
  }
}

/** A compare-and-set lost every retry: another writer kept changing the session. */
export class ConflictError extends SessionError {
  readonly sessionId: string
  readonly attempts: number

  constructor(sessionId: string, attempts: number, options: SessionErrorOptions = {}) {
    super(
      'CONFLICT',
      `session ${sessionId} changed concurrently on each of ${attempts} attempts; retry later or raise concurrency.maxRetries`,
      options,
    )
    this.sessionId = sessionId
    this.attempts = attempts
  }
}

/** A sealed payload did not open: tampered, moved to another session, or sealed with an unknown key. */
export class DecryptionError extends SessionError {
  readonly sessionId: string

  constructor(sessionId: string, message: string, options: SessionErrorOptions = {}) {
    super('DECRYPTION', `session ${sessionId}: ${message}`, options)
    this.sessionId = sessionId
  }
}

/** A token that is not well formed. It never reaches the store. */
export class InvalidTokenError extends SessionError {
  constructor(message = 'the session token is malformed', options: SessionErrorOptions = {}) {
    super('INVALID_TOKEN', message, options)
  }
}

/** A lock was not acquired within its wait time. */
export class LockTimeoutError extends SessionError {
  readonly sessionId: string

  constructor(sessionId: string, waitedMs: number, options: SessionErrorOptions = {}) {
    super('LOCK_TIMEOUT', `session ${sessionId}: lock not acquired within ${waitedMs} ms`, options)
    this.sessionId = sessionId
  }
}

/** The manager or store was closed; create a new one. */
export class ClosedError extends SessionError {
  constructor(what: string, options: SessionErrorOptions = {}) {
    super('CLOSED', `${what} is closed`, options)
  }
}

/** True for errors that mean "the backend is down or slow": the app may answer 503. */
export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof SessionError && error.code === 'STORE_UNAVAILABLE'
}
