import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uniqueNamespace, type Backend } from './support/backends'
import { redisBackend } from './support/redis-backend'
import { CORRUPTION_CASES, CORRUPTION_SEED, runCorruptionProperty } from './support/corruption-property'

let backend: Backend
beforeAll(async () => {
  backend = redisBackend()
})
afterAll(() => backend.close())

describe('fuzz: corrupted and truncated persisted payloads (redis)', () => {
  it(`${CORRUPTION_CASES} damaged payloads (batches of 100), plain and encrypted (seed ${CORRUPTION_SEED}): rejected with an error event, never returned altered`, async () => {
    const outcome = await runCorruptionProperty(backend, uniqueNamespace('corrupt_redis'))
    console.log(`[redis] ${JSON.stringify(outcome)}`)
    // Both sides of the property were exercised, not only one.
    expect(outcome.cases).toBeGreaterThanOrEqual(CORRUPTION_CASES)
    expect(outcome.rejected).toBeGreaterThan(CORRUPTION_CASES / 2)
    expect(outcome.returnedAsStored).toBeGreaterThan(0)
  }, 120_000)
})
