import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { Redis as IORedis } from 'ioredis'
import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startUpstashServer, type UpstashServer } from '../src/upstash/index'

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = `sk-test:upstash-protocol:${randomUUID()}:`
const key = (name: string): string => `${prefix}${name}`

let server: UpstashServer
let direct: IORedis

/** The official client, pointed at the local server. */
function client(
  options: { automaticDeserialization?: boolean; token?: string; url?: string; enableAutoPipelining?: boolean } = {},
): Redis {
  return new Redis({
    url: options.url ?? server.url,
    token: options.token ?? server.token,
    automaticDeserialization: options.automaticDeserialization ?? true,
    enableAutoPipelining: options.enableAutoPipelining ?? true,
    enableTelemetry: false,
  })
}

/** A request exactly as the client sends it, to look at the wire format itself. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: await response.json() }
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return port
}

beforeAll(async () => {
  direct = new IORedis(redisUrl)
  server = await startUpstashServer()
})

afterAll(async () => {
  // Only this file's keys: the Redis is shared with other test runs.
  const keys = await direct.keys(`${prefix}*`)
  if (keys.length > 0) await direct.del(...keys)
  await direct.quit()
  await server.close()
})

beforeEach(() => server.reset())

describe('upstash REST server: values through @upstash/redis', () => {
  it('round-trips strings, and JSON values the client serializes itself', async () => {
    const redis = client()
    expect(await redis.set(key('s'), 'plain text')).toBe('OK')
    expect(await redis.get(key('s'))).toBe('plain text')
    await redis.set(key('json'), { cart: [1, 2], name: 'ü' })
    expect(await redis.get(key('json'))).toEqual({ cart: [1, 2], name: 'ü' })
    expect(await direct.get(key('json'))).toBe('{"cart":[1,2],"name":"ü"}')
  })

  it('keeps raw strings raw when the client does not deserialize', async () => {
    const redis = client({ automaticDeserialization: false })
    await redis.set(key('raw'), '{"a":1}')
    expect(await redis.get(key('raw'))).toBe('{"a":1}')
    await redis.set(key('n'), 42)
    expect(await redis.get(key('n'))).toBe('42')
  })

  it('answers integers as numbers and nulls as null', async () => {
    const redis = client()
    expect(await redis.incr(key('counter'))).toBe(1)
    expect(await redis.incrby(key('counter'), 41)).toBe(42)
    expect(await redis.get(key('missing'))).toBeNull()
    expect(await redis.exists(key('counter'), key('missing'))).toBe(1)
    expect(await redis.pttl(key('counter'))).toBe(-1)
  })

  it('round-trips unicode at every depth', async () => {
    const redis = client({ automaticDeserialization: false })
    const text = 'héllo 🌍 日本語 e\u0301 \u0000 end'
    await redis.set(key('unicode'), text)
    expect(await redis.get(key('unicode'))).toBe(text)
    expect(await direct.get(key('unicode'))).toBe(text)
    await redis.rpush(key('list'), 'α', '🎉', 'ж')
    expect(await redis.lrange(key('list'), 0, -1)).toEqual(['α', '🎉', 'ж'])
  })

  it('answers nested arrays (a script table) with strings decoded at every depth', async () => {
    const redis = client({ automaticDeserialization: false })
    const reply = await redis.eval('return {1, "a", {2, "ü", {"deep", 3}}, {}}', [], [])
    expect(reply).toEqual([1, 'a', [2, 'ü', ['deep', 3]], []])
  })

  it('answers RESP2 shapes: HGETALL is a flat array the client turns into an object', async () => {
    const redis = client()
    await redis.hset(key('hash'), { field: 'value', n: 7 })
    expect(await redis.hgetall(key('hash'))).toEqual({ field: 'value', n: 7 })
    await redis.zadd(key('z'), { score: 2, member: 'b' }, { score: 1, member: 'a' })
    expect(await redis.zrange(key('z'), 0, -1, { withScores: true })).toEqual(['a', 1, 'b', 2])
  })

  it('converts JSON numbers, booleans and null into Redis arguments', async () => {
    const written = await post('/', ['set', key('args'), 1.5, 'px', 60000])
    expect(written).toEqual({ status: 200, json: { result: 'OK' } })
    expect(await direct.get(key('args'))).toBe('1.5')
    expect(await direct.pttl(key('args'))).toBeGreaterThan(50_000)
    await post('/', ['rpush', key('mixed'), true, false, null, 0])
    expect(await direct.lrange(key('mixed'), 0, -1)).toEqual(['true', 'false', 'null', '0'])
  })
})

describe('upstash REST server: the wire format', () => {
  it('base64-encodes every string at every depth with Upstash-Encoding, and nothing else', async () => {
    await direct.set(key('b64'), 'ok ✓')
    const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')
    const single = await post('/', ['get', key('b64')], { 'upstash-encoding': 'base64' })
    expect(single).toEqual({ status: 200, json: { result: b64('ok ✓') } })
    const status = await post('/', ['set', key('b64'), 'x'], { 'upstash-encoding': 'base64' })
    expect(status.json).toEqual({ result: b64('OK') })
    const nested = await post('/', ['eval', 'return {"a", 1, {"b", false}}', 0], { 'upstash-encoding': 'base64' })
    expect(nested.json).toEqual({ result: [b64('a'), 1, [b64('b'), null]] })
    const plain = await post('/', ['eval', 'return {"a", 1, {"b"}}', 0])
    expect(plain.json).toEqual({ result: ['a', 1, ['b']] })
  })

  it('keeps binary values byte for byte under base64', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41])
    await direct.set(key('binary'), bytes)
    const { json } = await post('/', ['get', key('binary')], { 'upstash-encoding': 'base64' })
    expect(Buffer.from((json as { result: string }).result, 'base64')).toEqual(bytes)
  })

  it('passes Redis error text through unchanged and unencoded, with status 400', async () => {
    await direct.set(key('text'), 'not a number')
    const failed = await post('/', ['incr', key('text')], { 'upstash-encoding': 'base64' })
    expect(failed).toEqual({ status: 400, json: { error: 'ERR value is not an integer or out of range' } })
    const noscript = await post('/', ['evalsha', 'ffffffffffffffffffffffffffffffffffffffff', 0])
    expect(noscript.status).toBe(400)
    expect((noscript.json as { error: string }).error).toMatch(/^NOSCRIPT /)
  })

  it('answers an unknown route with 404, a bad token with 401, and returns a sync token', async () => {
    expect((await post('/nope', ['get', 'x'])).status).toBe(404)
    expect((await post('/', ['get', 'x'], { authorization: 'Bearer wrong' })).status).toBe(401)
    const response = await fetch(server.url, { method: 'POST', body: '["ping"]', headers: { authorization: `Bearer ${server.token}` } })
    expect(response.headers.get('upstash-sync-token')).toMatch(/^\d+$/)
  })

  it('refuses what Upstash does not serve over REST, and never flushes the shared Redis', async () => {
    for (const command of [['select', 1], ['watch', key('w')], ['blpop', key('l'), 1], ['flushdb'], ['flushall']]) {
      const answer = await post('/', command)
      expect(answer.status).toBe(400)
    }
    expect(server.counters.snapshot().commands.total).toBe(0)
  })

  it('answers malformed bodies with 400', async () => {
    expect((await post('/', { not: 'a command' })).status).toBe(400)
    expect((await post('/pipeline', [])).status).toBe(400)
    expect((await post('/', ['set', key('bad'), { nested: true }])).status).toBe(400)
  })
})

describe('upstash REST server: scripts, pipelines and transactions', () => {
  it('runs a script through the client helper, falling back from EVALSHA to EVAL once', async () => {
    const redis = client({ automaticDeserialization: false, enableAutoPipelining: false })
    // A body never seen before, so the script cache cannot already hold it.
    const script = redis.createScript<string[]>(`-- ${randomUUID()}\nreturn {KEYS[1], ARGV[1]}`)
    expect(await script.exec([key('script')], ['ü'])).toEqual([key('script'), 'ü'])
    expect(server.counters.snapshot().commands.byName).toEqual({ evalsha: 1, eval: 1 })
    // EVALSHA answered 400 NOSCRIPT on its own route, then EVAL succeeded.
    expect(server.counters.snapshot().responses).toEqual({ 400: 1, 200: 1 })

    server.reset()
    expect(await script.exec([key('script')], ['again'])).toEqual([key('script'), 'again'])
    expect(server.counters.snapshot().commands.byName).toEqual({ evalsha: 1 })
  })

  it('falls back from EVALSHA to EVAL through auto-pipelining too (NOSCRIPT as a pipeline entry)', async () => {
    const redis = client({ automaticDeserialization: false })
    const script = redis.createScript<string>(`-- ${randomUUID()}\nreturn ARGV[1]`)
    expect(await script.exec([], ['🌍'])).toBe('🌍')
    expect(server.counters.snapshot().requests.byRoute).toEqual({ '/pipeline': 2 })
    expect(server.counters.snapshot().commands.byName).toEqual({ evalsha: 1, eval: 1 })
  })

  it('runs a pipeline in one request and answers each command in order', async () => {
    const redis = client({ automaticDeserialization: false })
    const results = await redis.pipeline().set(key('p'), 'v').incr(key('pc')).get(key('p')).exec()
    expect(results).toEqual(['OK', 1, 'v'])
    const counted = server.counters.snapshot()
    expect(counted.requests).toEqual({ total: 1, byRoute: { '/pipeline': 1 } })
    expect(counted.commands).toEqual({ total: 3, byName: { set: 1, incr: 1, get: 1 } })
  })

  it('reports a failing command inside a pipeline without failing the others', async () => {
    const redis = client({ automaticDeserialization: false })
    await direct.set(key('pt'), 'text')
    const pipeline = redis.pipeline().incr(key('pt')).set(key('after'), 'written')
    const results = await pipeline.exec({ keepErrors: true })
    expect(results[0]!.error).toBe('ERR value is not an integer or out of range')
    expect(results[1]).toEqual({ error: undefined, result: 'OK' })
    expect(await direct.get(key('after'))).toBe('written')

    await expect(redis.pipeline().incr(key('pt')).exec()).rejects.toThrow(/Command 1 \[ incr \] failed: ERR value is not an integer/)
  })

  it('runs multi-exec atomically; a runtime error is that entry only', async () => {
    const redis = client({ automaticDeserialization: false })
    await direct.set(key('mt'), 'text')
    const results = await redis.multi().set(key('m1'), 'a').incr(key('mt')).get(key('m1')).exec({ keepErrors: true })
    expect(results.map((entry) => entry.result ?? entry.error)).toEqual(['OK', 'ERR value is not an integer or out of range', 'a'])
    expect(server.counters.snapshot().requests.byRoute).toEqual({ '/multi-exec': 1 })
  })

  it('answers a transaction Redis discards with 400, the client throws, and nothing is written', async () => {
    const discarded = await post('/multi-exec', [['set', key('never'), 'x'], ['set', key('wrong-arity')]])
    expect(discarded.status).toBe(400)
    expect((discarded.json as { error: string }).error).toMatch(/^EXECABORT/)
    expect(await direct.exists(key('never'))).toBe(0)
  })
})

describe('upstash REST server: failures the client sees', () => {
  it('rejects a bad token: the client throws Unauthorized', async () => {
    const redis = client({ token: 'not-the-token' })
    await expect(redis.get(key('x'))).rejects.toThrow(/Unauthorized/)
    expect(server.counters.snapshot().responses).toEqual({ 401: 1 })
    expect(server.counters.snapshot().commands.total).toBe(0)
  })

  it('answers an unknown route with 404: a client pointed at a wrong base path throws', async () => {
    const redis = client({ url: `${server.url}/v2` })
    await expect(redis.get(key('x'))).rejects.toThrow(/Not found: \/v2/)
    expect(server.counters.snapshot().responses).toEqual({ 404: 1 })
  })

  it('answers 500 when Redis is unreachable, and the client throws', async () => {
    const down = await startUpstashServer({ redisUrl: `redis://127.0.0.1:${await freePort()}` })
    try {
      const redis = new Redis({ url: down.url, token: down.token, enableTelemetry: false })
      await expect(redis.get(key('x'))).rejects.toThrow(/Redis is unavailable/)
      expect(down.counters.snapshot().responses).toEqual({ 500: 1 })
    } finally {
      await down.close()
    }
  })
})
