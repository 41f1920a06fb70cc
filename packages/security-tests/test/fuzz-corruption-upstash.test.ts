import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueNamespace, type Backend } from './support/backends'
import { upstashBackend } from './support/upstash-backend'
import { CORRUPTION_CASES, CORRUPTION_SEED, runCorruptionProperty } from './support/corruption-property'

let backend: Backend
beforeAll(async () => {
  backend = await upstashBackend()
})
afterAll(() => backend.close())

describe('fuzz: corrupted and truncated persisted payloads (upstash)', () => {
  it(`${CORRUPTION_CASES} damaged payloads (batches of 100), plain and encrypted (seed ${CORRUPTION_SEED}): rejected with an error event, never returned altered`, async () => {
    const outcome = await runCorruptionProperty(backend, uniqueNamespace('corrupt_upstash'))
    console.log(`[upstash] ${JSON.stringify(outcome)}`)
    // Both sides of the property were exercised, not only one.
    expect(outcome.cases).toBeGreaterThanOrEqual(CORRUPTION_CASES)
    expect(outcome.rejected).toBeGreaterThan(CORRUPTION_CASES / 2)
    expect(outcome.returnedAsStored).toBeGreaterThan(0)
  }, 120_000)
})
