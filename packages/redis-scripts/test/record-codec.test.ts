import { afterAll, afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { SessionRecord } from '@sessionkit/core'
import { createKeyLayout, decodeRecord, encodeRecord, getCall, insertCall, listByUserCall, touchCall, utf8Length } from '../src/index'
import { dropPrefix, send, testRedis, uniquePrefix } from './script-helpers'

const time = fc.integer({ min: 0, max: 4_102_444_800_000 }) // up to 2100
const text = fc.string({ unit: 'binary', maxLength: 40 }) // every code point, lone surrogates too
const record: fc.Arbitrary<SessionRecord> = fc
  .record({
    id: fc.string({ minLength: 1, maxLength: 20 }),
    userId: fc.option(text.filter((s) => s.length > 0), { nil: null }),
    deviceId: fc.option(text, { nil: undefined }),
    payload: fc.oneof(text, fc.json()),
    createdAt: time,
    lastAccessedAt: time,
    expiresAt: time,
    absoluteExpiresAt: fc.option(time, { nil: null }),
    version: fc.integer({ min: 1, max: 2 ** 31 }),
  })
  .map(({ deviceId, ...rest }) => (deviceId === undefined ? rest : { ...rest, deviceId }))

/** What Redis gives back: the UTF-8 bytes of what was sent, decoded (lone surrogates become U+FFFD). */
const throughRedis = (s: string) => Buffer.from(s, 'utf8').toString('utf8')
const wellFormed = (r: SessionRecord): SessionRecord => {
  const out: SessionRecord = { ...r, userId: r.userId === null ? null : throughRedis(r.userId), payload: throughRedis(r.payload) }
  if (r.deviceId != null) out.deviceId = throughRedis(r.deviceId)
  return out
}

describe('the record format', () => {
  it('reads back every record exactly as written, whatever its ids and payload hold', () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(decodeRecord(r.id, throughRedis(encodeRecord(r)))).toEqual(wellFormed(r))
      }),
      { numRuns: 2000 },
    )
  })

  it('counts ids in UTF-8 bytes, as Redis stores them', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'))
      }),
      { numRuns: 2000 },
    )
  })

  it('treats a damaged or foreign value as absent instead of failing', () => {
    const good = encodeRecord({ id: 'a', userId: 'ada', payload: '{"n":1}', createdAt: 1, lastAccessedAt: 2, expiresAt: 3, absoluteExpiresAt: null, version: 1 })
    expect(decodeRecord('a', good)).not.toBeNull()
    for (const damaged of [
      '',
      '{"cookie":{}}', // another library's session under our key
      good.replace(/^1/, '2'), // a format this version does not know
      good.replace('|3|', '|x|'), // a time that is not a number
      good.replace('|1|', '||'), // a missing version
      good.slice(0, 8), // truncated in the header
      good.replace('|3||ada', '|300||ada'), // a user id longer than what is stored
    ]) {
      expect(decodeRecord('a', damaged), damaged).toBeNull()
    }
  })

  it('rejects a reply that is not a string with a typed error', () => {
    expect(() => decodeRecord('a', ['p', '{}'])).toThrow(/unexpected Redis reply/)
  })
})

describe('the scripts and the codec agree', () => {
  const redis = testRedis()
  const prefix = uniquePrefix()
  const keys = createKeyLayout({ prefix, buckets: 4 })
  afterEach(() => dropPrefix(redis, prefix))
  afterAll(() => redis.quit())
  const now = Date.now() + 86_400_000

  it('on user and device ids beyond ASCII: stored, listed by user and touched intact', async () => {
    for (const [userId, deviceId] of [
      ['Zoë 🦊', 'Téléphone de Zoë'],
      ['用户', ''],
      ['|1|2|', '|'],
    ] as const) {
      const r: SessionRecord = { id: `id-${utf8Length(userId)}-${userId.length}`, userId, deviceId, payload: '{"cart":["é"]}', createdAt: now, lastAccessedAt: now, expiresAt: now + 60_000, absoluteExpiresAt: now + 120_000, version: 1 }
      expect(await send(redis, insertCall(keys, r, { now }, 'single'))).toEqual({ status: 'ok', evicted: [] })
      expect(await send(redis, getCall(keys, r.id, now))).toEqual(r)
      expect(await send(redis, listByUserCall(keys, userId, now))).toEqual([r])
      const touched = await send(redis, touchCall(keys, r.id, { now: now + 1000, idleTtlMs: 60_000, touchAfterMs: 0 }))
      expect(touched).toEqual({ ...r, lastAccessedAt: now + 1000, expiresAt: now + 61_000, version: 2 })
      expect(await send(redis, getCall(keys, r.id, now))).toEqual(touched)
    }
  })
})
