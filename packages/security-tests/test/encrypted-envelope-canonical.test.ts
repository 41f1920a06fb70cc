/**
 * Regression: Node's base64url decoder ignores characters outside the alphabet and the unused
 * low bits of the last character, so some damaged envelopes used to decode to the original
 * bytes and open. Found by the corruption fuzz (about 0.3% of damages to encrypted payloads).
 * Only the canonical spelling of an envelope opens now: any change to the stored text is a
 * rejection with an `error` event.
 */
import { SessionManager, type SessionEvents } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { afterEach, describe, expect, it } from 'vitest'

const KEY = 'q0VqYkq8lA0Yj0Zq8Kq9n3rD5dV1H0m4y3dFq2kQx7E='
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

let manager: SessionManager<{ secret: string }> | undefined
afterEach(() => manager?.close())

async function sealedSession() {
  const store = new MemoryStore()
  manager = new SessionManager<{ secret: string }>({ store, encryption: { keys: [KEY] }, cleanupInterval: false })
  const { token, session } = await manager.create('u1', { secret: 'hunter2' })
  const record = (await store.get(session.id, Date.now()))!
  const errors: SessionEvents['error'][] = []
  manager.on('error', (e) => void errors.push(e))
  const overwrite = async (payload: string) => {
    const current = (await store.get(session.id, Date.now()))!
    expect((await store.replace({ ...current, payload, version: current.version + 1 }, current.version, Date.now())).status).toBe('ok')
  }
  return { token, payload: record.payload, errors, overwrite, manager }
}

describe('encrypted payloads open only in their canonical spelling', () => {
  it('a tag whose last character differs only in unused bits is rejected', async () => {
    const s = await sealedSession()
    const parts = s.payload.split('.')
    const tag = parts[4]!
    // 16 bytes are 22 characters; the last one carries 2 bits and 4 unused ones.
    const last = ALPHABET.indexOf(tag.at(-1)!)
    parts[4] = tag.slice(0, -1) + ALPHABET[last ^ 1]
    await s.overwrite(parts.join('.'))
    expect(await s.manager.get(s.token)).toBeNull()
    expect(s.errors.map((e) => e.operation)).toEqual(['get'])
  })

  it('a character outside the alphabet inserted into the ciphertext is rejected', async () => {
    const s = await sealedSession()
    const parts = s.payload.split('.')
    parts[3] = `${parts[3]!.slice(0, 4)}!${parts[3]!.slice(4)}`
    await s.overwrite(parts.join('.'))
    expect(await s.manager.get(s.token)).toBeNull()
    expect(s.errors).toHaveLength(1)
  })

  it('the untouched envelope still opens', async () => {
    const s = await sealedSession()
    expect((await s.manager.get(s.token))?.data).toEqual({ secret: 'hunter2' })
    expect(s.errors).toHaveLength(0)
  })
})
