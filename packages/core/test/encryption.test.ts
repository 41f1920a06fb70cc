/**
 * The keyring's open cache: repeated reads of an unchanged envelope skip AES-GCM, and nothing
 * else about opening changes. `createDecipheriv` is observed (not replaced) to tell a decryption
 * from an answer out of memory.
 */
import * as crypto from 'node:crypto'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ConfigError, DecryptionError, Keyring, SessionManager, generateToken, sessionIdFromToken } from '../src'
import { ReferenceStore } from './support/reference-store'

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, createDecipheriv: vi.fn(actual.createDecipheriv) }
})
const decryptions = vi.mocked(crypto.createDecipheriv)
beforeEach(() => {
  decryptions.mockClear()
})

const keyA = crypto.randomBytes(32).toString('base64')
const keyB = crypto.randomBytes(32).toString('base64')
const id = sessionIdFromToken(generateToken())
const other = sessionIdFromToken(generateToken())
const secret = JSON.stringify({ d: { card: '4111 1111 1111 1111' } })
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** What `open` answers: the plaintext, or the error's class and message. */
function outcome(ring: Keyring, sessionId: string, sealed: string): string {
  try {
    return `ok ${ring.open(sessionId, sealed)}`
  } catch (error) {
    expect(error).toBeInstanceOf(DecryptionError)
    return `${(error as Error).name}: ${(error as Error).message}`
  }
}

/** Every envelope that differs from `sealed` in one character, plus insertions and truncations. */
function damaged(sealed: string): string[] {
  const out: string[] = []
  for (let i = 0; i < sealed.length; i++) {
    const replacement = sealed[i] === '.' ? 'A' : ALPHABET[(ALPHABET.indexOf(sealed[i]!) + 1) % 64]!
    out.push(sealed.slice(0, i) + replacement + sealed.slice(i + 1))
    out.push(sealed.slice(0, i) + '!' + sealed.slice(i))
  }
  out.push(sealed.slice(0, -1), `${sealed}A`, `${sealed}.`, sealed.replace('sk1', 'sk2'), '')
  return out
}

describe('open cache', () => {
  it('reading an unchanged envelope again does not decrypt it again', () => {
    const writer = new Keyring([keyA])
    const reader = new Keyring([keyA])
    const sealed = writer.seal(id, secret)
    // The writer sealed it, so it knows the plaintext already.
    expect(writer.open(id, sealed)).toBe(secret)
    expect(decryptions).toHaveBeenCalledTimes(0)
    for (let i = 0; i < 5; i++) expect(reader.open(id, `${sealed}`)).toBe(secret)
    expect(decryptions).toHaveBeenCalledTimes(1)
  })

  it('turned off, every open decrypts and nothing is kept', () => {
    const ring = new Keyring([keyA], { openCache: false })
    const sealed = ring.seal(id, secret)
    for (let i = 0; i < 5; i++) expect(ring.open(id, sealed)).toBe(secret)
    expect(decryptions).toHaveBeenCalledTimes(5)
    expect(ring.openCacheSize).toBeNull()
  })

  it('a cached envelope never opens for another session id', () => {
    const ring = new Keyring([keyA])
    const sealed = ring.seal(id, secret)
    expect(ring.open(id, sealed)).toBe(secret)
    expect(() => ring.open(other, sealed)).toThrow(/tampered, moved/)
    // Still not after the other id tried, and the rightful id still opens it.
    expect(() => ring.open(other, sealed)).toThrow(DecryptionError)
    expect(ring.open(id, sealed)).toBe(secret)
  })

  it('damaged envelopes fail exactly as without the cache, even once the original is cached', () => {
    const cached = new Keyring([keyA])
    const uncached = new Keyring([keyA], { openCache: false })
    const sealed = cached.seal(id, secret)
    expect(cached.open(id, sealed)).toBe(secret)
    const variants = damaged(sealed)
    expect(variants.length).toBeGreaterThan(200)
    for (const bad of variants) {
      const answer = outcome(cached, id, bad)
      expect(answer.startsWith('ok')).toBe(false)
      expect(answer).toBe(outcome(uncached, id, bad))
      // A second try is not answered from memory either.
      expect(outcome(cached, id, bad)).toBe(answer)
    }
    expect(cached.openCacheSize?.entries).toBe(1)
  })

  it('unknown keys fail as before: a keyring without the key opens nothing, cached elsewhere or not', () => {
    const rotated = new Keyring([keyB, keyA])
    const sealedOld = new Keyring([keyA]).seal(id, secret)
    expect(rotated.open(id, sealedOld)).toBe(secret)
    const retired = new Keyring([keyB])
    expect(() => retired.open(id, sealedOld)).toThrow(/not in the keyring/)
    expect(() => retired.open(id, sealedOld)).toThrow(/not in the keyring/)
    // A key id that names no key in this keyring, on an otherwise cached envelope.
    const parts = sealedOld.split('.')
    parts[1] = 'AAAAAAAA'
    expect(() => rotated.open(id, parts.join('.'))).toThrow(/not in the keyring/)
  })

  it('is bounded in entries: the least recently used goes first', () => {
    const ring = new Keyring([keyA], { openCache: { maxEntries: 3 } })
    const sealed = Array.from({ length: 5 }, (_, i) => ring.seal(id, `${secret}${i}`))
    expect(ring.openCacheSize?.entries).toBe(3)
    // 2, 3, 4 are kept; reading 2 makes 3 the coldest.
    expect(ring.open(id, sealed[2]!)).toBe(`${secret}2`)
    expect(decryptions).toHaveBeenCalledTimes(0)
    expect(ring.open(id, sealed[0]!)).toBe(`${secret}0`) // decrypts, evicts 3
    expect(decryptions).toHaveBeenCalledTimes(1)
    expect(ring.open(id, sealed[2]!)).toBe(`${secret}2`)
    expect(ring.open(id, sealed[4]!)).toBe(`${secret}4`)
    expect(decryptions).toHaveBeenCalledTimes(1)
    expect(ring.open(id, sealed[3]!)).toBe(`${secret}3`)
    expect(decryptions).toHaveBeenCalledTimes(2)
    expect(ring.openCacheSize?.entries).toBe(3)
  })

  it('is bounded in bytes, and an entry larger than the budget is not kept', () => {
    const maxBytes = 4096
    const ring = new Keyring([keyA], { openCache: { maxBytes } })
    for (let i = 0; i < 200; i++) {
      ring.seal(id, 'x'.repeat(100 + i))
      const size = ring.openCacheSize!
      expect(size.bytes).toBeLessThanOrEqual(maxBytes)
      expect(size.entries).toBeGreaterThan(0)
    }
    const before = ring.openCacheSize
    const big = ring.seal(id, 'y'.repeat(maxBytes))
    // Not kept, and it did not push out what was there.
    expect(ring.openCacheSize).toEqual(before)
    expect(ring.open(id, big)).toBe('y'.repeat(maxBytes))
    expect(ring.open(id, big)).toBe('y'.repeat(maxBytes))
    expect(decryptions).toHaveBeenCalledTimes(2)
  })

  it('rejects a bad cache configuration, naming the option', () => {
    for (const [openCache, option] of [
      [{ maxEntries: 0 }, 'encryption.openCache.maxEntries'],
      [{ maxBytes: 1.5 }, 'encryption.openCache.maxBytes'],
    ] as const) {
      try {
        new Keyring([keyA], { openCache })
        expect.unreachable('should have thrown')
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError)
        expect((error as ConfigError).option).toBe(option)
      }
    }
  })
})

describe('encryption.openCache option', () => {
  const store = new ReferenceStore()
  const build = (openCache: unknown) =>
    new SessionManager({ store, cleanupInterval: false, encryption: { keys: [keyA], openCache } as never })

  it.each([[false], [{}], [{ maxEntries: 100 }], [{ maxEntries: 100, maxBytes: 1 << 20 }], [undefined]])('accepts %j', (openCache) => {
    build(openCache).close()
  })

  it.each([
    [true, 'encryption.openCache'],
    ['off', 'encryption.openCache'],
    [{ maxEntries: 0 }, 'encryption.openCache.maxEntries'],
    [{ maxEntries: 2.5 }, 'encryption.openCache.maxEntries'],
    [{ maxBytes: -1 }, 'encryption.openCache.maxBytes'],
    [{ maxBytes: '1mb' }, 'encryption.openCache'],
    [{ size: 10 }, 'encryption.openCache.size'],
  ])('rejects %j, naming %s', (openCache, option) => {
    try {
      build(openCache)
      expect.unreachable('should have thrown')
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).option).toBe(option)
    }
  })
})

describe('the manager and the open cache', () => {
  it('reads an unchanged session again without decrypting it; with openCache: false, every read decrypts', async () => {
    for (const [openCache, decryptsPerRead] of [
      [undefined, 0],
      [false, 1],
    ] as const) {
      const sessions = new SessionManager<{ n: number }>({ store: new ReferenceStore(), cleanupInterval: false, encryption: { keys: [keyA], openCache } })
      const { token } = await sessions.create('ada', { n: 1 })
      await sessions.get(token)
      decryptions.mockClear()
      for (let i = 0; i < 5; i++) expect((await sessions.get(token))?.data).toEqual({ n: 1 })
      expect(decryptions).toHaveBeenCalledTimes(5 * decryptsPerRead)
      await sessions.close()
    }
  })
})

describe('envelope format', () => {
  it('an envelope sealed before this version still opens', () => {
    // Sealed by the previous implementation with this fixed key, for this session id.
    const key = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
    const sealed = 'sk1.-Y7KXbs_.joIDjin2d7RvDiPE.zlxKA8_TgR95LDuu_CynYfwfY_e7if-41b5mfpG-Y8OYR1CgaD4vRSJO.FUhSaPkc8OJL58ARNe4FPA'
    for (const ring of [new Keyring([key]), new Keyring([key], { openCache: false })]) {
      expect(ring.open('fixture-session-id', sealed)).toBe('{"d":{"cart":["sku-1"]},"i":"203.0.113.7"}')
      expect(ring.needsReseal(sealed)).toBe(false)
      expect(() => ring.open('another-session-id', sealed)).toThrow(/tampered, moved/)
    }
  })

  it('fresh IVs: many seals of the same plaintext never repeat an IV', () => {
    const ring = new Keyring([keyA], { openCache: false })
    const ivs = new Set<string>()
    // More than one refill of the IV pool.
    for (let i = 0; i < 2000; i++) ivs.add(ring.seal(id, secret).split('.')[2]!)
    expect(ivs.size).toBe(2000)
  })
})
