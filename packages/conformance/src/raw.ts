import { randomBytes } from 'node:crypto'
import { SessionManager, generateToken, sessionIdFromToken, type SessionRecord, type SessionStore } from '@sessionkit/core'
import { describe, expect, it } from 'vitest'
import { dumpContains, useHarness, type Harness } from './harness'
import type { ConformanceOptions, StoreFactory } from './options'
import { MINUTE, makeRecord, marker, markerOf, newUserId } from './records'

/**
 * What the backend holds, as text: the raw dump when the adapter gives one, otherwise every
 * record a full scan (expired included) returns, serialised. The second is weaker (it sees
 * only what the store API shows) but still catches a leak through the API.
 */
async function persisted(h: Harness, store: SessionStore = h.store): Promise<readonly string[]> {
  if (h.options.rawDump) return h.dump(store)
  const records = await h.scanAll({ store, includeExpired: true, limit: 50 })
  return records.map((r) => JSON.stringify(r))
}

function managerOver(store: SessionStore, now: () => number, encrypt: boolean): SessionManager<{ note: string }> {
  return new SessionManager<{ note: string }>({
    store,
    expiration: { strategy: 'sliding', ttl: 3600 },
    ...(encrypt ? { encryption: { keys: [randomBytes(32).toString('base64')] } } : {}),
    now,
  })
}

/**
 * Raw persistence, read through the adapter's `rawDump` backdoor: tokens are hashed at rest,
 * data is encrypted at rest when the manager encrypts, and removals leave no bytes behind.
 * @example rawTests(factory, { rawDump: async ({ namespace }) => dumpKeys(namespace) })
 */
export function rawTests(factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe(options.rawDump ? 'raw persistence (backdoor)' : 'raw persistence (through the store API; no rawDump given)', () => {
    const h = useHarness(factory, options)

    it('the dump shows what was written: every id and every unencrypted payload', async () => {
      const now = h.clock.now()
      // Markers are plain [a-z0-9-], so they survive any quoting or escaping the backend applies.
      const markers = [0, 1, 2].map(() => marker('visible'))
      const records = markers.map((m) => makeRecord(now, { payload: JSON.stringify({ marker: m }) }))
      for (const record of records) await h.insert(record)
      const dump = await persisted(h)
      for (const [i, record] of records.entries()) {
        expect(dumpContains(dump, record.id), 'the session id is stored').toBe(true)
        expect(dumpContains(dump, markers[i]!), 'the payload is stored').toBe(true)
      }
    })

    it('hashed at rest: the store holds the session id, never the token', async () => {
      const manager = managerOver(h.store, () => h.clock.now(), false)
      const created = []
      for (let i = 0; i < 3; i++) created.push(await manager.create(newUserId(), { note: marker('note') }))
      const tokens = [0, 1, 2].map(() => generateToken())
      for (const token of tokens) await h.insert(makeRecord(h.clock.now(), { id: sessionIdFromToken(token) }))
      const dump = await persisted(h)
      for (const { session, token } of created) {
        expect(session.id).toBe(sessionIdFromToken(token))
        expect(dumpContains(dump, session.id), 'the id is there').toBe(true)
        expect(dumpContains(dump, token), 'the token is not').toBe(false)
      }
      for (const token of tokens) expect(dumpContains(dump, token)).toBe(false)
      await manager.close()
    })

    it('without encryption the data is readable at rest (so the next check means something)', async () => {
      const manager = managerOver(h.store, () => h.clock.now(), false)
      const note = marker('plain')
      await manager.create(newUserId(), { note })
      expect(dumpContains(await persisted(h), note)).toBe(true)
      await manager.close()
    })

    it('encrypted at rest: with manager encryption on, no plaintext data reaches the backend', async () => {
      const manager = managerOver(h.store, () => h.clock.now(), true)
      const note = marker('secret')
      const userId = newUserId()
      const { session, token } = await manager.create(userId, { note })
      const dump = await persisted(h)
      expect(dumpContains(dump, session.id), 'the session is stored').toBe(true)
      expect(dumpContains(dump, note), 'the data is not readable').toBe(false)
      expect(dumpContains(dump, token)).toBe(false)
      expect((await manager.get(token))?.data).toEqual({ note })
      await manager.close()
    })

    it('delete, deleteByUser and purgeExpired leave no bytes of the removed sessions behind', async () => {
      const t0 = h.clock.now()
      const userId = newUserId()
      const marked = (fields: Partial<SessionRecord>) => makeRecord(t0, { payload: JSON.stringify({ marker: marker('gone') }), ...fields })
      const deleted = marked({})
      const byUser = [0, 1].map((i) => marked({ userId, createdAt: t0 + i }))
      const expired = marked({ expiresAt: t0 + MINUTE })
      const kept = marked({ expiresAt: t0 + 60 * MINUTE })
      for (const record of [deleted, ...byUser, expired, kept]) await h.insert(record)
      await h.store.delete(deleted.id)
      await h.store.deleteByUser(userId)
      await h.store.purgeExpired({ now: h.clock.advance(MINUTE) })
      const dump = await persisted(h)
      for (const gone of [deleted, ...byUser, expired]) {
        expect(dumpContains(dump, markerOf(gone)), 'the payload is gone').toBe(false)
        expect(dumpContains(dump, gone.id), 'the id is gone, index entries included').toBe(false)
      }
      expect(dumpContains(dump, markerOf(kept)), 'the kept session is still there').toBe(true)
    })
  })
}
