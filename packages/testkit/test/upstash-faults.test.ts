import { randomUUID } from 'node:crypto'
import { Redis as IORedis } from 'ioredis'
import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startUpstashServer, type UpstashServer } from '../src/upstash/index'

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = `sk-test:upstash-faults:${randomUUID()}:`
const key = (name: string): string => `${prefix}${name}`

let server: UpstashServer
let direct: IORedis

/** The official client; `retries: 0` makes one attempt only (`retry: false` still retries once). */
function client(retries = 0): Redis {
  return new Redis({
    url: server.url,
    token: server.token,
    automaticDeserialization: false,
    enableAutoPipelining: false,
    enableTelemetry: false,
    retry: { retries, backoff: () => 10 },
  })
}

async function status(): Promise<number | 'dropped'> {
  try {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}` },
      body: '["ping"]',
    })
    await response.arrayBuffer()
    return response.status
  } catch {
    return 'dropped'
  }
}

beforeAll(async () => {
  direct = new IORedis(redisUrl)
  server = await startUpstashServer()
})

afterAll(async () => {
  const keys = await direct.keys(`${prefix}*`)
  if (keys.length > 0) await direct.del(...keys)
  await direct.quit()
  await server.close()
})

beforeEach(() => server.reset())

describe('upstash REST server: fault injection', () => {
  it('answers 500 for exactly the next N requests, without running them', async () => {
    server.faults.set({ status500: 2 })
    const redis = client()
    await expect(redis.set(key('a'), '1')).rejects.toThrow(/injected fault/)
    await expect(redis.set(key('a'), '2')).rejects.toThrow(/injected fault/)
    expect(await redis.set(key('a'), '3')).toBe('OK')
    expect(await direct.get(key('a'))).toBe('3')
    expect(server.counters.snapshot().responses).toEqual({ 500: 2, 200: 1 })
    expect(server.counters.snapshot().commands.byName).toEqual({ set: 1 })
    expect(server.faults.tally()).toEqual({ delayed: 0, status500: 2, dropped: 0 })
  })

  it('drops a connection without answering: the client fetch fails, and its retry gets through', async () => {
    server.faults.set({ drop: 1 })
    await expect(client(0).incr(key('retried'))).rejects.toThrow()
    expect(await direct.get(key('retried'))).toBeNull()

    server.faults.set({ drop: 1 })
    expect(await client(2).incr(key('retried'))).toBe(1)
    expect(server.counters.snapshot().responses).toEqual({ dropped: 2, 200: 1 })
  })

  it("drops after running: the write applied though the client saw no answer, and a retry applies it twice", async () => {
    server.faults.set({ drop: 1, dropWhen: 'after' })
    expect(await client(1).incr(key('twice'))).toBe(2)
    expect(await direct.get(key('twice'))).toBe('2')
  })

  it('delays requests: a client that gives up first gets no answer, and close() does not wait', async () => {
    const slow = await startUpstashServer()
    try {
      slow.faults.set({ latencyMs: 60_000 })
      const pending = fetch(slow.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${slow.token}` },
        body: '["ping"]',
        signal: AbortSignal.timeout(200),
      })
      await expect(pending).rejects.toThrow(/timeout|abort/i)
      expect(slow.faults.tally().delayed).toBe(1)
    } finally {
      await slow.close()
    }
  })

  it('replays the same pattern for the same seed', async () => {
    const run = async (): Promise<Array<number | 'dropped'>> => {
      server.faults.set({ status500: { probability: 0.4, seed: 7 }, drop: { probability: 0.2, seed: 11 } })
      const seen: Array<number | 'dropped'> = []
      for (let i = 0; i < 25; i += 1) seen.push(await status())
      return seen
    }
    const first = await run()
    const second = await run()
    expect(second).toEqual(first)
    expect(new Set(first)).toEqual(new Set([200, 500, 'dropped']))
  })

  it('rejects fault settings that make no sense', () => {
    expect(() => server.faults.set({ status500: -1 })).toThrow(RangeError)
    expect(() => server.faults.set({ drop: { probability: 2 } })).toThrow(RangeError)
    expect(() => server.faults.set({ latencyMs: -5 })).toThrow(RangeError)
  })

  it('clears faults on reset', async () => {
    server.faults.set({ status500: 5 })
    server.reset()
    expect(await status()).toBe(200)
  })
})
