import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConfigError, isStoreUnavailable, StoreError } from '@sessionkit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZeroDbStore } from '../src/index'
import { makeRecord, rejection, useEmulator } from './helpers'

describe('ZeroDbStore error messages a user can act on', () => {
  const zerodb = useEmulator({ apiKey: 'the-right-key', projectId: 'proj-42', readOnlyApiKey: 'read-only-key' })

  it('a wrong API key is a ConfigError naming apiKey, without the key', async () => {
    const store = zerodb.store({ apiKey: 'sk-wrong-key-123' })
    const error = await rejection(store.get(makeRecord(Date.now()).id, Date.now()))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('apiKey')
    expect(error.message).toMatch(/ZeroDB rejected the API key \(401 Invalid API key\): check apiKey/)
    expect(error.message).not.toContain('sk-wrong-key-123')
    expect(error.message).not.toContain('the-right-key')
  })

  it('a key without write access is a ConfigError saying so (403), while reads still work', async () => {
    const writer = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await writer.insert(record, { now })
    const reader = zerodb.store({ apiKey: 'read-only-key', tableName: writer.tableName })
    expect(await reader.get(record.id, now)).toEqual(record)
    const error = await rejection(reader.insert(makeRecord(now), { now }))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toMatch(/403 Insufficient permissions.*may read and write tables/)
  })

  it('a missing table that the key may not create says so, naming tableName', async () => {
    const reader = zerodb.store({ apiKey: 'read-only-key' })
    const error = await rejection(reader.get(makeRecord(Date.now()).id, Date.now()))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('tableName')
    expect(error.message).toMatch(/table "t.*" does not exist and the API key may not create it \(403\): create the table in ZeroDB/)
  })

  it('a wrong project is a ConfigError naming projectId', async () => {
    const store = zerodb.store({ projectId: 'proj-typo' })
    const error = await rejection(store.get(makeRecord(Date.now()).id, Date.now()))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('projectId')
    expect(error.message).toMatch(/no project "proj-typo".*check projectId/)
  })

  it('creates its table on first use, once, and recreates it when someone drops it', async () => {
    const store = zerodb.store()
    const now = Date.now()
    const created = zerodb.emulator.counters.get('POST /tables')
    await Promise.all([store.get(makeRecord(now).id, now), store.get(makeRecord(now).id, now)])
    expect(zerodb.emulator.counters.get('POST /tables') - created, 'one create for concurrent first calls').toBe(1)
    zerodb.emulator.tables.delete(store.tableName)
    const record = makeRecord(now)
    expect(await store.insert(record, { now })).toEqual({ status: 'ok', evicted: [] })
    expect(await store.get(record.id, now)).toEqual(record)
    expect(zerodb.emulator.tables.has(store.tableName)).toBe(true)
  })

  it('uses a table that already exists (another process made it)', async () => {
    const first = zerodb.store()
    const now = Date.now()
    const record = makeRecord(now)
    await first.insert(record, { now })
    const second = zerodb.store({ tableName: first.tableName })
    expect(await second.get(record.id, now)).toEqual(record)
  })

  it('a baseUrl that is not the API root says to check baseUrl', async () => {
    const store = zerodb.store({ baseUrl: `${zerodb.emulator.baseUrl}/v2` })
    const error = await rejection(store.get(makeRecord(Date.now()).id, Date.now()))
    expect(error).toBeInstanceOf(StoreError)
    expect(error.message).toMatch(/404 Not Found.*check baseUrl/)
  })

  it('an unreachable server is StoreUnavailableError after the retries', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const store = zerodb.store({ baseUrl: `http://127.0.0.1:${port}`, retries: 1 })
    const error = await rejection(store.get(makeRecord(Date.now()).id, Date.now()))
    expect(isStoreUnavailable(error)).toBe(true)
    expect(error.message).toMatch(/could not reach ZeroDB at http:\/\/127\.0\.0\.1:\d+ during get after 2 attempts/)
  })
})

describe('ZeroDbStore reads every error shape ZeroDB uses', () => {
  // A server answering the other documented shapes, which the emulator does not produce.
  let server: Server
  let baseUrl: string
  const answers = new Map<string, { status: number; body: unknown }>()
  beforeAll(async () => {
    server = createServer((request, response) => {
      const answer = answers.get(request.headers['x-api-key'] as string) ?? { status: 500, body: 'plain text failure' }
      request.resume()
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => server.close(resolve)))

  const failWith = async (status: number, body: unknown) => {
    const apiKey = `key-${answers.size}`
    answers.set(apiKey, { status, body })
    const store = new ZeroDbStore({ baseUrl, apiKey, projectId: 'p', retries: 0 })
    try {
      return await rejection(store.get(makeRecord(Date.now()).id, Date.now()))
    } finally {
      await store.close()
    }
  }

  it('403 with {error: {code, message}} says to check the key and project, with the code', async () => {
    const error = await failWith(403, { error: { code: 'INSUFFICIENT_PERMISSIONS', message: 'Key cannot access project' } })
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain('INSUFFICIENT_PERMISSIONS: Key cannot access project')
    expect(error.message).toMatch(/check that apiKey belongs to projectId/)
  })

  it('a 422 list of {loc, msg, type} is summarised field by field, without echoing input', async () => {
    const error = await failWith(422, {
      detail: [{ loc: ['body', 'filter'], msg: 'Field required', type: 'missing', input: { secret: 'session-data' } }],
    })
    expect(error).toBeInstanceOf(StoreError)
    expect(error.message).toContain('body.filter: Field required')
    expect(error.message).not.toContain('session-data')
  })

  it('nested objects and plain text never show up as [object Object]', async () => {
    for (const [status, body] of [
      [400, { detail: { reason: 'odd' } }],
      [400, { error: { code: 7 } }],
      [500, 'plain text failure'],
      [503, { unexpected: ['shape'] }],
    ] as const) {
      const error = await failWith(status, body)
      expect(error.message).not.toContain('[object Object]')
      expect(error.message.length).toBeGreaterThan(20)
    }
  })
})

describe('ZeroDbStore options', () => {
  it('names the option that is wrong', () => {
    const base = { projectId: 'p', apiKey: 'k' }
    const option = (options: object) => {
      try {
        new ZeroDbStore(options as never)
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError)
        return (error as ConfigError).option
      }
      return 'accepted'
    }
    expect(option({ projectId: 'p' })).toBe('apiKey')
    expect(option({ apiKey: 'k' })).toBe('projectId')
    expect(option({ ...base, tableName: 'no spaces allowed' })).toBe('tableName')
    expect(option({ ...base, baseUrl: 'ftp://example.com' })).toBe('baseUrl')
    expect(option({ ...base, timeout: 0 })).toBe('timeout')
    expect(option({ ...base, retries: -1 })).toBe('retries')
    expect(option({ ...base, tablename: 'x' })).toBe('tablename')
    expect(option(base)).toBe('accepted')
  })
})
