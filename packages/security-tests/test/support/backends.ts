/**
 * The shape every backend of the security tests has (one file per backend, so a test loads only its own): a fresh store per namespace,
 * a raw dump of everything the backend holds for that namespace (read underneath the store, on
 * the backend's own bytes), and a way to overwrite a session's persisted payload directly.
 */
import { randomBytes } from 'node:crypto'
import type { SessionStore } from '@sessionkit/core'
import { createKeyLayout, decodeRecord, encodeRecord } from '@sessionkit/redis-scripts'
import type { Redis as IORedis } from 'ioredis'

/** The shared Redis of the test machine: only ever touch keys under our own unique prefixes. */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A unique namespace for one test (safe as a Redis prefix and a ZeroDB table name). */
export function uniqueNamespace(label: string): string {
  return `sksec_${label}_${process.pid}_${randomBytes(4).toString('hex')}`
}

export interface Backend {
  readonly name: string
  /** A fresh store over its own namespace. */
  store(namespace: string): SessionStore
  /** Every key and every value the backend holds for the namespace, as text. */
  dump(namespace: string, store: SessionStore): Promise<string[]>
  /** Overwrites the persisted payload of session `id` underneath the store. */
  corruptPayload(namespace: string, store: SessionStore, id: string, payload: string): Promise<void>
  /** Deletes what the tests wrote and stops servers. */
  close(): Promise<void>
}

/** Test-only walk of a prefix's keys (every key of a store starts with `{<prefix>:`). */
export async function keysOf(direct: IORedis, prefix: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await direct.scan(cursor, 'MATCH', `{${prefix}:*`, 'COUNT', 1000)
    keys.push(...batch)
    cursor = next
  } while (cursor !== '0')
  return keys
}

/** The whole value of a key, read according to its type. */
async function valueOf(direct: IORedis, key: string): Promise<string[]> {
  switch (await direct.type(key)) {
    case 'string':
      return [(await direct.get(key)) ?? '']
    case 'hash':
      return Object.entries(await direct.hgetall(key)).flat()
    case 'zset':
      return direct.zrange(key, 0, -1, 'WITHSCORES')
    case 'set':
      return direct.smembers(key)
    case 'list':
      return direct.lrange(key, 0, -1)
    case 'none':
      return []
    default:
      throw new Error(`unexpected Redis type at ${key}`)
  }
}

/** Dump and corruption helpers over a raw Redis that a store writes to with the shared layout. */
export function redisUnderneath(direct: IORedis) {
  const prefixes = new Set<string>()
  return {
    prefixes,
    async dump(prefix: string): Promise<string[]> {
      const keys = await keysOf(direct, prefix)
      const values = await Promise.all(keys.map((key) => valueOf(direct, key)))
      return [...keys, ...values.flat()]
    },
    async corrupt(prefix: string, id: string, payload: string): Promise<void> {
      // The record is rewritten with only its payload changed, as something with write access to
      // Redis could: the header stays valid, so the damage reaches the manager's decoding.
      const key = createKeyLayout({ prefix }).sessionKey(id)
      const record = decodeRecord(id, await direct.get(key))
      if (record === null) throw new Error('corrupted a session that was not there')
      await direct.set(key, encodeRecord({ ...record, payload }), 'KEEPTTL')
    },
    async cleanup(): Promise<void> {
      for (const prefix of prefixes) {
        const keys = await keysOf(direct, prefix)
        for (let i = 0; i < keys.length; i += 500) await direct.del(...keys.slice(i, i + 500))
      }
    },
  }
}

