import { createRevocationList } from '@sessionkit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UpstashStore } from '../src/index'
import { startFixture, type Fixture } from './fixture'

const namespacePrefix = `sk-revoked-upstash-${process.pid}-`
let fx: Fixture
beforeAll(async () => {
  fx = await startFixture()
})
afterAll(async () => {
  await fx.cleanup(namespacePrefix)
  await fx.close()
})

describe('revocation list (createRevocationList from core) on Upstash', () => {
  it('an entry is revoked until the token expiry (injected clock), and Redis drops it by itself', async () => {
    const clock = { t: Date.now() }
    const namespace = `${namespacePrefix}a`
    const store = new UpstashStore({ url: fx.server.url, token: fx.server.token }, { prefix: namespace })
    const list = createRevocationList(store, { now: () => clock.t })
    try {
      expect(await list.revoke('jwt-1', clock.t + 60_000)).toBe(true)
      expect(await list.isRevoked('jwt-1')).toBe(true)
      expect(await list.isRevoked('jwt-2')).toBe(false)
      expect((await fx.dump(namespace)).join('\n')).not.toContain('jwt-1')
      clock.t += 60_000
      expect(await list.isRevoked('jwt-1')).toBe(false)

      // With a real, short deadline the backend's own expiry removes the entry's record.
      const real = createRevocationList(store)
      await real.revoke('jwt-3', Date.now() + 300)
      expect(await real.isRevoked('jwt-3')).toBe(true)
      await new Promise((r) => setTimeout(r, 700))
      expect(await real.isRevoked('jwt-3')).toBe(false)
      await list.purge() // its clock is past both deadlines
      expect(await fx.dump(namespace)).toEqual([])
    } finally {
      await list.close()
    }
  })
})
