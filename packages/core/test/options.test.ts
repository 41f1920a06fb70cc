import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError, SessionManager } from '../src'
import { ReferenceStore } from './support/reference-store'

function configError(options: unknown): ConfigError {
  try {
    new SessionManager(options as never)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('options are validated at construction, naming the option', () => {
  const store = new ReferenceStore()
  it.each([
    [undefined, 'options'],
    [{}, 'store'],
    [{ store: {} }, 'store'],
    [{ store, expiration: { strategy: 'forever' } }, 'expiration.strategy'],
    [{ store, expiration: { strategy: 'sliding' } }, 'expiration.ttl'],
    [{ store, expiration: { strategy: 'sliding', ttl: -5 } }, 'expiration.ttl'],
    [{ store, expiration: { strategy: 'fixed', ttl: Number.NaN } }, 'expiration.ttl'],
    [{ store, expiration: { strategy: 'hybrid', idleTtl: 100, absoluteTtl: 10 } }, 'expiration.idleTtl'],
    [{ store, expiration: { strategy: 'hybrid', idleTtl: 10, absoluteTtl: 100, ttl: 5 } }, 'expiration.ttl'],
    [{ store, touchAfter: -1 }, 'touchAfter'],
    [{ store, encryption: { keys: [] } }, 'encryption.keys'],
    [{ store, encryption: { keys: ['too short'] } }, 'encryption.keys[0]'],
    [{ store, encryption: { keys: [42] } }, 'encryption.keys.0'],
    [{ store, maxSessionsPerUser: 0 }, 'maxSessionsPerUser'],
    [{ store, maxSessionsPerUser: 1.5 }, 'maxSessionsPerUser'],
    [{ store, concurrency: { maxRetries: -1 } }, 'concurrency.maxRetries'],
    [{ store, concurrency: { lockTtl: 0 } }, 'concurrency.lockTtl'],
    [{ store, cleanupInterval: true }, 'cleanupInterval'],
    [{ store, now: 5 }, 'now'],
    [{ store, expirations: {} }, 'expirations'],
  ] as const satisfies ReadonlyArray<readonly [unknown, string]>)('invalid option #%# fails naming %1$s', (options, option) => {
    const error = configError(options)
    expect(error.option).toBe(option)
    expect(error.message.startsWith(`${option}: `)).toBe(true)
  })

  it('a valid configuration constructs', async () => {
    const manager = new SessionManager({
      store: new ReferenceStore(),
      expiration: { strategy: 'hybrid', idleTtl: 60, absoluteTtl: 3600 },
      touchAfter: 10,
      encryption: { keys: ['x'.repeat(32)] },
      maxSessionsPerUser: 3,
      concurrency: { maxRetries: 3, enableLocking: false, lockTtl: 100, lockWait: 0 },
      cleanupInterval: false,
      now: () => 0,
    })
    expect(manager.expiration).toEqual({ strategy: 'hybrid', idleTtlMs: 60_000, absoluteTtlMs: 3_600_000 })
    await manager.close()
  })

  it('property: random option objects either construct or throw a ConfigError naming an option', async () => {
    const junk = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string(), { maxLength: 3 }))
    // Mostly plausible values with junk mixed in, so both outcomes happen often.
    const anything = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 100_000 }), weight: 3 }, { arbitrary: fc.constant(undefined), weight: 3 }, junk)
    const options = fc.record(
      {
        expiration: fc.oneof(
          anything,
          fc.record({ strategy: fc.constantFrom('fixed', 'sliding', 'hybrid', 'x'), ttl: anything, idleTtl: anything, absoluteTtl: anything }, { requiredKeys: ['strategy'] }),
        ),
        touchAfter: anything,
        encryption: fc.oneof(anything, fc.record({ keys: fc.array(fc.oneof(fc.string({ maxLength: 70 }), fc.integer()), { maxLength: 3 }) })),
        maxSessionsPerUser: anything,
        concurrency: fc.oneof(anything, fc.record({ maxRetries: anything, enableLocking: anything, lockTtl: anything, lockWait: anything }, { requiredKeys: [] })),
        cleanupInterval: anything,
        now: anything,
        typo: fc.constant(1),
      },
      { requiredKeys: [] },
    ).map((o) => (Math.abs(Number(o.maxSessionsPerUser)) % 7 === 0 ? o : (({ typo: _, ...rest }) => rest)(o)))
    const known = ['store', 'expiration', 'touchAfter', 'encryption', 'maxSessionsPerUser', 'concurrency', 'cleanupInterval', 'now', 'typo']
    const store = new ReferenceStore()
    let constructed = 0
    fc.assert(
      fc.property(options, (o) => {
        try {
          const m = new SessionManager({ store, ...o } as never)
          constructed++
          void m.close()
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError)
          expect(known).toContain((error as ConfigError).option.split(/[.[]/)[0])
        }
      }),
      { seed: 2026, numRuns: 10_000 },
    )
    expect(constructed).toBeGreaterThan(0)
  })
})
