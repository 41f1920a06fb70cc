/**
 * The error answers of the emulated ZeroDB API. A handler throws an `HttpError`; the server
 * turns it into the status, body and headers ZeroDB documents (`{"detail": ...}`, or the
 * `{"error": {code, message, retry_after}}` shape some ZeroDB answers use).
 */

/** One entry of a FastAPI-style validation answer: `422 {"detail": [{loc, msg, type}]}`. */
export interface ValidationIssue {
  loc: (string | number)[]
  msg: string
  type: string
}

/**
 * An answer other than success; thrown by handlers and caught by the server.
 * @example throw new HttpError(409, { detail: "Table 'sessions' already exists" })
 */
export class HttpError extends Error {
  readonly status: number
  readonly body: unknown
  readonly headers: Record<string, string>

  constructor(status: number, body: unknown, headers: Record<string, string> = {}) {
    super(`HTTP ${status}`)
    this.status = status
    this.body = body
    this.headers = headers
  }
}

/**
 * `400 {"detail": "..."}`: a bad filter, operator or field name.
 * @example throw badRequest("Invalid operator '$foo' for field 'a'")
 */
export function badRequest(detail: string): HttpError {
  return new HttpError(400, { detail })
}

/**
 * `404 {"detail": "..."}`: an unknown table, row, project or route.
 * @example throw notFound('Not Found')
 */
export function notFound(detail = 'Not Found'): HttpError {
  return new HttpError(404, { detail })
}

/**
 * `422 {"detail": [{loc, msg, type}]}`: the body or query failed validation.
 * @example throw unprocessable([{ loc: ['body', 'filters'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }])
 */
export function unprocessable(issues: ValidationIssue[]): HttpError {
  return new HttpError(422, { detail: issues })
}
