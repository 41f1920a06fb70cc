import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startZeroDbEmulator, type ZeroDbEmulator } from '../src/zerodb/index'

interface Answer {
  status: number
  body: any // eslint-disable-line @typescript-eslint/no-explicit-any -- test-only JSON
  headers: Headers
}

function client(emulator: ZeroDbEmulator, { apiKey = emulator.apiKey, projectId = emulator.projectId } = {}) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await fetch(`${emulator.baseUrl}/api/v1/projects/${projectId}/database${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

let emulator: ZeroDbEmulator
let api: ReturnType<typeof client>

beforeAll(async () => {
  emulator = await startZeroDbEmulator({ apiKey: 'k-123', projectId: 'proj-1' })
  api = client(emulator)
})
afterAll(() => emulator.close())
afterEach(() => emulator.reset())

async function seed(table: string, rows: Record<string, unknown>[]): Promise<string[]> {
  await api('POST', '/tables', { name: table })
  const ids: string[] = []
  for (const row_data of rows) ids.push((await api('POST', `/tables/${table}/rows`, { row_data })).body.row_id)
  return ids
}

async function query(table: string, body: Record<string, unknown>) {
  return api('POST', `/tables/${table}/query`, body)
}

async function names(table: string, filter: Record<string, unknown>): Promise<string[]> {
  const answer = await query(table, { filter })
  expect(answer.status, JSON.stringify(answer.body)).toBe(200)
  return answer.body.data.map((row: { row_data: { name: string } }) => row.row_data.name).sort()
}

describe('zerodb emulator: authentication and routing', () => {
  it('answers 401 Invalid API key without a key or with a wrong one', async () => {
    for (const apiKey of ['', 'wrong']) {
      const answer = await client(emulator, { apiKey })('GET', '/tables')
      expect(answer.status).toBe(401)
      expect(answer.body).toEqual({ detail: 'Invalid API key' })
    }
  })

  it('answers 403 to writes made with a read-only key, and serves its reads', async () => {
    const guarded = await startZeroDbEmulator({ readOnlyApiKey: 'read-only' })
    try {
      await client(guarded)('POST', '/tables', { name: 't' })
      const reader = client(guarded, { apiKey: 'read-only' })
      expect((await reader('POST', '/tables/t/query', {})).status).toBe(200)
      const write = await reader('POST', '/tables/t/rows', { row_data: {} })
      expect(write).toMatchObject({ status: 403, body: { detail: 'Insufficient permissions' } })
      expect(guarded.tables.get('t')!.rows.size).toBe(0)
    } finally {
      await guarded.close()
    }
  })

  it('answers 404 Not Found for unknown routes and names the project when it is unknown', async () => {
    const unknown = await api('GET', '/nothing-here')
    expect(unknown).toMatchObject({ status: 404, body: { detail: 'Not Found' } })
    const outside = await fetch(`${emulator.baseUrl}/api/v2/whatever`, { headers: { 'x-api-key': 'k-123' } })
    expect(outside.status).toBe(404)
    expect(await outside.json()).toEqual({ detail: 'Not Found' })
    const otherProject = await client(emulator, { projectId: 'someone-else' })('GET', '/tables')
    expect(otherProject.status).toBe(404)
    expect(otherProject.body.detail).toMatch(/project/i)
  })

  it('answers 405 for a known path with the wrong method', async () => {
    expect((await api('PATCH', '/tables')).status).toBe(405)
  })

  it('counts requests by route', async () => {
    await seed('counted', [{ a: 1 }, { a: 2 }])
    await query('counted', {})
    await api('GET', '/no-such-route')
    expect(emulator.counters.get('POST /tables')).toBe(1)
    expect(emulator.counters.get('POST /tables/{table}/rows')).toBe(2)
    expect(emulator.counters.get('POST /tables/{table}/query')).toBe(1)
    expect(emulator.counters.get('unmatched')).toBe(1)
    expect(emulator.counters.total).toBe(5)
  })
})

describe('zerodb emulator: tables', () => {
  it('creates a table from name or table_name and answers the table object', async () => {
    const a = await api('POST', '/tables', { name: 'alpha', description: 'first' })
    expect(a.status).toBe(200)
    expect(a.body).toMatchObject({ name: 'alpha', description: 'first', project_id: 'proj-1', row_count: 0 })
    expect(a.body.id).toMatch(UUID)
    const b = await api('POST', '/tables', { table_name: 'beta' })
    expect(b).toMatchObject({ status: 200, body: { name: 'beta' } })
  })

  it('answers 409 "already exists" for a second create of one name', async () => {
    await api('POST', '/tables', { name: 'twice' })
    const again = await api('POST', '/tables', { name: 'twice' })
    expect(again.status).toBe(409)
    expect(again.body.detail).toMatch(/already exists/)
  })

  it('lists tables with skip, limit and has_more, gets one by name or id, and deletes it', async () => {
    for (const name of ['t1', 't2', 't3']) await api('POST', '/tables', { name })
    const first = await api('GET', '/tables?skip=0&limit=2')
    expect(first.body).toMatchObject({ total: 3, skip: 0, limit: 2, has_more: true })
    expect(first.body.data.map((t: { name: string }) => t.name)).toEqual(['t1', 't2'])
    const last = await api('GET', '/tables?skip=2&limit=2')
    expect(last.body).toMatchObject({ total: 3, has_more: false })
    const byName = await api('GET', '/tables/t2')
    expect((await api('GET', `/tables/${byName.body.id}`)).body.name).toBe('t2')
    expect(await api('DELETE', '/tables/t2')).toMatchObject({ status: 200 })
    expect((await api('GET', '/tables/t2')).status).toBe(404)
    expect((await api('DELETE', '/tables/t2')).status).toBe(404)
  })

  it('rejects a create body with an unknown key or no name with 422 {detail: [{loc, msg, type}]}', async () => {
    const extra = await api('POST', '/tables', { name: 'x', schema_version: 2 })
    expect(extra.status).toBe(422)
    expect(extra.body.detail).toEqual([{ loc: ['body', 'schema_version'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }])
    const missing = await api('POST', '/tables', { description: 'no name' })
    expect(missing.status).toBe(422)
    expect(missing.body.detail[0]).toMatchObject({ loc: ['body', 'name'] })
  })
})

describe('zerodb emulator: rows', () => {
  it('creates a row with a server-made uuid, ISO timestamps and the table fields', async () => {
    await api('POST', '/tables', { name: 'rows' })
    const created = await api('POST', '/tables/rows/rows', { row_data: { sid: 'a', n: 1 } })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ project_id: 'proj-1', table_name: 'rows', row_data: { sid: 'a', n: 1 } })
    expect(created.body.row_id).toMatch(UUID)
    expect(created.body.created_at).toMatch(ISO)
    expect(created.body.updated_at).toMatch(ISO)
    expect(created.body.table_id).toBe(emulator.tables.get('rows')!.id)
  })

  it('rejects any row body other than {row_data} with 422, and rows of an unknown table with 404', async () => {
    await api('POST', '/tables', { name: 'strict' })
    const extra = await api('POST', '/tables/strict/rows', { row_data: {}, row_id: 'mine' })
    expect(extra.status).toBe(422)
    expect(extra.body.detail).toEqual([{ loc: ['body', 'row_id'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }])
    const wrongType = await api('POST', '/tables/strict/rows', { row_data: 'text' })
    expect(wrongType.status).toBe(422)
    expect(wrongType.body.detail[0].loc).toEqual(['body', 'row_data'])
    const badJson = await api('POST', '/tables/strict/rows', '{"row_data": ')
    expect(badJson.status).toBe(422)
    const noTable = await api('POST', '/tables/absent/rows', { row_data: {} })
    expect(noTable.status).toBe(404)
    expect(noTable.body.detail).toMatch(/absent/)
  })

  it('pages rows with skip and limit, at most 1000', async () => {
    await seed('paged', Array.from({ length: 5 }, (_, i) => ({ i })))
    const page = await api('GET', '/tables/paged/rows?skip=1&limit=3')
    expect(page.body).toMatchObject({ total: 5, skip: 1, limit: 3, has_more: true })
    expect(page.body.data.map((r: { row_data: { i: number } }) => r.row_data.i)).toEqual([1, 2, 3])
    expect((await api('GET', '/tables/paged/rows?limit=1000')).status).toBe(200)
    expect((await api('GET', '/tables/paged/rows?limit=1001')).status).toBe(422)
  })

  it('gets, replaces whole and deletes a row by id', async () => {
    const [id] = await seed('one', [{ a: 1, b: 2 }])
    const got = await api('GET', `/tables/one/rows/${id}`)
    expect(got.body.row_data).toEqual({ a: 1, b: 2 })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const put = await api('PUT', `/tables/one/rows/${id}`, { row_data: { c: 3 } })
    expect(put.status).toBe(200)
    expect(put.body.row_data).toEqual({ c: 3 })
    expect(put.body.updated_at > got.body.updated_at).toBe(true)
    const deleted = await api('DELETE', `/tables/one/rows/${id}`)
    expect(deleted).toMatchObject({ status: 200, body: { message: `Row ${id} deleted successfully` } })
    expect((await api('GET', `/tables/one/rows/${id}`)).status).toBe(404)
    expect((await api('DELETE', `/tables/one/rows/${id}`)).status).toBe(404)
  })

  it('answers 204 to a row delete when configured like the deployments that do', async () => {
    const other = await startZeroDbEmulator({ deleteStatus: 204 })
    try {
      const call = client(other)
      await call('POST', '/tables', { name: 't' })
      const id = (await call('POST', '/tables/t/rows', { row_data: {} })).body.row_id
      const deleted = await call('DELETE', `/tables/t/rows/${id}`)
      expect(deleted.status).toBe(204)
      expect(deleted.body).toBeUndefined()
    } finally {
      await other.close()
    }
  })
})

describe('zerodb emulator: query', () => {
  const people = [
    { name: 'ann', age: 31, city: 'oslo', tags: ['a', 'b'], meta: { level: 2 } },
    { name: 'bob', age: 25, city: 'rome', tags: ['b'], meta: { level: 5 } },
    { name: 'cid', age: 40, city: 'oslo', tags: [], meta: { level: 2 } },
    { name: 'dee', age: 25, bio: 'likes ZeroDB a lot' },
  ]

  it('matches each operator, bare values and nested fields', async () => {
    await seed('people', people)
    expect(await names('people', { city: 'oslo' })).toEqual(['ann', 'cid'])
    expect(await names('people', { city: { $eq: 'rome' } })).toEqual(['bob'])
    expect(await names('people', { city: { $ne: 'oslo' } })).toEqual(['bob', 'dee'])
    expect(await names('people', { age: { $gt: 30 } })).toEqual(['ann', 'cid'])
    expect(await names('people', { age: { $gte: 31 } })).toEqual(['ann', 'cid'])
    expect(await names('people', { age: { $lt: 31 } })).toEqual(['bob', 'dee'])
    expect(await names('people', { age: { $lte: 25 } })).toEqual(['bob', 'dee'])
    expect(await names('people', { age: { $gte: 25, $lt: 40 } })).toEqual(['ann', 'bob', 'dee'])
    expect(await names('people', { name: { $in: ['ann', 'dee', 'zed'] } })).toEqual(['ann', 'dee'])
    expect(await names('people', { name: { $nin: ['ann', 'dee'] } })).toEqual(['bob', 'cid'])
    expect(await names('people', { tags: { $contains: 'b' } })).toEqual(['ann', 'bob'])
    expect(await names('people', { bio: { $contains: 'ZeroDB' } })).toEqual(['dee'])
    expect(await names('people', { name: { $regex: '^[ab]' } })).toEqual(['ann', 'bob'])
    expect(await names('people', { 'meta.level': 2 })).toEqual(['ann', 'cid'])
    expect(await names('people', { 'meta.level': { $gt: 2 } })).toEqual(['bob'])
    expect(await names('people', { city: 'oslo', age: { $gt: 35 } })).toEqual(['cid'])
  })

  it('compares a number and a string as unequal and unordered, unless told to compare as text', async () => {
    await seed('mixed', [{ name: 'n9', v: 9 }, { name: 's9', v: '9' }, { name: 'n10', v: 10 }])
    expect(await names('mixed', { v: 9 })).toEqual(['n9'])
    expect(await names('mixed', { v: { $gt: 5 } })).toEqual(['n10', 'n9'])
    const text = await startZeroDbEmulator({ compareAs: 'text' })
    try {
      const call = client(text)
      await call('POST', '/tables', { name: 'm' })
      for (const row_data of [{ name: 'n9', v: 9 }, { name: 's9', v: '9' }, { name: 'n10', v: 10 }]) {
        await call('POST', '/tables/m/rows', { row_data })
      }
      const found = await call('POST', '/tables/m/query', { filter: { v: { $gt: '5' } } })
      // As text '9' > '5' but '10' < '5': the trap fixed-width strings avoid.
      expect(found.body.data.map((r: { row_data: { name: string } }) => r.row_data.name).sort()).toEqual(['n9', 's9'])
    } finally {
      await text.close()
    }
  })

  it('rejects an invalid operator or field name with 400 and unknown body keys with 422', async () => {
    await seed('bad', [{ a: 1 }])
    const operator = await query('bad', { filter: { a: { $where: 'x' } } })
    expect(operator.status).toBe(400)
    expect(operator.body.detail).toMatch(/\$where/)
    expect((await query('bad', { filter: { 'a-b': 1 } })).status).toBe(400)
    expect((await query('bad', { filter: { $or: [{ a: 1 }] } })).status).toBe(400)
    expect((await query('bad', { filter: { a: { $in: 1 } } })).status).toBe(400)
    expect((await query('bad', { filter: { a: { $regex: '(' } } })).status).toBe(400)
    const filters = await query('bad', { filters: { a: 1 } })
    expect(filters.status).toBe(422)
    expect(filters.body.detail[0]).toMatchObject({ loc: ['body', 'filters'], type: 'extra_forbidden' })
    expect((await query('bad', { limit: 1001 })).status).toBe(422)
    expect((await query('bad', { sort: { a: 2 } })).status).toBe(422)
  })

  it('sorts by one or more fields, pages with skip and limit, and reports total and has_more', async () => {
    await seed('sorted', people)
    const byAge = await query('sorted', { sort: { age: -1, name: 1 } })
    expect(byAge.body.data.map((r: { row_data: { name: string } }) => r.row_data.name)).toEqual(['cid', 'ann', 'bob', 'dee'])
    const paged = await query('sorted', { sort: { name: 1 }, skip: 1, limit: 2 })
    expect(paged.body).toMatchObject({ total: 4, skip: 1, limit: 2, has_more: true })
    expect(typeof paged.body.execution_time_ms).toBe('number')
    expect(paged.body.data.map((r: { row_data: { name: string } }) => r.row_data.name)).toEqual(['bob', 'cid'])
    const rest = await query('sorted', { sort: { name: 1 }, skip: 3, limit: 2 })
    expect(rest.body).toMatchObject({ has_more: false })
    expect(rest.body.data).toHaveLength(1)
  })

  it('returns at most 1000 rows per query', async () => {
    await api('POST', '/tables', { name: 'big' })
    const table = emulator.tables.get('big')!
    // Seeded directly: 1,001 HTTP inserts would only slow the test down.
    const at = new Date().toISOString()
    for (let i = 0; i < 1001; i++) {
      const row_id = `r${i}`
      const base = { project_id: 'proj-1', table_id: table.id, table_name: 'big', created_at: at, updated_at: at }
      table.rows.set(row_id, { ...base, row_id, row_data: { i } })
    }
    const page = await query('big', { limit: 1000 })
    expect(page.body).toMatchObject({ total: 1001, has_more: true })
    expect(page.body.data).toHaveLength(1000)
  })
})

describe('zerodb emulator: bulk update', () => {
  it('applies $set, $inc and $unset to every matched row and counts matched and modified', async () => {
    await seed('bulk', [{ g: 'x', n: 1, gone: true }, { g: 'x', n: 5 }, { g: 'y', n: 0 }])
    const answer = await api('PUT', '/tables/bulk/rows/bulk', {
      filter: { g: 'x' },
      update: { $set: { 'meta.seen': true }, $inc: { n: 2 }, $unset: { gone: '' } },
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ matched_count: 2, modified_count: 2 })
    expect(typeof answer.body.execution_time_ms).toBe('number')
    const rows = (await query('bulk', { sort: { n: 1 } })).body.data.map((r: { row_data: unknown }) => r.row_data)
    expect(rows).toEqual([{ g: 'y', n: 0 }, { g: 'x', n: 3, meta: { seen: true } }, { g: 'x', n: 7, meta: { seen: true } }])
    const same = await api('PUT', '/tables/bulk/rows/bulk', { filter: { g: 'y' }, update: { $set: { n: 0 } } })
    expect(same.body).toMatchObject({ matched_count: 1, modified_count: 0 })
  })

  it('lets exactly one of many concurrent writers win a compare-and-set on version', async () => {
    await seed('cas', [{ sid: 's1', version: 1, by: 'nobody' }])
    const writers = Array.from({ length: 20 }, (_, i) =>
      api('PUT', '/tables/cas/rows/bulk', { filter: { sid: 's1', version: 1 }, update: { $set: { version: 2, by: `w${i}` } } }),
    )
    const answers = await Promise.all(writers)
    expect(answers.map((a) => a.body.modified_count).reduce((a, b) => a + b, 0)).toBe(1)
    const winner = answers.findIndex((a) => a.body.modified_count === 1)
    expect((await query('cas', {})).body.data[0].row_data).toEqual({ sid: 's1', version: 2, by: `w${winner}` })
  })

  it('applies all or nothing: an update that fails on one matched row changes no row', async () => {
    await seed('atomic', [{ g: 1, n: 1 }, { g: 1, n: 'text' }, { g: 1, n: 3 }])
    const answer = await api('PUT', '/tables/atomic/rows/bulk', { filter: { g: 1 }, update: { $inc: { n: 1 } } })
    expect(answer.status).toBe(400)
    const values = (await query('atomic', {})).body.data.map((r: { row_data: { n: unknown } }) => r.row_data.n)
    expect(values).toEqual([1, 'text', 3])
  })

  it('refuses more than 100 matched rows without confirm_large_operation, applying nothing', async () => {
    await seed('large', Array.from({ length: 101 }, (_, i) => ({ g: 1, i })))
    const refused = await api('PUT', '/tables/large/rows/bulk', { filter: { g: 1 }, update: { $set: { done: true } } })
    expect(refused.status).toBe(400)
    expect(refused.body.detail).toMatch(/confirm_large_operation/)
    expect((await query('large', { filter: { done: true } })).body.total).toBe(0)
    const exactly100 = await api('PUT', '/tables/large/rows/bulk', { filter: { i: { $lt: 100 } }, update: { $set: { done: true } } })
    expect(exactly100.body.modified_count).toBe(100)
    const confirmed = await api('PUT', '/tables/large/rows/bulk', {
      filter: { g: 1 },
      update: { $set: { done: 'yes' } },
      confirm_large_operation: true,
    })
    expect(confirmed.body).toMatchObject({ matched_count: 101, modified_count: 101 })
  })

  it('rejects an empty filter, an unknown update operator or body key, and query-only operators', async () => {
    await seed('rules', [{ a: 1 }])
    expect((await api('PUT', '/tables/rules/rows/bulk', { filter: {}, update: { $set: { a: 2 } } })).status).toBe(422)
    expect((await api('PUT', '/tables/rules/rows/bulk', { filter: { a: 1 }, update: { $push: { a: 2 } } })).status).toBe(400)
    expect((await api('PUT', '/tables/rules/rows/bulk', { filter: { a: 1 }, update: { $set: { a: 2 } }, upsert: true })).status).toBe(422)
    expect((await api('PUT', '/tables/rules/rows/bulk', { filter: { a: { $regex: '1' } }, update: { $set: { a: 2 } } })).status).toBe(400)
    expect((await query('rules', {})).body.data[0].row_data).toEqual({ a: 1 })
  })
})

describe('zerodb emulator: bulk delete', () => {
  it('deletes the matched rows and answers deleted_count', async () => {
    await seed('del', [{ e: 1 }, { e: 5 }, { e: 9 }])
    const answer = await api('DELETE', '/tables/del/rows/bulk', { filter: { e: { $lte: 5 } } })
    expect(answer).toMatchObject({ status: 200, body: { deleted_count: 2 } })
    expect((await query('del', {})).body.data.map((r: { row_data: unknown }) => r.row_data)).toEqual([{ e: 9 }])
  })

  it('refuses more than 100 rows without confirmation and an empty filter, deleting nothing', async () => {
    await seed('dl', Array.from({ length: 101 }, (_, i) => ({ g: 1, i })))
    expect((await api('DELETE', '/tables/dl/rows/bulk', { filter: { g: 1 } })).status).toBe(400)
    expect((await api('DELETE', '/tables/dl/rows/bulk', { filter: {} })).status).toBe(422)
    expect((await api('DELETE', '/tables/dl/rows/bulk', { filter: { g: 1 }, force: true })).status).toBe(422)
    expect((await query('dl', { limit: 1 })).body.total).toBe(101)
    const confirmed = await api('DELETE', '/tables/dl/rows/bulk', { filter: { g: 1 }, confirm_large_operation: true })
    expect(confirmed.body.deleted_count).toBe(101)
  })
})

describe('zerodb emulator: faults', () => {
  it('answers 429 with Retry-After to the next N requests, then serves normally', async () => {
    emulator.faults.rateLimit(2, { retryAfter: 3 })
    const first = await api('GET', '/tables')
    expect(first.status).toBe(429)
    expect(first.headers.get('retry-after')).toBe('3')
    expect(first.body).toEqual({ detail: 'Rate limit exceeded' })
    expect((await api('GET', '/tables')).status).toBe(429)
    expect((await api('GET', '/tables')).status).toBe(200)
    expect(emulator.faults.hits().rateLimited).toBe(2)
  })

  it('can answer 429 in the {error: {code, message, retry_after}} shape', async () => {
    emulator.faults.rateLimit(1, { retryAfter: 1, shape: 'error' })
    const answer = await api('GET', '/tables')
    expect(answer.body).toEqual({ error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded', retry_after: 1 } })
  })

  it('answers 500 to the next N requests without running them', async () => {
    await api('POST', '/tables', { name: 'f' })
    emulator.faults.serverError(2)
    expect((await api('POST', '/tables/f/rows', { row_data: {} })).status).toBe(500)
    expect((await api('POST', '/tables/f/rows', { row_data: {} })).status).toBe(500)
    expect(emulator.tables.get('f')!.rows.size).toBe(0)
    expect((await api('POST', '/tables/f/rows', { row_data: {} })).status).toBe(201)
  })

  it('drops connections, before or after running the request', async () => {
    await api('POST', '/tables', { name: 'd' })
    emulator.faults.dropConnection(1)
    await expect(api('POST', '/tables/d/rows', { row_data: { n: 1 } })).rejects.toThrow()
    expect(emulator.tables.get('d')!.rows.size).toBe(0)
    emulator.faults.dropConnection(1, { after: true })
    await expect(api('POST', '/tables/d/rows', { row_data: { n: 2 } })).rejects.toThrow()
    // The write applied although the client saw only a broken connection.
    expect([...emulator.tables.get('d')!.rows.values()].map((r) => r.row_data)).toEqual([{ n: 2 }])
  })

  it('limits a fault to one route', async () => {
    await api('POST', '/tables', { name: 'r' })
    emulator.faults.serverError(1, { route: 'POST /tables/{table}/query' })
    expect((await api('GET', '/tables')).status).toBe(200)
    expect((await query('r', {})).status).toBe(500)
    expect((await query('r', {})).status).toBe(200)
  })

  it('delays requests: a client with a shorter timeout gives up', async () => {
    emulator.faults.latency(400, { count: 1 })
    await expect(
      fetch(`${emulator.baseUrl}/api/v1/projects/proj-1/database/tables`, {
        headers: { 'x-api-key': 'k-123' },
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow()
    expect(emulator.faults.hits().delayed).toBe(1)
    expect((await api('GET', '/tables')).status).toBe(200)
  })
})

describe('zerodb emulator: persistence', () => {
  it('writes rows to a JSON file atomically and loads them on the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zerodb-emu-'))
    const path = join(dir, 'state.json')
    try {
      const first = await startZeroDbEmulator({ persistPath: path })
      const call = client(first)
      await call('POST', '/tables', { name: 'kept' })
      const id = (await call('POST', '/tables/kept/rows', { row_data: { sid: 'a' } })).body.row_id
      await first.close()
      expect(JSON.parse(readFileSync(path, 'utf8')).tables[0].name).toBe('kept')
      expect(readdirSync(dir)).toEqual(['state.json'])
      const second = await startZeroDbEmulator({ persistPath: path })
      try {
        const got = await client(second)('GET', `/tables/kept/rows/${id}`)
        expect(got.body.row_data).toEqual({ sid: 'a' })
      } finally {
        await second.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
