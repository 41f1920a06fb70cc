import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultTouchAfterMs, initialExpiry, refreshedExpiry, shouldPersistAccess, toPolicy, touchedExpiry, type ExpirationOptions } from '../src'

const T0 = 1_700_000_000_000

const strategies = fc.oneof(
  fc.record({ strategy: fc.constant('fixed' as const), ttl: fc.integer({ min: 1, max: 10_000_000 }) }),
  fc.record({ strategy: fc.constant('sliding' as const), ttl: fc.integer({ min: 1, max: 10_000_000 }) }),
  fc
    .tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 10_000_000 }))
    .map(([a, b]) => ({ strategy: 'hybrid' as const, idleTtl: Math.min(a, b), absoluteTtl: Math.max(a, b) })),
)

describe('expiration: the one formula', () => {
  it('fixed: expires ttl after creation and accesses never move it', () => {
    const policy = toPolicy({ strategy: 'fixed', ttl: 60 })
    const created = initialExpiry(policy, T0)
    expect(created).toEqual({ expiresAt: T0 + 60_000, absoluteExpiresAt: T0 + 60_000 })
    expect(touchedExpiry(created, policy, T0 + 59_000)).toBe(T0 + 60_000)
  })

  it('sliding: each access pushes the expiry to now + ttl, with no deadline', () => {
    const policy = toPolicy({ strategy: 'sliding', ttl: 60 })
    const created = initialExpiry(policy, T0)
    expect(created).toEqual({ expiresAt: T0 + 60_000, absoluteExpiresAt: null })
    expect(touchedExpiry(created, policy, T0 + 3_600_000)).toBe(T0 + 3_660_000)
  })

  it('hybrid: slides by the idle ttl but stops at the absolute deadline', () => {
    const policy = toPolicy({ strategy: 'hybrid', idleTtl: 60, absoluteTtl: 100 })
    const created = initialExpiry(policy, T0)
    expect(created).toEqual({ expiresAt: T0 + 60_000, absoluteExpiresAt: T0 + 100_000 })
    expect(touchedExpiry(created, policy, T0 + 30_000)).toBe(T0 + 90_000)
    expect(touchedExpiry(created, policy, T0 + 50_000)).toBe(T0 + 100_000)
  })

  it('refresh extends by the idle ttl or a given ttl, never past the deadline and never shorter', () => {
    const policy = toPolicy({ strategy: 'hybrid', idleTtl: 60, absoluteTtl: 100 })
    const created = initialExpiry(policy, T0)
    expect(refreshedExpiry(created, policy, T0 + 10_000)).toBe(T0 + 70_000)
    expect(refreshedExpiry(created, policy, T0 + 10_000, 1_000_000)).toBe(T0 + 100_000)
    expect(refreshedExpiry(created, policy, T0 + 1_000, 1_000)).toBe(T0 + 60_000)
  })

  it('the default touchAfter is a tenth of the idle ttl (of the ttl when fixed), at most a minute', () => {
    expect(defaultTouchAfterMs(toPolicy({ strategy: 'sliding', ttl: 1800 }))).toBe(60_000)
    expect(defaultTouchAfterMs(toPolicy({ strategy: 'sliding', ttl: 60 }))).toBe(6_000)
    expect(defaultTouchAfterMs(toPolicy({ strategy: 'hybrid', idleTtl: 300, absoluteTtl: 86_400 }))).toBe(30_000)
    expect(defaultTouchAfterMs(toPolicy({ strategy: 'fixed', ttl: 100 }))).toBe(10_000)
    expect(defaultTouchAfterMs(toPolicy({ strategy: 'sliding', ttl: 0.005 }))).toBe(0)
  })

  it('touchAfter: an access is persisted only once enough time has passed', () => {
    expect(shouldPersistAccess({ lastAccessedAt: T0 }, T0 + 999, 1000)).toBe(false)
    expect(shouldPersistAccess({ lastAccessedAt: T0 }, T0 + 1000, 1000)).toBe(true)
    expect(shouldPersistAccess({ lastAccessedAt: T0 }, T0, 0)).toBe(true)
  })

  it('property: no sequence of accesses and refreshes ever passes the absolute deadline', () => {
    fc.assert(
      fc.property(
        strategies,
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000_000_000 }), fc.boolean(), fc.option(fc.integer({ min: 1, max: 1e10 }))), { maxLength: 30 }),
        (options: ExpirationOptions, steps) => {
          const policy = toPolicy(options)
          let record = { ...initialExpiry(policy, T0) }
          let now = T0
          for (const [dt, isRefresh, ttl] of steps) {
            now += dt
            if (now >= record.expiresAt) break
            const next = isRefresh ? refreshedExpiry(record, policy, now, ttl ?? undefined) : touchedExpiry(record, policy, now)
            if (record.absoluteExpiresAt !== null) expect(next).toBeLessThanOrEqual(record.absoluteExpiresAt)
            if (policy.idleTtlMs === null && !isRefresh) expect(next).toBe(record.expiresAt)
            if (policy.idleTtlMs !== null && !isRefresh) expect(next).toBeLessThanOrEqual(now + policy.idleTtlMs)
            expect(next).toBeGreaterThan(now)
            record = { ...record, expiresAt: next }
          }
        },
      ),
      { seed: 42, numRuns: 2000 },
    )
  })

  it('property: a new session is live at creation and expires within its first ttl', () => {
    fc.assert(
      fc.property(strategies, fc.integer({ min: 0, max: 4_000_000_000_000 }), (options: ExpirationOptions, now) => {
        const policy = toPolicy(options)
        const { expiresAt, absoluteExpiresAt } = initialExpiry(policy, now)
        expect(expiresAt).toBeGreaterThan(now)
        expect(expiresAt).toBeLessThanOrEqual(now + (policy.idleTtlMs ?? policy.absoluteTtlMs!))
        if (absoluteExpiresAt !== null) expect(expiresAt).toBeLessThanOrEqual(absoluteExpiresAt)
      }),
      { seed: 7, numRuns: 1000 },
    )
  })
})
