import { randomUUID } from 'node:crypto'
import express5 from 'express'
import express4 from 'express4'
import type { SessionStore } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { RedisStore } from '@sessionkit/store-redis'
import { Redis } from 'ioredis'

export type ExpressModule = typeof express5

/** A store for one test, with the call counts the tests assert on and its own cleanup. */
export interface TestStore {
  store: SessionStore
  /** Store method calls since creation (or the last `calls.clear()`), by method name. */
  calls: Map<string, number>
  /** Total store calls since the last `calls.clear()`. */
  total(): number
  cleanup(): Promise<void>
}

/** A place the middleware runs: an Express major and a store backend. */
export interface Target {
  name: string
  backend: 'memory' | 'redis'
  express: ExpressModule
  makeStore(): Promise<TestStore>
}

/**
 * Counts calls to the store's methods. Every method of a sessionkit store is one backend round
 * trip, so the counts are the round trips a request costs. The store itself is untouched.
 */
export function counting(store: SessionStore, cleanup: () => Promise<void>): TestStore {
  const calls = new Map<string, number>()
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown
      if (typeof value !== 'function' || typeof key !== 'string') return value
      return (...args: unknown[]) => {
        if (key !== 'close') calls.set(key, (calls.get(key) ?? 0) + 1)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: proxy, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0), cleanup }
}

export const memory = (): Promise<TestStore> => {
  const store = new MemoryStore()
  return Promise.resolve(counting(store, () => store.close()))
}

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A unique key prefix per test, so tests never touch each other's keys (or anyone else's). */
export function uniquePrefix(): string {
  return `skx-${randomUUID()}`
}

/**
 * Deletes every key under `prefix` (the store's keys all start with `{<prefix>:`), with SCAN:
 * never FLUSHDB on a shared Redis.
 */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await client.connect()
    let cursor = '0'
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}:*`, 'COUNT', 1000)
      if (keys.length > 0) await client.del(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    client.disconnect()
  }
}

/** A RedisStore on the shared test Redis under a fresh prefix; cleanup deletes only its keys. */
export const redis = (): Promise<TestStore> => {
  const prefix = uniquePrefix()
  const store = new RedisStore({ url: redisUrl, prefix })
  return Promise.resolve(
    counting(store, async () => {
      await store.close()
      await deletePrefix(redisUrl, prefix)
    }),
  )
}

export const targets: Target[] = [
  { name: 'express 5 + memory', backend: 'memory', express: express5, makeStore: memory },
  { name: 'express 4 + memory', backend: 'memory', express: express4 as unknown as ExpressModule, makeStore: memory },
  { name: 'express 5 + redis', backend: 'redis', express: express5, makeStore: redis },
  { name: 'express 4 + redis', backend: 'redis', express: express4 as unknown as ExpressModule, makeStore: redis },
]

/** A backend of the sign-in flow tests: a fresh store in its own namespace per call. */
export interface FlowBackend {
  name: 'memory' | 'redis'
  store(): SessionStore
}

/**
 * The memory and Redis backends the sign-in flow tests run on. Each store's cleanup (closing it,
 * and deleting its Redis keys) is handed to `onCleanup`, which the test runs after each test.
 */
export function flowBackends(onCleanup: (cleanup: () => Promise<void>) => void): FlowBackend[] {
  return [
    {
      name: 'memory',
      store: () => {
        const store = new MemoryStore()
        onCleanup(() => store.close())
        return store
      },
    },
    {
      name: 'redis',
      store: () => {
        const prefix = uniquePrefix()
        const store = new RedisStore({ url: redisUrl, prefix })
        onCleanup(async () => {
          await store.close()
          await deletePrefix(redisUrl, prefix)
        })
        return store
      },
    },
  ]
}
