import { makeRecord } from '@sessionkit/conformance'
import { redisUrl } from '@sessionkit/testkit/redis'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'

/** Counts the system-call level writes a socket makes (one `write` or one `writev` each). */
function countWrites(client: Redis): { readonly writes: number } {
  const socket = client.stream as unknown as { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void }
  const counter = { writes: 0 }
  const write = socket._write.bind(socket)
  socket._write = (...args) => {
    counter.writes++
    write(...args)
  }
  if (socket._writev) {
    const writev = socket._writev.bind(socket)
    socket._writev = (...args) => {
      counter.writes++
      writev(...args)
    }
  }
  return counter
}

const prefix = `sk-batch-${randomBytes(6).toString('hex')}`
const clients: Redis[] = []
afterAll(async () => {
  const cleaner = new Redis(redisUrl())
  const keys = (await dumpNamespace(cleaner, prefix)).filter((k) => k.startsWith(`{${prefix}:`))
  if (keys.length > 0) await cleaner.del(...keys)
  await Promise.all([cleaner, ...clients].map((c) => c.quit()))
})

async function connected(): Promise<Redis> {
  const client = new Redis(redisUrl())
  clients.push(client)
  await client.ping()
  return client
}

describe('write batching', () => {
  it('sends the commands of one tick in one socket write, each with its own answer', async () => {
    const client = await connected()
    const store = new RedisStore({ client }, { prefix })
    const now = Date.now()
    const records = Array.from({ length: 64 }, (_, i) => makeRecord(now, { userId: `u-${i}` }))
    await Promise.all(records.map((r) => store.insert(r, { now })))

    const counter = countWrites(client)
    const read = await Promise.all(records.map((r) => store.get(r.id, now)))
    expect(read).toEqual(records)
    expect(counter.writes).toBe(1)
  })

  it('also batches commands sent from separate callbacks of one event-loop turn (as HTTP requests are)', async () => {
    const client = await connected()
    const store = new RedisStore({ client }, { prefix })
    const now = Date.now()
    const records = Array.from({ length: 8 }, () => makeRecord(now, { userId: null }))
    await Promise.all(records.map((r) => store.insert(r, { now })))

    const counter = countWrites(client)
    // Immediates queued together run in one check phase, each as its own callback with the
    // microtask and nextTick queues drained in between: like requests read off several sockets
    // in one poll. (Timers would not do: two of them may fall due in different turns.)
    const reads = await Promise.all(records.map((r) => new Promise((resolve) => setImmediate(() => resolve(store.get(r.id, now))))))
    expect(reads).toEqual(records)
    expect(counter.writes).toBe(1)
  })

  it('with batchWrites: false, leaves the socket as ioredis drives it (one write per command)', async () => {
    const client = await connected()
    const store = new RedisStore({ client }, { prefix, batchWrites: false })
    const now = Date.now()
    const records = Array.from({ length: 8 }, () => makeRecord(now, { userId: null }))
    await Promise.all(records.map((r) => store.insert(r, { now })))

    const counter = countWrites(client)
    expect(await Promise.all(records.map((r) => store.get(r.id, now)))).toEqual(records)
    expect(counter.writes).toBe(8)
  })

  it('keeps working when the connection drops and comes back between batches', async () => {
    const client = await connected()
    const store = new RedisStore({ client }, { prefix })
    const now = Date.now()
    const record = makeRecord(now, { userId: null })
    await store.insert(record, { now })
    client.disconnect(true)
    // Sent while reconnecting: ioredis queues them (no socket to hold), then sends them.
    expect(await Promise.all([store.get(record.id, now), store.get(record.id, now)])).toEqual([record, record])
    expect(await store.get(record.id, now)).toEqual(record)
  })
})
