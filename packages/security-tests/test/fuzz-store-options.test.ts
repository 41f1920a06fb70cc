import fc from 'fast-check'
import { MemoryStore } from '@sessionkit/store-memory'
import { RedisStore } from '@sessionkit/store-redis'
import { UpstashStore } from '@sessionkit/store-upstash'
import { ZeroDbStore } from '@sessionkit/store-zerodb'
import { Redis as IORedis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { redisUrl } from './support/backends'
import { OPTIONS_RUNS, OPTIONS_SEED, checkConstruction, junk, optionObjects, type OptionSpec } from './support/option-fuzz'

const fn = fc.constant(() => 0)
const notFn = junk
const int = (min: number, max: number) => fc.integer({ min, max })
const badInt = (min: number, max: number) => fc.oneof(fc.constantFrom(min - 1, max + 1, min + 0.5, Number.NaN, Infinity, String(min)), junk.filter((v) => typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max))
const prefix = fc.stringMatching(/^[a-z0-9:_-]{1,20}$/)
const badPrefix = fc.oneof(fc.constantFrom('', 'a{b', '}', 'x{'), junk.filter((v) => typeof v !== 'string' || v === ''))

const run = (specs: Record<string, OptionSpec>, build: (o: Record<string, unknown>) => { close(): Promise<void> | void }, required: string[] = []) =>
  fc.assert(
    fc.asyncProperty(optionObjects(specs, required), (drawn) => checkConstruction(drawn, build)),
    { numRuns: OPTIONS_RUNS, seed: OPTIONS_SEED, endOnFailure: true },
  )

// One shared client: the Redis store is built over it (not owned, so close leaves it open)
// instead of opening 10,000 connections.
const client = new IORedis(redisUrl, { lazyConnect: true })
afterAll(() => client.disconnect())

describe(`fuzz: random store options (${OPTIONS_RUNS} objects each, seed ${OPTIONS_SEED}) either construct or throw a ConfigError naming a wrong option`, () => {
  it('MemoryStore', () =>
    run(
      {
        maxSessions: { valid: fc.oneof(int(1, 1_000_000), fc.constant(Infinity)), invalid: badInt(1, 1_000_000).filter((v) => v !== Infinity && !(Number.isInteger(v) && (v as number) >= 1)) },
        sweepIntervalMs: { valid: int(0, 60_000), invalid: badInt(0, 60_000).filter((v) => !(Number.isInteger(v) && (v as number) >= 0)) },
        onEvict: { valid: fn, invalid: notFn },
        now: { valid: fn, invalid: notFn },
      },
      (o) => new MemoryStore(o),
    ))

  it('RedisStore (store options beside a given client)', () =>
    run(
      {
        prefix: { valid: prefix, invalid: badPrefix },
        commandTimeout: { valid: int(1, 600_000), invalid: badInt(1, 600_000) },
        buckets: { valid: int(1, 16_384), invalid: badInt(1, 16_384) },
      },
      (o) => new RedisStore({ client }, o),
    ))

  it('UpstashStore', () =>
    run(
      {
        prefix: { valid: prefix, invalid: badPrefix },
        buckets: { valid: int(1, 16_384), invalid: badInt(1, 16_384) },
        timeoutMs: { valid: int(1, 600_000), invalid: badInt(1, 600_000).filter((v) => !(Number.isInteger(v) && (v as number) > 0)) },
        retries: { valid: int(0, 10), invalid: badInt(0, 10) },
      },
      (o) => new UpstashStore({ url: 'http://127.0.0.1:1', token: 'test-token' }, o),
    ))

  it('ZeroDbStore', () =>
    run(
      {
        projectId: { valid: fc.stringMatching(/^[a-z0-9-]{1,40}$/), invalid: fc.oneof(fc.constant(''), fc.constant('p'.repeat(201)), junk.filter((v) => typeof v !== 'string')) },
        apiKey: { valid: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), invalid: fc.oneof(fc.constant(''), junk.filter((v) => typeof v !== 'string')) },
        tableName: { valid: fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/), invalid: fc.oneof(fc.constantFrom('', 'has space', 'a/b', 't'.repeat(129)), junk.filter((v) => typeof v !== 'string')) },
        baseUrl: { valid: fc.constantFrom('https://api.example.com', 'http://127.0.0.1:9', 'https://x.test/base/'), invalid: fc.oneof(fc.constantFrom('ftp://x', 'not a url', '//x', ''), junk.filter((v) => typeof v !== 'string')) },
        timeout: { valid: int(1, 60_000), invalid: badInt(1, 60_000).filter((v) => !(Number.isInteger(v) && (v as number) > 0)) },
        retries: { valid: int(0, 20), invalid: badInt(0, 20) },
        retryBaseDelay: { valid: int(0, 5000), invalid: badInt(0, 5000).filter((v) => !(Number.isInteger(v) && (v as number) >= 0)) },
        retryMaxDelay: { valid: int(0, 5000), invalid: badInt(0, 5000).filter((v) => !(Number.isInteger(v) && (v as number) >= 0)) },
      },
      (o) => new ZeroDbStore(o as never),
      ['projectId', 'apiKey'],
    ))
})

describe('a misspelt store option is named in the ConfigError (regression: Upstash said "options")', () => {
  it('UpstashStore names the unknown option', async () => {
    let thrown: unknown
    try {
      new UpstashStore({ url: 'http://127.0.0.1:1', token: 'test-token' }, { prefx: 'app' } as never)
    } catch (error) {
      thrown = error
    }
    const { ConfigError } = await import('@sessionkit/core')
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as InstanceType<typeof ConfigError>).option).toBe('prefx')
  })
})
