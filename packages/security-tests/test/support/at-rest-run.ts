/**
 * A run of creates, updates, refreshes, rotations, locks and deletes on one backend, then a dump
 * of everything the backend holds for the namespace, read underneath the store.
 */
import { randomBytes } from 'node:crypto'
import { SessionManager, isWellFormedToken } from '@sessionkit/core'
import type { Backend } from './backends'

export const ENCRYPTION_KEY = 'VGhpcyBpcyBhIHRlc3Qga2V5IGZvciBzZXNzaW9ua2l0IQ=='

/** Distinctive plaintext put into every session, to be searched for in the dumps. */
export interface Markers {
  data: string
  dataKey: string
  ip: string
  userAgent: string
  device: string
}

export interface AtRestRun {
  manager: SessionManager<Record<string, unknown>>
  /** Every token ever handed out, live or dead. */
  issued: string[]
  /** Tokens of sessions still live at the end. */
  live: string[]
  markers: Markers
  dump: string[]
}

export async function atRestRun(backend: Backend, namespace: string, encrypted: boolean): Promise<AtRestRun> {
  const tag = randomBytes(6).toString('hex')
  const markers: Markers = {
    data: `plaintext-cart-item-${tag}`,
    dataKey: `favouriteColour${tag}`,
    ip: `203.0.113.${(randomBytes(1)[0]! % 200) + 10}`,
    userAgent: `Mozilla/5.0 (SecretAgent ${tag})`,
    device: `Work laptop ${tag}`,
  }
  const store = backend.store(namespace)
  const manager = new SessionManager<Record<string, unknown>>({
    store,
    cleanupInterval: false,
    maxSessionsPerUser: 3,
    expiration: { strategy: 'hybrid', idleTtl: 1800, absoluteTtl: 86_400 },
    ...(encrypted ? { encryption: { keys: [ENCRYPTION_KEY] } } : {}),
  })
  const issued: string[] = []
  const live = new Set<string>()
  const context = { ipAddress: markers.ip, userAgent: markers.userAgent, metadata: { device: markers.device } }
  for (let i = 0; i < 10; i++) {
    const userId = i < 8 ? `user-${i % 2}` : null
    const { token } = await manager.create(userId, { cart: [markers.data], [markers.dataKey]: 'teal', n: i }, context)
    issued.push(token)
    live.add(token)
  }
  // Users 0 and 1 made 4 sessions each with a limit of 3: their oldest were evicted.
  for (const token of [...live]) if (!(await manager.peek(token))) live.delete(token)
  for (const token of [...live]) {
    await manager.update(token, (d) => ({ ...d, cart: [...(d.cart as string[]), `${markers.data}-more`] }))
    await manager.refresh(token)
  }
  // Rotations (login, privilege change): the old tokens die, the new ones are live.
  for (const token of [...live].slice(0, 4)) {
    const rotated = await manager.rotate(token, { userId: 'user-rotated' })
    live.delete(token)
    issued.push(rotated!.token)
    live.add(rotated!.token)
  }
  // A held lock stays in the dump; a deleted session leaves nothing usable.
  const [locked, deleted] = [...live]
  await manager.withLock(locked!, () => manager.update(locked!, { paid: true }))
  await manager.delete(deleted!)
  live.delete(deleted!)
  const dump = await backend.dump(namespace, store)
  return { manager, issued, live: [...live], markers, dump }
}

/** Every 43-character window of every base64url run in the dump that is shaped like a token. */
export function tokenShapedSubstrings(dump: readonly string[]): string[] {
  const found = new Set<string>()
  for (const entry of dump) {
    for (const run of entry.match(/[A-Za-z0-9_-]{43,}/g) ?? []) {
      for (let i = 0; i + 43 <= run.length; i++) {
        const window = run.slice(i, i + 43)
        if (isWellFormedToken(window)) found.add(window)
      }
    }
  }
  return [...found]
}
