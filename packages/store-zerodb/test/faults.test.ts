import { ClosedError, isStoreUnavailable, StoreUnavailableError } from '@sessionkit/core'
import { describe, expect, it } from 'vitest'
import { makeRecord, rejection, useEmulator } from './helpers'

const QUERY = 'POST /tables/{table}/query'
const INSERT = 'POST /tables/{table}/rows'
const BULK_UPDATE = 'PUT /tables/{table}/rows/bulk'
const BULK_DELETE = 'DELETE /tables/{table}/rows/bulk'

/** Settles a promise or answers 'hung' after `ms`. */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<'hung' | { ok: T } | { error: unknown }> {
  return Promise.race([
    promise.then(
      (ok) => ({ ok }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms)),
  ])
}

describe('ZeroDbStore under faults', () => {
  const zerodb = useEmulator()

  it('retries 429 answers and then succeeds', async () => {
    const store = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await store.insert(record, { now })
    zerodb.emulator.faults.rateLimit(2, { retryAfter: 0 })
    const before = zerodb.emulator.counters.get(QUERY)
    expect(await store.get(record.id, now)).toEqual(record)
    expect(zerodb.emulator.counters.get(QUERY) - before).toBe(3)
    expect(zerodb.emulator.faults.hits().rateLimited).toBe(2)
  })

  it('waits at least the Retry-After the server asked for before retrying', async () => {
    const store = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await store.insert(record, { now })
    zerodb.emulator.faults.rateLimit(1, { retryAfter: 1 })
    const started = Date.now()
    expect(await store.get(record.id, now)).toEqual(record)
    expect(Date.now() - started, 'the retry came after the 1 s the server asked for').toBeGreaterThanOrEqual(990)
  })

  it('gives up at once, saying it is rate limited, when Retry-After is beyond the timeout', async () => {
    const store = zerodb.store({ timeout: 2000 })
    const now = Date.now()
    await store.insert(makeRecord(now), { now })
    zerodb.emulator.faults.rateLimit(1, { retryAfter: 30, shape: 'error' })
    const before = zerodb.emulator.counters.get(QUERY)
    const error = await rejection(store.get(makeRecord(now).id, now))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error.message).toMatch(/rate limited by ZeroDB \(429\).*retry after 30 s/)
    expect(error.message).not.toContain('[object Object]')
    expect(zerodb.emulator.counters.get(QUERY) - before, 'no retry inside the 30 s').toBe(1)
  })

  it('a 429 on an insert is retried (the server did nothing) and the row is written once', async () => {
    const store = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await store.get(record.id, now) // creates the table
    zerodb.emulator.faults.rateLimit(2, { retryAfter: 0, route: INSERT })
    expect(await store.insert(record, { now })).toEqual({ status: 'ok', evicted: [] })
    expect(zerodb.emulator.tables.get(store.tableName)!.rows.size).toBe(1)
  })

  it('persistent 500s end in a StoreUnavailableError after exactly 1 + retries attempts', async () => {
    const store = zerodb.store({ retries: 2 })
    const now = Date.now()
    await store.get(makeRecord(now).id, now) // creates the table
    zerodb.emulator.faults.serverError(50)
    const before = zerodb.emulator.counters.get(QUERY)
    const error = await rejection(store.get(makeRecord(now).id, now))
    expect(isStoreUnavailable(error)).toBe(true)
    expect(error.message).toMatch(/ZeroDB answered 500 .*after 3 attempts/)
    expect(zerodb.emulator.counters.get(QUERY) - before).toBe(3)
  })

  it('a request slower than the timeout fails with StoreUnavailableError instead of hanging', async () => {
    const store = zerodb.store({ timeout: 300 })
    const now = Date.now()
    await store.get(makeRecord(now).id, now) // creates the table
    zerodb.emulator.faults.latency(4000, { count: 1 })
    const outcome = await settleWithin(store.get(makeRecord(now).id, now), 3000)
    expect(outcome).not.toBe('hung')
    const error = (outcome as { error: Error }).error
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error.message).toMatch(/no answer from ZeroDB within the 300 ms timeout/)
  })

  it('retries a read whose connection was dropped', async () => {
    const store = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await store.insert(record, { now })
    zerodb.emulator.faults.dropConnection(2, { route: QUERY })
    expect(await store.get(record.id, now)).toEqual(record)
    expect(zerodb.emulator.faults.hits().dropped).toBe(2)
  })

  it('never retries an insert whose answer was lost: the row exists once and the error says why', async () => {
    const store = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await store.get(record.id, now) // creates the table
    zerodb.emulator.faults.dropConnection(1, { after: true, route: INSERT })
    const before = zerodb.emulator.counters.get(INSERT)
    const error = await rejection(store.insert(record, { now }))
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect(error.message).toMatch(/not retried: the POST may already have applied/)
    expect(zerodb.emulator.counters.get(INSERT) - before, 'sent once').toBe(1)
    expect([...zerodb.emulator.tables.get(store.tableName)!.rows.values()].filter((r) => r.row_data.sid === record.id)).toHaveLength(1)
    // The write did apply; the store reads it back like any other.
    expect(await store.get(record.id, now)).toEqual(record)
  })

  it('never retries an insert answered with a 500', async () => {
    const store = zerodb.store()
    const now = Date.now()
    await store.get(makeRecord(now).id, now) // creates the table
    zerodb.emulator.faults.serverError(1, { route: INSERT })
    const before = zerodb.emulator.counters.get(INSERT)
    const error = await rejection(store.insert(makeRecord(now), { now }))
    expect(isStoreUnavailable(error)).toBe(true)
    expect(zerodb.emulator.counters.get(INSERT) - before).toBe(1)
  })

  it('a replace whose answer was lost is retried and still answers ok, written once', async () => {
    const store = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await store.insert(record, { now })
    zerodb.emulator.faults.serverError(1, { after: true, route: BULK_UPDATE })
    const next = { ...record, payload: '{"step":2}', version: 2 }
    expect(await store.replace(next, 1, now)).toEqual({ status: 'ok' })
    expect(await store.get(record.id, now)).toEqual(next)
  })

  it('a replace whose answer was lost is recognised as applied even after another write landed on top', async () => {
    const a = zerodb.store({ retryBaseDelay: 400, retryMaxDelay: 400 })
    const b = zerodb.store({ tableName: a.tableName })
    const now = Date.now()
    const record = makeRecord(now)
    await a.insert(record, { now })
    zerodb.emulator.faults.serverError(1, { after: true, route: BULK_UPDATE })
    const v2 = { ...record, payload: 'from a', version: 2 }
    const fromA = a.replace(v2, 1, now)
    // While A backs off (200-400 ms) before retrying, B builds on A's write.
    while (zerodb.emulator.faults.hits().serverErrors === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    const v3 = { ...v2, payload: 'from b', version: 3 }
    expect(await b.replace(v3, 2, now)).toEqual({ status: 'ok' })
    // A's retry matches nothing; A must still answer ok (its write did apply), not conflict,
    // or the manager would apply A's change a second time.
    expect(await fromA).toEqual({ status: 'ok' })
    expect(await a.get(record.id, now)).toEqual(v3)
  })

  it('a delete whose answer was lost is retried and still returns what it removed', async () => {
    const store = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await store.insert(record, { now })
    zerodb.emulator.faults.serverError(1, { after: true, route: BULK_DELETE })
    expect(await store.delete(record.id)).toEqual({ id: record.id, userId: record.userId })
    expect(await store.get(record.id, now)).toBeNull()
  })

  it('close() ends a call waiting on a slow server with ClosedError', async () => {
    const store = zerodb.store({ timeout: 10_000 })
    const now = Date.now()
    await store.get(makeRecord(now).id, now) // creates the table
    zerodb.emulator.faults.latency(3000, { count: 1 })
    const pending = store.get(makeRecord(now).id, now)
    await new Promise((resolve) => setTimeout(resolve, 50))
    await store.close()
    const outcome = await settleWithin(pending, 2000)
    expect(outcome).not.toBe('hung')
    expect((outcome as { error: unknown }).error).toBeInstanceOf(ClosedError)
  })
})
