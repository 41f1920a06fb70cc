import { randomUUID } from 'node:crypto'
import { ClosedError, ConfigError } from '@sessionkit/core'
import { makeRecord } from '@sessionkit/conformance'
import { Redis } from '@upstash/redis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { UpstashStore } from '../src/index'
import { startFixture, type Fixture } from './fixture'

const prefixRoot = `sk-test-upstash-config-${process.pid}-`
const newPrefix = (): string => `${prefixRoot}${randomUUID().slice(0, 8)}`
let fx: Fixture

beforeAll(async () => {
  fx = await startFixture()
})

afterAll(async () => {
  await fx.cleanup(prefixRoot)
  await fx.close()
})

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the call to fail')
}

function construct(build: () => unknown): Error {
  try {
    build()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected the constructor to throw')
}

describe('a bad token', () => {
  it('fails with a ConfigError that names the environment variables, without the token', async () => {
    const token = `wrong-${randomUUID()}`
    const store = new UpstashStore({ url: fx.server.url, token }, { prefix: newPrefix() })
    const now = Date.now()
    const record = makeRecord(now)
    const error = await failure(store.insert(record, { now }))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('token')
    expect(error.message).toContain('UPSTASH_REDIS_REST_URL')
    expect(error.message).toContain('UPSTASH_REDIS_REST_TOKEN')
    expect(error.message).toContain('401 Unauthorized')
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      expect(e.message).not.toContain(token)
      expect(e.message).not.toContain(record.id)
      expect(e.message).not.toContain(record.payload)
    }
    expect(fx.server.counters.snapshot().commands.total).toBe(0)
  })
})

describe('connection forms', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })

  it('fromEnv reads UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN', async () => {
    process.env.UPSTASH_REDIS_REST_URL = fx.server.url
    process.env.UPSTASH_REDIS_REST_TOKEN = fx.server.token
    for (const store of [UpstashStore.fromEnv({ prefix: newPrefix() }), new UpstashStore({ fromEnv: true }, { prefix: newPrefix() })]) {
      const now = Date.now()
      const record = makeRecord(now)
      await store.insert(record, { now })
      expect(await store.get(record.id, now)).toEqual(record)
    }
  })

  it('fromEnv without the variables is a ConfigError naming the missing one', () => {
    delete process.env.UPSTASH_REDIS_REST_URL
    delete process.env.UPSTASH_REDIS_REST_TOKEN
    delete process.env.KV_REST_API_URL
    delete process.env.KV_REST_API_TOKEN
    const noUrl = construct(() => UpstashStore.fromEnv())
    expect(noUrl).toBeInstanceOf(ConfigError)
    expect(noUrl.message).toMatch(/^UPSTASH_REDIS_REST_URL: is not set; set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN/)
    process.env.UPSTASH_REDIS_REST_URL = fx.server.url
    expect(construct(() => UpstashStore.fromEnv()).message).toMatch(/^UPSTASH_REDIS_REST_TOKEN: is not set/)
  })

  it('an existing client with automatic JSON parsing and auto-pipelining on: payloads come back exactly as written', async () => {
    const client = new Redis({ url: fx.server.url, token: fx.server.token, enableTelemetry: false })
    const store = new UpstashStore({ client }, { prefix: newPrefix() })
    const now = Date.now()
    for (const payload of ['{"a":1,"b":[1.0,2]}', '123', 'true', 'null', '"quoted"', '  {"spaced": 1}  ', '9007199254740993']) {
      const record = makeRecord(now, { payload, userId: 'u-client' })
      await store.insert(record, { now })
      expect((await store.get(record.id, now))!.payload).toBe(payload)
      expect((await store.touch(record.id, { now, idleTtlMs: 60_000, touchAfterMs: 0 }))!.payload).toBe(payload)
      expect((await store.listByUser('u-client', now)).find((r) => r.id === record.id)!.payload).toBe(payload)
    }
    await store.close()
    // The client belongs to the app: closing the store leaves it working.
    expect(await client.ping()).toBe('PONG')
  })

  it('something that is not an @upstash/redis client is a ConfigError', () => {
    const error = construct(() => new UpstashStore({ client: {} as unknown as Redis }))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).option).toBe('client')
  })

  it('a missing url or token is a ConfigError naming it', () => {
    expect((construct(() => new UpstashStore({ url: '', token: 't' })) as ConfigError).option).toBe('url')
    expect((construct(() => new UpstashStore({ url: fx.server.url, token: ' ' })) as ConfigError).option).toBe('token')
    expect((construct(() => new UpstashStore({ url: 'not a url', token: 't' })) as ConfigError).option).toBe('url')
  })
})

describe('options', () => {
  it('are validated with messages naming the option', () => {
    const connection = { url: fx.server.url, token: fx.server.token }
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ prefix: 'a{b}' }, 'prefix'],
      [{ prefix: '' }, 'prefix'],
      [{ timeoutMs: 0 }, 'timeoutMs'],
      [{ timeoutMs: 1.5 }, 'timeoutMs'],
      [{ retries: -1 }, 'retries'],
      [{ buckets: 0 }, 'buckets'],
    ]
    for (const [options, option] of cases) {
      const error = construct(() => new UpstashStore(connection, options))
      expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).option).toBe(option)
    }
    expect(construct(() => new UpstashStore(connection, { prefx: 'typo' } as never))).toBeInstanceOf(ConfigError)
  })

  it('a closed store rejects calls with ClosedError', async () => {
    const store = new UpstashStore({ url: fx.server.url, token: fx.server.token }, { prefix: newPrefix() })
    await store.close()
    await expect(store.get(makeRecord(Date.now()).id, Date.now())).rejects.toBeInstanceOf(ClosedError)
  })

  it('two prefixes on one database never see each other', async () => {
    const connection = { url: fx.server.url, token: fx.server.token }
    const a = new UpstashStore(connection, { prefix: newPrefix() })
    const b = new UpstashStore(connection, { prefix: newPrefix() })
    const now = Date.now()
    const record = makeRecord(now, { userId: 'shared-user' })
    await a.insert(record, { now })
    expect(await b.get(record.id, now)).toBeNull()
    expect(await b.listByUser('shared-user', now)).toEqual([])
  })
})
