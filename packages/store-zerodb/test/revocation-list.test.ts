import { createRevocationList } from '@sessionkit/core'
import { startZeroDbEmulator, type ZeroDbEmulator } from '@sessionkit/testkit/zerodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZeroDbStore } from '../src/index'

let emulator: ZeroDbEmulator
beforeAll(async () => {
  emulator = await startZeroDbEmulator()
})
afterAll(() => emulator.close())

describe('revocation list (createRevocationList from core) on ZeroDB', () => {
  it('an entry is revoked until the token expiry, then gone; a purge removes its row', async () => {
    const clock = { t: Date.now() }
    const table = `revoked_${process.pid}`
    const store = new ZeroDbStore({ baseUrl: emulator.baseUrl, apiKey: emulator.apiKey, projectId: emulator.projectId, tableName: table })
    const list = createRevocationList(store, { now: () => clock.t })
    try {
      expect(await list.revoke('jwt-1', clock.t + 60_000)).toBe(true)
      expect(await list.isRevoked('jwt-1')).toBe(true)
      expect(await list.isRevoked('jwt-2')).toBe(false)
      const rows = () => [...(emulator.tables.get(table)?.rows.values() ?? [])].map((r) => JSON.stringify(r))
      expect(rows().join('\n')).not.toContain('jwt-1')
      clock.t += 60_000
      expect(await list.isRevoked('jwt-1')).toBe(false)
      await list.purge()
      expect(rows()).toEqual([])
    } finally {
      await list.close()
    }
  })
})
