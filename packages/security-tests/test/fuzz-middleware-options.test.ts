import fc from 'fast-check'
import { SessionManager } from '@sessionkit/core'
import { session } from '@sessionkit/express'
import { MemoryStore } from '@sessionkit/store-memory'
import { afterAll, describe, it } from 'vitest'
import { OPTIONS_RUNS, OPTIONS_SEED, checkConstruction, junk, optionObjects } from './support/option-fuzz'

const manager = new SessionManager({ store: new MemoryStore(), cleanupInterval: false })
afterAll(() => manager.close())

const fn = fc.constant(() => undefined)
const posInt = fc.integer({ min: 1, max: 1_000_000 })
const notObject = junk.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))

/** Cookie options a browser accepts: Secure whenever SameSite=None, Partitioned or __Host- need it. */
const validCookie = fc
  .record(
    {
      name: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
      httpOnly: fc.boolean(),
      sameSite: fc.constantFrom('lax', 'strict', 'none'),
      path: fc.constantFrom('/', '/app', '/a/b'),
      domain: fc.constantFrom('example.com', 'app.example.com'),
      hostPrefix: fc.boolean(),
      persistent: fc.boolean(),
      partitioned: fc.boolean(),
      priority: fc.constantFrom('low', 'medium', 'high'),
    },
    { requiredKeys: [] },
  )
  .map((c) => {
    const cookie: Record<string, unknown> = { ...c, secure: true }
    if (c.hostPrefix) {
      delete cookie.domain
      cookie.path = '/'
    }
    return cookie
  })

const invalidCookie = fc.oneof(
  notObject,
  fc.constantFrom<Record<string, unknown>>(
    { sameSite: 'loose' },
    { path: 'relative' },
    { name: 'has space' },
    { name: '' },
    { name: 'a;b' },
    { secure: 'yes' },
    { httpOnly: 1 },
    { sameSite: 'none', secure: false },
    { partitioned: true, secure: false },
    { hostPrefix: true, secure: true, domain: 'example.com' },
    { hostPrefix: true, secure: false },
    { hostPrefix: true, secure: true, path: '/app' },
    { priority: 'urgent' },
    { domain: '' },
    { maxAge: 1000 },
  ),
)

describe(`fuzz: random middleware options (${OPTIONS_RUNS} objects, seed ${OPTIONS_SEED})`, () => {
  it('session(options) either builds the middleware or throws a ConfigError naming a wrong option', () =>
    fc.assert(
      fc.asyncProperty(
        optionObjects(
          {
            manager: { valid: fc.constant(manager), invalid: fc.oneof(junk, fc.constant({ get: () => null })) },
            cookie: { valid: validCookie, invalid: invalidCookie },
            rateLimit: {
              valid: fc.oneof(
                fc.constant(false),
                fc.record({ points: posInt, duration: posInt }, { requiredKeys: [] }),
                fc.constant({ limiter: { consume: async () => ({}) } }),
                fn.map((key) => ({ key })),
              ),
              invalid: fc.oneof(
                fc.constantFrom<unknown>(true, 'x', 0, null, { points: 0 }, { points: 1.5 }, { duration: -1 }, { limiter: {} }, { key: 'ip' }, { window: 60 }),
              ),
            },
            binding: {
              valid: fc.record({ ip: fc.boolean(), userAgent: fc.boolean() }, { requiredKeys: [] }),
              invalid: fc.oneof(notObject, fc.constantFrom<unknown>({ ip: 'yes' }, { userAgent: 1 }, { device: true })),
            },
            initialData: { valid: fc.constant(() => ({})), invalid: junk },
            clientIp: { valid: fn, invalid: junk },
            now: { valid: fc.constant(Date.now), invalid: junk },
            onError: { valid: fn, invalid: junk },
          },
          ['manager'],
        ),
        (drawn) =>
          checkConstruction(drawn, (options) => {
            session(options as never)
            return { close: () => {} }
          }),
      ),
      { numRuns: OPTIONS_RUNS, seed: OPTIONS_SEED, endOnFailure: true },
    ))
})
