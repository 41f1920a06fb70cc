import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateToken, isWellFormedSessionId, isWellFormedToken, sessionIdFromToken, TOKEN_LENGTH } from '../src'

describe('tokens', () => {
  it('are 256 random bits, base64url, and never repeat', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const t = generateToken()
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(Buffer.from(t, 'base64url')).toHaveLength(32)
      expect(isWellFormedToken(t)).toBe(true)
      seen.add(t)
    }
    expect(seen.size).toBe(10_000)
  })

  it('the session id is the base64url sha256 of the token, and is not a token', () => {
    const token = generateToken()
    const id = sessionIdFromToken(token)
    expect(id).toHaveLength(43)
    expect(id).not.toBe(token)
    expect(sessionIdFromToken(token)).toBe(id)
    expect(isWellFormedSessionId(id)).toBe(true)
    // An id presented as a token names a different session: a store dump yields no usable token.
    expect(sessionIdFromToken(id)).not.toBe(id)
  })

  it.each([
    ['empty', ''],
    ['short', 'abc'],
    ['one too long', `${generateToken()}A`],
    ['huge', 'A'.repeat(1_000_000)],
    ['wrong alphabet (standard base64)', `${generateToken().slice(0, 41)}+/`.slice(0, 43)],
    ['padding', `${generateToken().slice(0, 42)}=`],
    ['unicode', `${generateToken().slice(0, 41)}é€`],
    ['whitespace', ` ${generateToken().slice(1)}`],
    ['impossible last character for 32 bytes', `${generateToken().slice(0, 42)}B`],
  ])('rejects a malformed token: %s', (_, value) => {
    expect(isWellFormedToken(value)).toBe(false)
  })

  it.each([null, undefined, 42, {}, [], Symbol('x')])('rejects a non-string: %s', (value) => {
    expect(isWellFormedToken(value)).toBe(false)
  })

  it('property: any string that is not exactly a 43-character base64url of 32 bytes is rejected', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)), (s) => {
        const canonical = s.length === TOKEN_LENGTH && Buffer.from(s, 'base64url').toString('base64url') === s
        expect(isWellFormedToken(s)).toBe(canonical)
      }),
      { seed: 1, numRuns: 10_000 },
    )
  })
})
