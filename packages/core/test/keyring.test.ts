import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError, DecryptionError, Keyring, generateToken, sessionIdFromToken } from '../src'

const keyA = randomBytes(32).toString('base64')
const keyB = randomBytes(32).toString('hex')
const id = sessionIdFromToken(generateToken())
const other = sessionIdFromToken(generateToken())
const secret = JSON.stringify({ d: { card: '4111 1111 1111 1111' } })

describe('keyring (AES-256-GCM)', () => {
  it('seals to an envelope that does not contain the plaintext and opens back', () => {
    const ring = new Keyring([keyA])
    const sealed = ring.seal(id, secret)
    expect(sealed).not.toContain('4111')
    expect(sealed.startsWith('sk1.')).toBe(true)
    expect(ring.open(id, sealed)).toBe(secret)
  })

  it('uses a fresh IV for every seal', () => {
    const ring = new Keyring([keyA])
    expect(ring.seal(id, secret)).not.toBe(ring.seal(id, secret))
  })

  it('accepts base64, base64url, hex and long secrets (stretched with HKDF)', () => {
    const raw = randomBytes(32)
    for (const key of [raw.toString('base64'), raw.toString('base64url'), raw.toString('hex'), 'a passphrase that is long enough!!']) {
      const ring = new Keyring([key])
      expect(ring.open(id, ring.seal(id, 'x'))).toBe('x')
    }
    // The same 32 bytes in any encoding are the same key.
    expect(new Keyring([raw.toString('hex')]).open(id, new Keyring([raw.toString('base64')]).seal(id, 'same'))).toBe('same')
  })

  it.each([
    [[], 'encryption.keys'],
    [['short'], 'encryption.keys[0]'],
    [[keyA, keyA], 'encryption.keys[1]'],
    [[keyA, ''], 'encryption.keys[1]'],
  ])('rejects bad key configuration %#, naming the option', (keys, option) => {
    try {
      new Keyring(keys)
      expect.unreachable('should have thrown')
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).option).toBe(option)
      for (const k of keys) if (k.length > 0) expect((error as Error).message).not.toContain(k)
    }
  })

  it('rotation: the first key seals, every key opens, old envelopes are flagged for reseal', () => {
    const old = new Keyring([keyA])
    const sealedOld = old.seal(id, secret)
    const rotated = new Keyring([keyB, keyA])
    expect(rotated.open(id, sealedOld)).toBe(secret)
    expect(rotated.needsReseal(sealedOld)).toBe(true)
    const resealed = rotated.seal(id, secret)
    expect(rotated.needsReseal(resealed)).toBe(false)
    // Once the old key is retired, only the resealed envelope opens.
    const retired = new Keyring([keyB])
    expect(retired.open(id, resealed)).toBe(secret)
    expect(() => retired.open(id, sealedOld)).toThrow(DecryptionError)
  })

  it('a wrong key does not open, and says so without the data', () => {
    const sealed = new Keyring([keyA]).seal(id, secret)
    const wrong = new Keyring([randomBytes(32).toString('base64')])
    expect(() => wrong.open(id, sealed)).toThrow(/not in the keyring/)
  })

  it('any tampered byte is detected', () => {
    const ring = new Keyring([keyA])
    const sealed = ring.seal(id, secret)
    const parts = sealed.split('.')
    for (const i of [2, 3, 4]) {
      const bytes = Buffer.from(parts[i]!, 'base64url')
      for (let b = 0; b < bytes.length; b++) {
        const flipped = Buffer.from(bytes)
        flipped[b]! ^= 0x01
        const tampered = [...parts]
        tampered[i] = flipped.toString('base64url')
        expect(() => ring.open(id, tampered.join('.'))).toThrow(DecryptionError)
      }
    }
  })

  it('truncated or foreign envelopes are rejected', () => {
    const ring = new Keyring([keyA])
    const sealed = ring.seal(id, secret)
    for (const bad of [sealed.slice(0, -5), sealed.split('.').slice(0, 4).join('.'), '{"d":1}', '', 'sk2' + sealed.slice(3)]) {
      expect(() => ring.open(id, bad)).toThrow(DecryptionError)
    }
  })

  it('a ciphertext moved to another session id does not open', () => {
    const ring = new Keyring([keyA])
    const sealed = ring.seal(id, secret)
    expect(() => ring.open(other, sealed)).toThrow(/tampered, moved/)
  })

  it('errors never contain the plaintext or the key', () => {
    const ring = new Keyring([keyA])
    const sealed = ring.seal(id, secret)
    try {
      ring.open(other, sealed)
    } catch (error) {
      const text = `${(error as Error).message} ${String((error as Error).cause)}`
      expect(text).not.toContain('4111')
      expect(text).not.toContain(keyA)
    }
  })
})
