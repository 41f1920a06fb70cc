import { describe, expect, it } from 'vitest'
import { ConfigError, SessionManager } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { readSessionCookie, resolveCookiePolicy, sessionCookie } from '../src/cookie-policy'
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
