import { makeRecord } from '@sessionkit/conformance'
import { redisUrl } from '@sessionkit/testkit/redis'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'

const prefix = `sk-race-${randomBytes(6).toString('hex')}`
// Two stores on two connections, so the replace and the delete really race at the server.
const writer = new RedisStore({ url: redisUrl(), prefix })
const deleter = new RedisStore({ url: redisUrl(), prefix })
const inspector = new Redis(redisUrl())

afterAll(async () => {
  const keys = (await dumpNamespace(inspector, prefix)).filter((k) => k.startsWith(`{${prefix}:`))
  if (keys.length > 0) await inspector.del(...keys)
  await Promise.all([writer.close(), deleter.close(), inspector.quit()])
})

describe('a replace racing a delete', () => {
  it('never brings the session back, whichever lands first (100 races)', async () => {
    const outcomes = { ok: 0, missing: 0 }
    for (let i = 0; i < 100; i++) {
      const now = Date.now()
      const record = makeRecord(now)
      await writer.insert(record, { now })
      const [replaced, deleted] = await Promise.all([
        writer.replace({ ...record, payload: '"written by the racing request"', version: 2 }, 1, now),
        deleter.delete(record.id),
      ])
      expect(deleted, 'the delete always finds the session').toEqual({ id: record.id, userId: record.userId })
      expect(['ok', 'missing']).toContain(replaced.status)
      outcomes[replaced.status as 'ok' | 'missing']++
      // Whatever the order, the session stays deleted: not readable, not listed, no bytes left.
      expect(await writer.get(record.id, now)).toBeNull()
      expect(await writer.listByUser(record.userId!, now)).toEqual([])
      expect(await inspector.exists(writer.keys.sessionKey(record.id))).toBe(0)
      // A late replace after the delete answers missing and writes nothing.
      expect(await writer.replace({ ...record, version: 3 }, 2, now)).toEqual({ status: 'missing' })
      expect(await inspector.exists(writer.keys.sessionKey(record.id))).toBe(0)
    }
    expect(outcomes.ok + outcomes.missing).toBe(100)
    expect(await dumpNamespace(inspector, prefix)).toEqual([])
  })
})
