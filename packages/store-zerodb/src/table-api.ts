import { ConfigError, StoreError } from '@sessionkit/core'
import { type Call, STORE_NAME, TableMissingError, type ZeroDbHttp } from './http-client'

/** A filter on `row_data` fields, in ZeroDB's operator syntax. */
export type Filter = Record<string, unknown>

/** A row as ZeroDB answers it (only the fields the store reads). */
export interface Row {
  row_id: string
  row_data: Record<string, unknown>
  created_at?: string
}

/** One page of a query. */
export interface QueryPage {
  rows: Row[]
  hasMore: boolean
}

/** ZeroDB's page size ceiling for queries and listings. */
export const MAX_PAGE = 1000
/** ZeroDB refuses bulk operations over this many rows unless confirmed; the store never confirms. */
export const MAX_BULK = 100

function asObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
}

function count(body: unknown, ...names: string[]): number {
  const object = asObject(body)
  for (const name of names) {
    const value = Number(object[name])
    if (Number.isFinite(value)) return value
  }
  throw new StoreError(STORE_NAME, `ZeroDB answered a bulk operation without ${names.join(' or ')}; is baseUrl a ZeroDB API?`)
}

/**
 * The table routes the store uses, typed. The table is created lazily (once per store,
 * shared by concurrent callers, tolerating "already exists"); a row route answering "table not
 * found" (the table was dropped) recreates it and runs the request once more, which is safe
 * because a 404 applied nothing.
 * @example const page = await new TableApi(http, 'sessions').query(call, { sid: id }, { limit: 10 })
 */
export class TableApi {
  readonly #http: ZeroDbHttp
  readonly #table: string
  readonly #path: string
  #ready: Promise<void> | undefined

  constructor(http: ZeroDbHttp, tableName: string) {
    this.#http = http
    this.#table = tableName
    this.#path = `/tables/${encodeURIComponent(tableName)}`
  }

  /** Makes sure the table exists: `GET /tables/{name}`, and `POST /tables` when it is absent. */
  ensure(call: Call): Promise<void> {
    this.#ready ??= this.#create(call).catch((error: unknown) => {
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }

  async #create(call: Call): Promise<void> {
    const found = await this.#http.request(call, { method: 'GET', path: this.#path, idempotent: true, accept: [404] }).catch(
      (error: unknown) => {
        // `GET /tables/{name}` answering "table not found" is the normal absent case.
        if (error instanceof TableMissingError) return { status: 404 }
        throw error
      },
    )
    if (found.status !== 404) return
    const created = await this.#http
      .request(call, {
        method: 'POST',
        path: '/tables',
        body: { name: this.#table, description: 'sessionkit sessions and locks (@sessionkit/store-zerodb)' },
        // Creating a table twice answers "already exists", which is accepted: safe to repeat.
        idempotent: true,
        accept: [400, 409],
      })
      .catch((error: unknown) => {
        if (error instanceof ConfigError && error.option === 'apiKey' && error.message.includes('(403 ')) {
          throw new ConfigError(
            'tableName',
            `table "${this.#table}" does not exist and the API key may not create it (403): create the table in ZeroDB, or use a key with write access`,
            { operation: call.operation, cause: error },
          )
        }
        throw error
      })
    if (created.status === 400 && !/already exists/i.test(JSON.stringify(created.body))) {
      throw new StoreError(STORE_NAME, `ZeroDB refused to create table "${this.#table}" (400 ${JSON.stringify(created.body).slice(0, 200)})`, {
        operation: call.operation,
      })
    }
  }

  async #rows<T>(call: Call, run: () => Promise<T>): Promise<T> {
    await this.ensure(call)
    try {
      return await run()
    } catch (error) {
      if (!(error instanceof TableMissingError)) throw error
      this.#ready = undefined
      await this.ensure(call)
      try {
        return await run()
      } catch (again) {
        if (!(again instanceof TableMissingError)) throw again
        throw new StoreError(
          STORE_NAME,
          `table "${this.#table}" is missing and could not be recreated (${again.detail}): check that apiKey may create tables in projectId, or create the table yourself`,
          { operation: call.operation },
        )
      }
    }
  }

  /**
   * `POST /query`: one page of rows matching `filter`.
   * @example await api.query(call, { sid }, { limit: 10 })
   */
  query(call: Call, filter: Filter, page: { sort?: Record<string, 1 | -1>; limit: number; skip?: number }): Promise<QueryPage> {
    return this.#rows(call, async () => {
      const body: Record<string, unknown> = { filter, limit: Math.min(page.limit, MAX_PAGE) }
      if (page.sort) body.sort = page.sort
      if (page.skip) body.skip = page.skip
      const answer = await this.#http.request(call, { method: 'POST', path: `${this.#path}/query`, body, idempotent: true })
      const object = asObject(answer.body)
      const data = Array.isArray(object.data) ? (object.data as Row[]) : Array.isArray(object.rows) ? (object.rows as Row[]) : null
      if (!data) throw new StoreError(STORE_NAME, 'ZeroDB answered a query without a data list; is baseUrl a ZeroDB API?')
      const total = Number(object.total)
      const hasMore =
        typeof object.has_more === 'boolean' ? object.has_more : Number.isFinite(total) ? (page.skip ?? 0) + data.length < total : false
      return { rows: data, hasMore }
    })
  }

  /**
   * `POST /rows`: one new row. Not idempotent (a repeat makes a second row), so it is retried
   * only when the server surely did nothing (429, refused connection), unless `idempotent`
   * says a duplicate is harmless.
   */
  insert(call: Call, rowData: Record<string, unknown>, { idempotent = false } = {}): Promise<void> {
    return this.#rows(call, async () => {
      await this.#http.request(call, { method: 'POST', path: `${this.#path}/rows`, body: { row_data: rowData }, idempotent })
    })
  }

  /**
   * `PUT /rows/bulk` with `$set` (and `$unset`): how many rows changed. Only ever sent with a
   * filter that the update itself falsifies (a version, an expiry, an owner), so a repeat
   * matches nothing: idempotent.
   */
  update(
    call: Call,
    filter: Filter,
    set: Record<string, unknown>,
    unset?: Record<string, ''>,
  ): Promise<{ modified: number; repeated: boolean }> {
    return this.#rows(call, async () => {
      const update = unset ? { $set: set, $unset: unset } : { $set: set }
      const answer = await this.#http.request(call, {
        method: 'PUT',
        path: `${this.#path}/rows/bulk`,
        body: { filter, update, confirm_large_operation: false },
        idempotent: true,
      })
      return { modified: count(answer.body, 'modified_count', 'matched_count'), repeated: answer.repeated }
    })
  }

  /** `DELETE /rows/bulk`: how many rows were deleted. Idempotent (a repeat deletes nothing more). */
  delete(call: Call, filter: Filter): Promise<{ deleted: number; repeated: boolean }> {
    return this.#rows(call, async () => {
      const answer = await this.#http.request(call, {
        method: 'DELETE',
        path: `${this.#path}/rows/bulk`,
        body: { filter, confirm_large_operation: false },
        idempotent: true,
      })
      return { deleted: count(answer.body, 'deleted_count'), repeated: answer.repeated }
    })
  }
}
