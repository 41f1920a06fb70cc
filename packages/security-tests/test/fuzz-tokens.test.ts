/**
 * Random tokens straight into the manager: every token-taking call answers "no session" for a
 * token it did not issue, never throws (withLock refuses with InvalidTokenError), and a token
 * that is not well formed never reaches the store.
 */
import fc from 'fast-check'
import { InvalidTokenError, SessionManager, isWellFormedToken, type SessionStore } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { afterAll, describe, expect, it } from 'vitest'

const SEED = 1_337_2026
const RUNS = 10_000

let storeCalls = 0
const memory = new MemoryStore({ maxSessions: Infinity })
// Counts calls into the store (the real memory store does the work).
const counted = new Proxy(memory, {
  get(target, prop, receiver) {
    const value = Reflect.get(target, prop, receiver) as unknown
    if (typeof value !== 'function') return value
    return (...args: unknown[]) => {
      if (prop !== 'close') storeCalls++
      return (value as (...a: unknown[]) => unknown).apply(target, args)
    }
  },
}) as SessionStore
const manager = new SessionManager<Record<string, unknown>>({ store: counted, cleanupInterval: false })
afterAll(() => manager.close())

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const token = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: 42, maxLength: 44 }),
  fc.string({ unit: fc.constantFrom(...alphabet, '+', '/', '=', '.', ' '), minLength: 43, maxLength: 43 }),
)

describe(`fuzz: ${RUNS} random tokens into the manager (seed ${SEED})`, () => {
  it('no call accepts a token that was not issued, none throws, and malformed tokens never reach the store', async () => {
    const { token: real } = await manager.create('u', { keep: true })
    let wellFormed = 0
    await fc.assert(
      fc.asyncProperty(token, async (candidate) => {
        fc.pre(candidate !== real)
        const before = storeCalls
        expect(await manager.get(candidate)).toBeNull()
        expect(await manager.peek(candidate)).toBeNull()
        expect(await manager.validate(candidate)).toBe(false)
        expect(await manager.update(candidate, { x: 1 })).toBeNull()
        expect(await manager.refresh(candidate)).toBeNull()
        expect(await manager.rotate(candidate)).toBeNull()
        expect(await manager.delete(candidate)).toBe(false)
        expect(await manager.revoke(candidate)).toBe(false)
        if (isWellFormedToken(candidate)) {
          wellFormed++
          return
        }
        await expect(manager.withLock(candidate, () => 1)).rejects.toBeInstanceOf(InvalidTokenError)
        expect(storeCalls, 'a malformed token reached the store').toBe(before)
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )
    // Both kinds were tried, and the issued session is untouched.
    expect(wellFormed).toBeGreaterThan(100)
    expect((await manager.peek(real))?.data).toEqual({ keep: true })
  })
})
