import { ClosedError, ConfigError, StoreError, StoreUnavailableError } from '@sessionkit/core'
import { describeErrorBody, retryAfterFromBody } from './error-body'
import type { ResolvedOptions } from './options'
import { neverSent, retryAfterMs, waitBeforeRetry } from './retry-policy'

/** The store name in messages and typed errors. */
export const STORE_NAME = 'zerodb'

/** One store operation: its name (for messages) and the wall-clock deadline all its requests share. */
export interface Call {
  operation: string
  deadline: number
}

/** One request to the tables API. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** The path after `/api/v1/projects/{project_id}/database`, already encoded. */
  path: string
  body?: unknown
  /**
   * Sending it twice has the effect of sending it once, so it may be retried after an answer
   * that leaves unknown whether it applied (a 5xx, a dropped connection). A 429 or a refused
   * connection is retried either way: the server did nothing.
   */
  idempotent: boolean
  /** Statuses the caller handles itself (e.g. 404 for "no such table", 409 for "already exists"). */
  accept?: readonly number[]
}

/** A successful (or accepted) answer. */
export interface ZeroDbAnswer {
  status: number
  body: unknown
  /**
   * An earlier attempt of this request may have applied before it was retried: a write's
   * counters (`modified_count`, `deleted_count`) may then say 0 although it was this call that
   * made the change.
   */
  repeated: boolean
}

/**
 * ZeroDB said the table does not exist; the store recreates it and retries once.
 * @example if (error instanceof TableMissingError) await api.ensure(call)
 */
export class TableMissingError extends Error {
  constructor(readonly detail: string) {
    super(`table missing: ${detail}`)
  }
}

interface Failure {
  status?: number
  body?: unknown
  cause?: unknown
  retryAfter?: number
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * The HTTP side of the store: `fetch` with `X-API-Key`, every request bounded by the
 * operation's deadline, retries with backoff on 429/5xx/network errors where safe, and ZeroDB's
 * error answers turned into typed errors whose messages say what to do.
 * @example const http = new ZeroDbHttp(resolveOptions({ projectId, apiKey }), new AbortController().signal)
 */
export class ZeroDbHttp {
  readonly #options: ResolvedOptions
  readonly #closing: AbortSignal
  readonly #root: string
  /**
   * One controller per request in flight and per retry wait, all aborted by the single listener
   * on `closing`. A listener of their own on that long-lived signal would make it carry one per
   * concurrent call: past 10, Node prints a MaxListenersExceededWarning ("possible memory leak").
   */
  readonly #pending = new Set<AbortController>()

  constructor(options: ResolvedOptions, closing: AbortSignal) {
    this.#options = options
    this.#closing = closing
    this.#root = `${options.baseUrl}/api/v1/projects/${encodeURIComponent(options.projectId)}/database`
    closing.addEventListener(
      'abort',
      () => {
        for (const controller of this.#pending) controller.abort(closing.reason)
      },
      { once: true },
    )
  }

  /** A controller that closing aborts, until `#settle` releases it. Call only while `closing` is not aborted. */
  #track(): AbortController {
    const controller = new AbortController()
    this.#pending.add(controller)
    return controller
  }

  #settle(controller: AbortController): void {
    this.#pending.delete(controller)
  }

  /**
   * Sends a request, retrying where safe, and answers its status and JSON body.
   * @example await http.request(call, { method: 'POST', path: '/tables/sessions/query', body: { filter }, idempotent: true })
   */
  async request(call: Call, spec: RequestSpec): Promise<ZeroDbAnswer> {
    let repeated = false
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(call, spec)
      if ('answer' in outcome) return { ...outcome.answer, repeated }
      const { failure, retryable, mayHaveApplied } = outcome
      repeated ||= mayHaveApplied
      if (!retryable || attempt >= this.#options.retries) throw this.#finalError(call, spec, failure, attempt + 1, retryable)
      const wait = waitBeforeRetry({
        retry: attempt,
        retryAfter: failure.retryAfter,
        baseMs: this.#options.retryBaseDelay,
        maxMs: this.#options.retryMaxDelay,
      })
      if (Date.now() + wait >= call.deadline) throw this.#finalError(call, spec, failure, attempt + 1, retryable, true)
      if (this.#closing.aborted) throw new ClosedError('ZeroDB store', { operation: call.operation })
      const waiting = this.#track()
      try {
        await sleep(wait, waiting.signal)
      } catch {
        throw new ClosedError('ZeroDB store', { operation: call.operation })
      } finally {
        this.#settle(waiting)
      }
    }
  }

  async #attempt(
    call: Call,
    spec: RequestSpec,
  ): Promise<{ answer: { status: number; body: unknown } } | { failure: Failure; retryable: boolean; mayHaveApplied: boolean }> {
    if (this.#closing.aborted) throw new ClosedError('ZeroDB store', { operation: call.operation })
    const remaining = call.deadline - Date.now()
    if (remaining <= 0) throw this.#timeoutError(call)
    let response: Response
    let body: unknown
    // One controller per request, aborted by its timer or by closing and released afterwards.
    // Not AbortSignal.any() on the long-lived closing signal: on Node 20 that keeps a dependant
    // per call (an unbounded leak).
    const controller = this.#track()
    const timer = setTimeout(() => controller.abort(new DOMException('request timed out', 'TimeoutError')), remaining)
    try {
      response = await fetch(`${this.#root}${spec.path}`, {
        method: spec.method,
        headers: {
          'X-API-Key': this.#options.apiKey,
          Accept: 'application/json',
          ...(spec.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        signal: controller.signal,
      })
      body = await readBody(response)
    } catch (error) {
      if (this.#closing.aborted) throw new ClosedError('ZeroDB store', { operation: call.operation, cause: error })
      if ((error as { name?: string }).name === 'TimeoutError') throw this.#timeoutError(call, error)
      const sent = !neverSent(error)
      return { failure: { cause: error }, retryable: spec.idempotent || !sent, mayHaveApplied: sent }
    } finally {
      clearTimeout(timer)
      this.#settle(controller)
    }
    const { status } = response
    if ((status >= 200 && status < 300) || spec.accept?.includes(status)) return { answer: { status, body } }
    const failure: Failure = { status, body }
    if (status === 429) {
      failure.retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now()) ?? secondsToMs(retryAfterFromBody(body))
      return { failure, retryable: true, mayHaveApplied: false }
    }
    if (status >= 500) {
      failure.retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now())
      return { failure, retryable: spec.idempotent, mayHaveApplied: true }
    }
    throw this.#clientError(call, spec, status, body)
  }

  #timeoutError(call: Call, cause?: unknown): StoreUnavailableError {
    return new StoreUnavailableError(
      STORE_NAME,
      `${call.operation} got no answer from ZeroDB within the ${this.#options.timeout} ms timeout (raise the timeout option if the service is just slow)`,
      { operation: call.operation, cause },
    )
  }

  /** The error for a 4xx other than 429: none of these get better by retrying. */
  #clientError(call: Call, spec: RequestSpec, status: number, body: unknown): Error {
    const detail = describeErrorBody(body)
    const { projectId, tableName, baseUrl } = this.#options
    const operation = call.operation
    if (status === 401) {
      return new ConfigError('apiKey', `ZeroDB rejected the API key (401 ${detail}): check apiKey`, { operation })
    }
    if (status === 403) {
      return new ConfigError(
        'apiKey',
        `ZeroDB refused access to project "${projectId}" (403 ${detail}): check that apiKey belongs to projectId and may read and write tables`,
        { operation },
      )
    }
    if (status === 404 && /project/i.test(detail)) {
      return new ConfigError('projectId', `ZeroDB has no project "${projectId}" for this key (404 ${detail}): check projectId`, { operation })
    }
    if (status === 404 && /table/i.test(detail)) return new TableMissingError(detail)
    if (status === 404 && detail === 'Not Found') {
      return new StoreError(
        STORE_NAME,
        `ZeroDB answered 404 Not Found for ${spec.method} ${spec.path}: check baseUrl ("${baseUrl}" should be the API root, e.g. https://api.ainative.studio)`,
        { operation },
      )
    }
    return new StoreError(
      STORE_NAME,
      `ZeroDB rejected ${spec.method} on table "${tableName}" during ${operation} (${status} ${detail})`,
      { operation },
    )
  }

  #finalError(call: Call, spec: RequestSpec, failure: Failure, attempts: number, retryable: boolean, outOfTime = false): Error {
    const operation = call.operation
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`
    const why = outOfTime ? ' (no time left within the timeout to retry)' : ''
    if (failure.status === 429) {
      const after = failure.retryAfter === undefined ? '' : `; ZeroDB asks to retry after ${Math.ceil(failure.retryAfter / 1000)} s`
      return new StoreUnavailableError(
        STORE_NAME,
        `rate limited by ZeroDB (429) during ${operation} after ${tries}${why}${after}: lower the request rate, or raise retries and timeout`,
        { operation, cause: describeErrorBody(failure.body) },
      )
    }
    const unsafe = retryable ? '' : `; not retried: the ${spec.method} may already have applied and repeating it is not safe`
    if (failure.status !== undefined) {
      return new StoreUnavailableError(
        STORE_NAME,
        `ZeroDB answered ${failure.status} (${describeErrorBody(failure.body)}) during ${operation} after ${tries}${why}${unsafe}`,
        { operation, cause: describeErrorBody(failure.body) },
      )
    }
    const reason = failure.cause instanceof Error ? (failure.cause.cause as Error | undefined)?.message ?? failure.cause.message : 'network error'
    return new StoreUnavailableError(
      STORE_NAME,
      `could not reach ZeroDB at ${this.#options.baseUrl} during ${operation} after ${tries}${why} (${reason})${unsafe}`,
      { operation, cause: failure.cause },
    )
  }
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000
}
