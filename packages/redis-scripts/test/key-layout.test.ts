import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { bucketOf, createKeyLayout, scripts, sha1 } from '../src/index'
import { testRedis } from './script-helpers'

const redis = testRedis()
afterAll(() => redis.quit())

describe('key layout', () => {
  it('hash-tags a session, its lock and its bucket indexes into one slot', async () => {
    const keys = createKeyLayout({ prefix: 'app', buckets: 16 })
    const id = 'q3J0dGVzdGlkZm9yYnVja2V0c2Vzc2lvbmtpdDEyMzQ'
    const bucket = keys.bucketOf(id)
    const slots = await Promise.all(
      [keys.sessionKey(id), keys.lockKey(id), keys.expiryIndexKey(bucket), keys.idIndexKey(bucket)].map(
        (key) => redis.call('CLUSTER', 'KEYSLOT', key) as Promise<number>,
      ),
    ).catch(() => null)
    // CLUSTER KEYSLOT needs cluster mode on some servers; the tag itself is what matters.
    if (slots) expect(new Set(slots).size).toBe(1)
    for (const key of [keys.sessionKey(id), keys.lockKey(id)]) expect(key.startsWith(`{app:${bucket}}:`)).toBe(true)
    expect(keys.userIndexKey('alice')).toBe('{app:u:alice}')
  })

  it('computes the same bucket in JavaScript and in the scripts, for ascii and unicode ids', async () => {
    const ids = ['a', 'session-1', 'ünïcødé-✓', 'ascii-first-then-ü-😀', 'q3J0dGVzdGlkZm9yYnVja2V0c2Vzc2lvbmtpdDEyMzQ', 'x'.repeat(300)]
    const prelude = scripts.insert.source.split('\n-- insert:')[0]!
    for (const buckets of [1, 16, 256]) {
      const fromLua = await Promise.all(
        ids.map((id) => redis.eval(`${prelude}\nreturn bucket_of(ARGV[1], tonumber(ARGV[2]))`, 0, id, buckets)),
      )
      expect(fromLua).toEqual(ids.map((id) => bucketOf(id, buckets)))
    }
  })

  it('computes the plain modular hash for any id (the reduction that avoids `%` is exact)', () => {
    // The definition, as prelude.lua computes it, over the UTF-8 bytes.
    const reference = (id: string, buckets: number) => {
      let h = 0
      for (const byte of new TextEncoder().encode(id)) h = (h * 31 + byte) % 2147483647
      return h % buckets
    }
    const ids = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.base64String({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 40 }))
    fc.assert(fc.property(ids, fc.integer({ min: 1, max: 16384 }), (id, buckets) => bucketOf(id, buckets) === reference(id, buckets)), { numRuns: 2000 })
    // Ids whose running hash reaches the top of the range, where the final subtraction matters.
    for (const id of ['~'.repeat(500), '\u007f'.repeat(1000), 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz']) expect(bucketOf(id, 16384)).toBe(reference(id, 16384))
  })

  it('spreads real session ids over every bucket', () => {
    const seen = new Set<number>()
    for (let i = 0; i < 2000; i++) seen.add(bucketOf(createHash('sha256').update(String(i)).digest('base64url'), 16))
    expect(seen.size).toBe(16)
  })

  it('rejects a prefix that would break the hash tag, and a bad bucket count', () => {
    expect(() => createKeyLayout({ prefix: 'a}b' })).toThrow(/prefix/)
    expect(() => createKeyLayout({ buckets: 0 })).toThrow(/buckets/)
  })
})

describe('scripts', () => {
  it('names each script by the SHA1 Redis gives it', async () => {
    for (const script of Object.values(scripts)) {
      expect(script.sha1).toBe(createHash('sha1').update(script.source).digest('hex'))
      expect(await redis.script('LOAD', script.source)).toBe(script.sha1)
    }
  })

  it('hashes multi-block and unicode text like node:crypto', () => {
    for (const text of ['', 'abc', 'é✓'.repeat(100), 'x'.repeat(55), 'x'.repeat(64)]) {
      expect(sha1(text)).toBe(createHash('sha1').update(text).digest('hex'))
    }
  })

  it('documents KEYS and ARGV in each script header', () => {
    for (const script of Object.values(scripts)) {
      const body = script.source.slice(script.source.indexOf(`-- ${script.name}:`))
      expect(body).toMatch(/-- KEYS\[1/)
      expect(body).toMatch(/-- ARGV\[1\]/)
    }
  })
})
