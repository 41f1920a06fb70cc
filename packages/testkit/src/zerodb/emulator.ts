import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CompareMode } from './compare'
import { createCounters, type ZeroDbCounters } from './counters'
import { createFaults, type FaultDecision, type ZeroDbFaults } from './faults'
import { handle, type HandlerResult } from './handlers'
import { HttpError, notFound, unprocessable } from './http-error'
import { matchRoute, type RouteKey } from './routes'
import { type EmulatorTables, loadTables, persistTables } from './state'

/** Options of {@link startZeroDbEmulator}. */
export interface ZeroDbEmulatorOptions {
  /** The key clients must send in `X-API-Key`. Default `'test-api-key'`. */
  apiKey?: string
  /**
   * A second key that may only read (`GET` routes and `POST /query`): its writes answer
   * `403 {"detail": "Insufficient permissions"}`, as ZeroDB does for a key without write access.
   */
  readOnlyApiKey?: string
  /** The one project this emulator serves. Default `'test-project'`. */
  projectId?: string
  /** Port on 127.0.0.1; default 0 (a free port). */
  port?: number
  /** Keep rows in this JSON file too (loaded at start, rewritten atomically after each write). */
  persistPath?: string
  /** `'text'` compares values as text, as the real service may; default `'json'`. See {@link CompareMode}. */
  compareAs?: CompareMode
  /** What `DELETE /rows/{row_id}` answers: `200` with a message (default) or `204` as some deployments do. */
  deleteStatus?: 200 | 204
}

/** A running emulator. */
export interface ZeroDbEmulator {
  /** `http://127.0.0.1:<port>`: pass it as the store's `baseUrl`. */
  readonly baseUrl: string
  readonly apiKey: string
  readonly projectId: string
  /** Requests received, by route. */
  readonly counters: ZeroDbCounters
  /** Fault injection: latency, 429, 5xx, dropped connections. */
  readonly faults: ZeroDbFaults
  /** Every table and row, live (read it in tests; write it only to set up a scenario). */
  readonly tables: EmulatorTables
  /** Drops every table and fault and zeroes the counters (the persisted file is rewritten). */
  reset(): void
  /** Stops listening and closes every open connection. */
  close(): Promise<void>
}

/** The routes a read-only key may call. */
const READ_ROUTES = new Set<RouteKey>([
  'GET /tables',
  'GET /tables/{table}',
  'GET /tables/{table}/rows',
  'GET /tables/{table}/rows/{row_id}',
  'POST /tables/{table}/query',
])

/** Largest request body accepted, like a gateway's limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new HttpError(413, { detail: 'Request body too large' })
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return undefined
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw unprocessable([{ loc: ['body'], msg: 'JSON decode error', type: 'json_invalid' }])
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    response.writeHead(status, headers).end()
    return
  }
  const text = JSON.stringify(body)
  response
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers })
    .end(text)
}

function rateLimited(outcome: Extract<FaultDecision['outcome'], { kind: 'rate-limit' }>): HttpError {
  const headers = { 'retry-after': String(outcome.retryAfter) }
  if (outcome.shape === 'error') {
    return new HttpError(
      429,
      { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded', retry_after: outcome.retryAfter } },
      headers,
    )
  }
  return new HttpError(429, { detail: 'Rate limit exceeded' }, headers)
}

/**
 * Starts the ZeroDB tables API emulator on 127.0.0.1, serving exactly the contract in
 * `shared/specs/zerodb-api.md`: `X-API-Key` auth, strict bodies (422), the table and row
 * routes, `POST /query` with its operators, atomic bulk update and delete with the 100-row
 * rule, the documented error shapes, and fault injection. Where the spec leaves a choice:
 * creating an existing table answers `409 {"detail": "Table 'x' already exists"}`; an empty
 * bulk filter is a 422 (schema); an unknown project is `404 {"detail": "Project p not found"}`;
 * a known path with the wrong method is 405, as FastAPI answers.
 * @example
 * const zerodb = await startZeroDbEmulator()
 * const store = new ZeroDbStore({ baseUrl: zerodb.baseUrl, apiKey: zerodb.apiKey, projectId: zerodb.projectId })
 * zerodb.faults.rateLimit(1, { retryAfter: 0 })
 * await zerodb.close()
 */
export async function startZeroDbEmulator(options: ZeroDbEmulatorOptions = {}): Promise<ZeroDbEmulator> {
  const apiKey = options.apiKey ?? 'test-api-key'
  const projectId = options.projectId ?? 'test-project'
  const persistPath = options.persistPath
  const tables = persistPath ? loadTables(persistPath) : new Map()
  const counters = createCounters()
  const faults = createFaults()

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const match = matchRoute(request.method ?? 'GET', url.pathname)
    if (match.kind !== 'route') {
      counters.record('unmatched')
      request.resume()
      if (match.kind === 'method-not-allowed') return send(response, 405, { detail: 'Method Not Allowed' })
      return send(response, 404, { detail: 'Not Found' })
    }
    counters.record(match.route)
    const decision = faults.decide(match.route)
    if (decision.latencyMs > 0) await sleep(decision.latencyMs)
    const { outcome } = decision
    if (outcome.kind === 'drop' && !outcome.after) return void request.socket.destroy()
    if (outcome.kind !== 'pass' && outcome.kind !== 'drop' && !('after' in outcome && outcome.after)) request.resume()
    if (outcome.kind === 'rate-limit') throw rateLimited(outcome)
    if (outcome.kind === 'server-error' && !outcome.after) {
      throw new HttpError(outcome.status, { detail: 'Internal Server Error' })
    }
    const result = await run(request, url, match.route, match.projectId, match.params)
    if (outcome.kind === 'drop') return void request.socket.destroy()
    if (outcome.kind === 'server-error') throw new HttpError(outcome.status, { detail: 'Internal Server Error' })
    send(response, result.status, result.body)
  }

  async function run(
    request: IncomingMessage,
    url: URL,
    route: RouteKey,
    requestProject: string,
    params: Record<string, string>,
  ): Promise<HandlerResult> {
    const key = request.headers['x-api-key']
    const readOnly = options.readOnlyApiKey !== undefined && key === options.readOnlyApiKey
    if (key !== apiKey && !readOnly) {
      request.resume()
      throw new HttpError(401, { detail: 'Invalid API key' })
    }
    if (readOnly && !READ_ROUTES.has(route)) {
      request.resume()
      throw new HttpError(403, { detail: 'Insufficient permissions' })
    }
    if (requestProject !== projectId) {
      request.resume()
      throw notFound(`Project ${requestProject} not found`)
    }
    const body = await readBody(request)
    const result = handle(route, {
      tables,
      projectId,
      compareAs: options.compareAs ?? 'json',
      deleteStatus: options.deleteStatus ?? 200,
      params,
      query: Object.fromEntries(url.searchParams),
      body,
    })
    if (result.mutated && persistPath) persistTables(persistPath, tables)
    return result
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      if (response.headersSent || request.socket.destroyed) return
      if (error instanceof HttpError) return send(response, error.status, error.body, error.headers)
      console.error('[zerodb-emulator] unexpected error', error)
      send(response, 500, { detail: 'Internal Server Error' })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    projectId,
    counters,
    faults,
    tables,
    reset() {
      tables.clear()
      counters.reset()
      faults.clear()
      if (persistPath) persistTables(persistPath, tables)
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
    },
  }
}
