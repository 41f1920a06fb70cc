import type { CompareMode } from './compare'
import { BULK_OPERATORS, compileFilter, QUERY_OPERATORS } from './filter'
import type { JsonObject } from './field-path'
import { badRequest, HttpError, notFound } from './http-error'
import type { RouteKey } from './routes'
import {
  bulkDeleteBody,
  bulkUpdateBody,
  createTableBody,
  pageQuery,
  parseOr422,
  queryBody,
  rowBody,
} from './schemas'
import { compileSort } from './sort'
import { type EmulatorRow, type EmulatorTable, type EmulatorTables, findTable, newRow, newTable, tableView } from './state'
import { changed, compileUpdate } from './update'

/** More rows than this in one bulk operation need `confirm_large_operation: true`. */
export const LARGE_OPERATION = 100

/** Everything a handler needs about one request. */
export interface HandlerContext {
  tables: EmulatorTables
  projectId: string
  compareAs: CompareMode
  deleteStatus: 200 | 204
  params: Record<string, string>
  query: Record<string, string>
  body: unknown
}

/** A handler's answer; `mutated` tells the server to persist. */
export interface HandlerResult {
  status: number
  body?: unknown
  mutated?: boolean
}

type Handler = (context: HandlerContext) => HandlerResult

function table(context: HandlerContext): EmulatorTable {
  const name = context.params.table!
  const found = findTable(context.tables, name)
  if (!found) throw notFound(`Table '${name}' not found`)
  return found
}

function row(context: HandlerContext): EmulatorRow {
  const id = context.params.row_id!
  const found = table(context).rows.get(id)
  if (!found) throw notFound(`Row ${id} not found`)
  return found
}

function page<T>(items: T[], skip: number, limit: number): JsonObject {
  const data = items.slice(skip, skip + limit)
  return { total: items.length, skip, limit, has_more: skip + data.length < items.length, data }
}

function timed<T extends JsonObject>(started: number, body: T): T & { execution_time_ms: number } {
  return { ...body, execution_time_ms: Math.round((performance.now() - started) * 1000) / 1000 }
}

/** The rows a bulk operation matches, refusing more than 100 without confirmation. */
function bulkMatch(target: EmulatorTable, filter: JsonObject, confirm: boolean | undefined, mode: CompareMode): EmulatorRow[] {
  const matches = compileFilter(filter, BULK_OPERATORS, mode)
  const rows = [...target.rows.values()].filter((candidate) => matches(candidate.row_data))
  if (rows.length > LARGE_OPERATION && confirm !== true) {
    throw badRequest(
      `Operation would affect ${rows.length} rows (more than ${LARGE_OPERATION}); set confirm_large_operation to true to proceed`,
    )
  }
  return rows
}

const handlers: Record<RouteKey, Handler> = {
  'POST /tables': (context) => {
    const body = parseOr422(createTableBody, context.body, 'body')
    const name = (body.name ?? body.table_name)!
    if (context.tables.has(name)) throw new HttpError(409, { detail: `Table '${name}' already exists` })
    const created = newTable(context.projectId, name, body.description ?? '')
    context.tables.set(name, created)
    return { status: 200, body: tableView(created), mutated: true }
  },
  'GET /tables': (context) => {
    const { skip, limit } = parseOr422(pageQuery, context.query, 'query')
    return { status: 200, body: page([...context.tables.values()].map(tableView), skip, limit) }
  },
  'GET /tables/{table}': (context) => ({ status: 200, body: tableView(table(context)) }),
  'DELETE /tables/{table}': (context) => {
    const target = table(context)
    context.tables.delete(target.name)
    return { status: 200, body: { message: `Table ${target.name} deleted successfully` }, mutated: true }
  },
  'POST /tables/{table}/rows': (context) => {
    const target = table(context)
    const body = parseOr422(rowBody, context.body, 'body')
    const created = newRow(target, body.row_data)
    target.rows.set(created.row_id, created)
    return { status: 201, body: created, mutated: true }
  },
  'GET /tables/{table}/rows': (context) => {
    const target = table(context)
    const { skip, limit } = parseOr422(pageQuery, context.query, 'query')
    return { status: 200, body: page([...target.rows.values()], skip, limit) }
  },
  'GET /tables/{table}/rows/{row_id}': (context) => ({ status: 200, body: row(context) }),
  'PUT /tables/{table}/rows/{row_id}': (context) => {
    const existing = row(context)
    const body = parseOr422(rowBody, context.body, 'body')
    existing.row_data = body.row_data
    existing.updated_at = new Date().toISOString()
    return { status: 200, body: existing, mutated: true }
  },
  'DELETE /tables/{table}/rows/{row_id}': (context) => {
    const existing = row(context)
    table(context).rows.delete(existing.row_id)
    if (context.deleteStatus === 204) return { status: 204, mutated: true }
    return { status: 200, body: { message: `Row ${existing.row_id} deleted successfully` }, mutated: true }
  },
  'POST /tables/{table}/query': (context) => {
    const started = performance.now()
    const target = table(context)
    const body = parseOr422(queryBody, context.body ?? {}, 'body')
    const matches = compileFilter(body.filter ?? {}, QUERY_OPERATORS, context.compareAs)
    let rows = [...target.rows.values()].filter((candidate) => matches(candidate.row_data))
    if (body.sort && Object.keys(body.sort).length > 0) {
      const order = compileSort(body.sort, context.compareAs)
      rows = rows.sort((a, b) => order(a.row_data, b.row_data))
    }
    return { status: 200, body: timed(started, page(rows, body.skip ?? 0, body.limit ?? 100)) }
  },
  'PUT /tables/{table}/rows/bulk': (context) => {
    const started = performance.now()
    const target = table(context)
    const body = parseOr422(bulkUpdateBody, context.body, 'body')
    const update = compileUpdate(body.update)
    const rows = bulkMatch(target, body.filter, body.confirm_large_operation, context.compareAs)
    // Compute every new row first: one invalid update (say $inc on text) leaves all rows as they were.
    const next = rows.map((candidate) => update(candidate.row_data))
    const now = new Date().toISOString()
    let modified = 0
    rows.forEach((candidate, i) => {
      if (!changed(candidate.row_data, next[i]!)) return
      candidate.row_data = next[i]!
      candidate.updated_at = now
      modified++
    })
    return {
      status: 200,
      body: timed(started, { matched_count: rows.length, modified_count: modified }),
      mutated: modified > 0,
    }
  },
  'DELETE /tables/{table}/rows/bulk': (context) => {
    const started = performance.now()
    const target = table(context)
    const body = parseOr422(bulkDeleteBody, context.body, 'body')
    const rows = bulkMatch(target, body.filter, body.confirm_large_operation, context.compareAs)
    for (const candidate of rows) target.rows.delete(candidate.row_id)
    return { status: 200, body: timed(started, { deleted_count: rows.length }), mutated: rows.length > 0 }
  },
}

/**
 * Runs the handler of a route. Synchronous on purpose: Node runs it to the end before any
 * other request, which is what makes bulk updates and the version filter atomic.
 * @example handle('GET /tables', context)
 */
export function handle(route: RouteKey, context: HandlerContext): HandlerResult {
  return handlers[route](context)
}
