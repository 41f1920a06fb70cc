/**
 * Hashed at rest and encrypted at rest, on each backend's own bytes: after a run of creates,
 * updates, refreshes, rotations, a lock and a delete, the dump of everything the backend holds
 * yields no working token (stores key by sha256(token)) and, with encryption on, no plaintext
 * of the session data, IP address, user agent or metadata.
 */
import { sessionIdFromToken } from '@sessionkit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { atRestRun, tokenShapedSubstrings, type AtRestRun } from './support/at-rest-run'
import { uniqueNamespace, type Backend } from './support/backends'
import { memoryBackend } from './support/memory-backend'
import { redisBackend } from './support/redis-backend'
import { upstashBackend } from './support/upstash-backend'
import { zeroDbBackend } from './support/zerodb-backend'

const backends: Array<[string, () => Backend | Promise<Backend>]> = [
  ['memory', memoryBackend],
  ['redis', redisBackend],
  ['upstash (local REST server)', upstashBackend],
  ['zerodb (emulator)', zeroDbBackend],
]

/** Asks the manager for each candidate, 50 at a time. */
async function workingTokens(run: AtRestRun, candidates: readonly string[]): Promise<string[]> {
  const working: string[] = []
  for (let i = 0; i < candidates.length; i += 50) {
    const batch = candidates.slice(i, i + 50)
    const answers = await Promise.all(batch.map((c) => run.manager.peek(c)))
    answers.forEach((answer, j) => answer && working.push(batch[j]!))
  }
  return working
}

for (const [name, start] of backends) {
  describe(`at rest: ${name}`, () => {
    let backend: Backend
    const runs: Record<'plain' | 'encrypted', AtRestRun | undefined> = { plain: undefined, encrypted: undefined }
    beforeAll(async () => {
      backend = await start()
      runs.plain = await atRestRun(backend, uniqueNamespace('rest_plain'), false)
      runs.encrypted = await atRestRun(backend, uniqueNamespace('rest_enc'), true)
    })
    afterAll(async () => {
      for (const run of Object.values(runs)) await run?.manager.close()
      await backend.close()
    })

    for (const mode of ['plain', 'encrypted'] as const) {
      it(`hashed at rest (${mode}): no issued token anywhere in the dump, no key or value works as a session token`, async () => {
        const run = runs[mode]!
        const text = run.dump.join('\n')
        // The dump really is the backend's content: every live session's id is in it, and the
        // live tokens do work (so a token that leaked into the dump would be caught).
        expect(run.live.length).toBeGreaterThan(3)
        for (const token of run.live) expect(text).toContain(sessionIdFromToken(token))
        expect(await workingTokens(run, run.live)).toHaveLength(run.live.length)

        for (const token of run.issued) expect(text.includes(token), 'an issued token is in the dump').toBe(false)
        const candidates = tokenShapedSubstrings(run.dump)
        // At least every live id (ids are token-shaped: 43 base64url characters of a 32-byte hash).
        expect(candidates.length).toBeGreaterThanOrEqual(run.live.length)
        expect(await workingTokens(run, candidates)).toEqual([])
      })
    }

    it('encrypted at rest: no plaintext of data, data keys, IP address, user agent or metadata in the dump', () => {
      const { dump, markers } = runs.encrypted!
      const text = dump.join('\n')
      for (const [what, secret] of Object.entries(markers)) expect(text.includes(secret), `${what} in the dump`).toBe(false)
    })

    it('control: without encryption the same markers are in the dump (the search reads the right bytes)', () => {
      const { dump, markers } = runs.plain!
      const text = dump.join('\n')
      for (const secret of Object.values(markers)) expect(text).toContain(secret)
    })
  })
}
