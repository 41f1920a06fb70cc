import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { serialize } from 'cookie'
import { ConfigError, SessionManager } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { clearedSessionCookie, readSessionCookie, resolveCookiePolicy, sessionCookie } from '../src/cookie-policy'
import { session } from '../src/index'

describe('cookie policy', () => {
  it('defaults: __Host-sid, HttpOnly, Secure, SameSite=Lax, Path=/, Expires', () => {
    const policy = resolveCookiePolicy({}, 'production')
    expect(policy.name).toBe('__Host-sid')
    const header = sessionCookie(policy, 'tok', Date.UTC(2030, 0, 1))
    expect(header).toBe('__Host-sid=tok; Path=/; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax')
  })

  it('is not Secure (and so not __Host-) in development, unless asked', () => {
    expect(resolveCookiePolicy({}, 'development')).toMatchObject({ name: 'sid', attributes: { secure: false } })
    expect(resolveCookiePolicy({ secure: true }, 'development').name).toBe('__Host-sid')
  })

  it('every flag can be overridden', () => {
    const policy = resolveCookiePolicy(
      { name: 'app', domain: 'example.com', path: '/app', sameSite: 'strict', httpOnly: false, persistent: false, priority: 'high' },
      'production',
    )
    expect(policy.name).toBe('app') // a Domain or a Path rules out __Host-
    expect(sessionCookie(policy, 'tok', 0)).toBe('app=tok; Domain=example.com; Path=/app; Secure; Priority=High; SameSite=Strict')
  })

  it('refuses combinations browsers reject, naming the option', () => {
    expect(() => resolveCookiePolicy({ sameSite: 'none', secure: false })).toThrow(/^cookie.sameSite: /)
    expect(() => resolveCookiePolicy({ hostPrefix: true, domain: 'example.com' })).toThrow(ConfigError)
    expect(() => resolveCookiePolicy({ name: 'bad name' })).toThrow(/^cookie.name: /)
  })

  it('property: the Set-Cookie value is exactly what the cookie package serialises, for any flags, token and expiry', () => {
    const options = fc.record(
      {
        name: fc.constantFrom('sid', 'app_sid', '__Host-x'),
        secure: fc.boolean(),
        httpOnly: fc.boolean(),
        sameSite: fc.constantFrom('lax' as const, 'strict' as const),
        path: fc.constantFrom('/', '/app'),
        domain: fc.constantFrom('example.com', 'a.example.org'),
        hostPrefix: fc.constant(false),
        persistent: fc.boolean(),
        priority: fc.constantFrom('low' as const, 'medium' as const, 'high' as const),
      },
      { requiredKeys: ['hostPrefix'] },
    )
    const token = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,50}$/), fc.string({ maxLength: 20 }))
    const expiresAt = fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) })
    fc.assert(
      fc.property(options, token, expiresAt, (o, t, at) => {
        const policy = resolveCookiePolicy(o, 'production')
        const expected = () => serialize(policy.name, t, policy.persistent ? { ...policy.attributes, expires: new Date(at) } : policy.attributes)
        let want: string
        try {
          want = expected()
        } catch {
          expect(() => sessionCookie(policy, t, at)).toThrow(TypeError)
          return
        }
        expect(sessionCookie(policy, t, at)).toBe(want)
        expect(clearedSessionCookie(policy)).toBe(serialize(policy.name, '', { ...policy.attributes, expires: new Date(0), maxAge: 0 }))
      }),
    )
  })

  it('reads only its own cookie and never throws on malformed headers', () => {
    const policy = resolveCookiePolicy({}, 'production')
    expect(readSessionCookie('a=1; __Host-sid=abc; b=2', policy)).toBe('abc')
    expect(readSessionCookie('sid=abc', policy)).toBeNull()
    expect(readSessionCookie('__Host-sid=%E0%A4%A', policy)).toBe('%E0%A4%A')
    expect(readSessionCookie(';;;=;__Host-sid', policy)).toBeNull()
    expect(readSessionCookie(undefined, policy)).toBeNull()
  })
})

describe('middleware options', () => {
  const manager = new SessionManager({ store: new MemoryStore(), cleanupInterval: false })

  it('are validated at start-up with the option named', () => {
    expect(() => session({ manager, cookie: { sameSite: 'loose' as 'lax' } })).toThrow(/^cookie.sameSite: /)
    expect(() => session({ manager, rateLimit: { points: 0 } })).toThrow(/^rateLimit/)
    expect(() => session({ manager, bindings: {} } as never)).toThrow(/^bindings: is not a known option/)
    expect(() => session({ manager: {} as never })).toThrow(/^manager: /)
  })
})
