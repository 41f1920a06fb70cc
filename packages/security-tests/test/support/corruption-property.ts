/**
 * The corruption property, shared by one test file per backend: a session's persisted payload
 * is damaged underneath the store, then `get` is asked for it.
 *
 * - Encrypted (AES-256-GCM, session id in the associated data): the damaged session is never
 *   returned. `get` answers null with one `error` event naming the session, for every change
 *   to the stored text (see encrypted-envelope-canonical.test.ts for the case this found).
 * - Unencrypted: the payload is plain JSON, and whoever can write the store can write any data
 *   they like, so a damage that still parses as `{ d: ... }` is legitimately returned. What must
 *   hold is that the manager returns exactly what the bytes say (never a mix with the old data)
 *   and that anything else is rejected: null with an `error` event.
 */
import fc from 'fast-check'
import { SessionManager, type SessionEvents } from '@sessionkit/core'
import { expect } from 'vitest'
import type { Backend } from './backends'
import { corruption, parsesAsPayload, wellFormed, type Corruption } from './corruption'

export const CORRUPTION_SEED = 20261124
/** Damaged payloads per backend: fast-check runs of {@link BATCH} damages each, applied concurrently. */
export const CORRUPTION_CASES = 10_000
const BATCH = 100
const KEY = 'q0VqYkq8lA0Yj0Zq8Kq9n3rD5dV1H0m4y3dFq2kQx7E='

interface Issued {
  token: string
  id: string
  payload: string
  data: Record<string, unknown>
  ip: string
}

export interface CorruptionOutcome {
  cases: number
  rejected: number
  returnedAsStored: number
}

/** Runs the property on one backend; returns what happened so the test can say it saw both sides. */
export async function runCorruptionProperty(backend: Backend, namespace: string): Promise<CorruptionOutcome> {
  const outcome: CorruptionOutcome = { cases: 0, rejected: 0, returnedAsStored: 0 }
  const make = (encrypted: boolean) => {
    const ns = `${namespace}_${encrypted ? 'enc' : 'plain'}`
    const store = backend.store(ns)
    const manager = new SessionManager<Record<string, unknown>>({
      store,
      cleanupInterval: false,
      // Reads within the hour do not rewrite the expiry: one backend request per `get`, so
      // 10,000 cases stay quick on the HTTP backends. Decoding is the same either way.
      touchAfter: 3600,
      ...(encrypted ? { encryption: { keys: [KEY] } } : {}),
    })
    return { ns, store, manager, encrypted }
  }
  const sides = [make(false), make(true)] as const
  // One session per batch slot and side, so the damages of one batch never touch the same record.
  const issued: Issued[][] = await Promise.all(
    sides.map(({ manager, store }) =>
      Promise.all(
        Array.from({ length: BATCH }, async (_, i) => {
          const data = { cart: [`book-${i}`, 'pen'], note: `secret note ${i}`, n: i }
          const ip = `10.0.0.${i}`
          const { token, session } = await manager.create(`user-${i}`, data, { ipAddress: ip, userAgent: 'fuzz/1.0' })
          const raw = await store.get(session.id, Date.now())
          return { token, id: session.id, payload: raw!.payload, data, ip }
        }),
      ),
    ),
  )
  const errors = sides.map(() => new Map<string, SessionEvents['error'][]>())
  for (const [side, { manager }] of sides.entries()) {
    manager.on('error', (e) => {
      const list = errors[side]!.get(e.sessionId ?? '') ?? []
      list.push(e)
      errors[side]!.set(e.sessionId ?? '', list)
    })
  }

  const one = async (side: number, slot: number, damage: Corruption): Promise<void> => {
    const { manager, ns, store, encrypted } = sides[side]!
    const target = issued[side]![slot]!
    const stored = wellFormed(damage.apply(target.payload))
    if (stored === target.payload) return
    outcome.cases++
    await backend.corruptPayload(ns, store, target.id, stored)
    errors[side]!.delete(target.id)
    const got = await manager.get(target.token)
    const seen = errors[side]!.get(target.id) ?? []
    const legit = encrypted ? null : parsesAsPayload(stored)
    if (got === null) {
      // Rejected: exactly one error event, about this session, saying nothing secret.
      expect(legit, damage.kind).toBeNull()
      expect(seen, damage.kind).toHaveLength(1)
      expect(seen[0]!.operation).toBe('get')
      const said = `${seen[0]!.reason ?? ''} ${seen[0]!.error.message}`
      expect(said).not.toContain(target.token)
      expect(said).not.toContain('secret note')
      outcome.rejected++
    } else if (encrypted) {
      // Encrypted and authenticated: any change to the stored text is a rejection, strictly.
      expect.fail(`an encrypted payload damaged by ${damage.kind} was returned`)
    } else {
      // Accepted plaintext: exactly what the stored bytes say, nothing of the old data mixed in.
      expect(legit, damage.kind).not.toBeNull()
      expect(got.data).toEqual(legit!.d)
      expect(got.ipAddress).toBe(legit!.i ?? null)
      expect(got.userAgent).toBe(legit!.u ?? null)
      expect(got.id).toBe(target.id)
      expect(seen).toHaveLength(0)
      outcome.returnedAsStored++
    }
  }

  try {
    const batch = fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), corruption), { minLength: BATCH, maxLength: BATCH })
    await fc.assert(
      fc.asyncProperty(batch, async (damages) => {
        await Promise.all(damages.map(([side, damage], slot) => one(side, slot, damage)))
      }),
      // A few runs more than CASES / BATCH: the rare damage that changes nothing is not a case.
      { numRuns: Math.ceil((CORRUPTION_CASES * 1.02) / BATCH), seed: CORRUPTION_SEED, endOnFailure: true },
    )
  } finally {
    for (const { manager } of sides) await manager.close()
  }
  return outcome
}
