import { casTests, expiryTests, scanTests, touchTests } from '@sessionkit/conformance'
import { startZeroDbEmulator, type ZeroDbEmulator } from '@sessionkit/testkit/zerodb'
import { afterAll, beforeAll, describe } from 'vitest'
import { ZeroDbStore } from '../src/index'

// The real service may compare values as text (spec: "Numbers may be compared as text"). The
// groups whose answers hang on comparisons (expiry, purge, scan order, version filters) run
// again against an emulator that compares everything as text.
let emulator: ZeroDbEmulator
beforeAll(async () => {
  emulator = await startZeroDbEmulator({ compareAs: 'text' })
})
afterAll(() => emulator.close())

const factory = ({ namespace }: { namespace: string }) =>
  new ZeroDbStore({ baseUrl: emulator.baseUrl, apiKey: emulator.apiKey, projectId: emulator.projectId, tableName: namespace })

describe('zerodb store, service comparing values as text', () => {
  expiryTests(factory)
  touchTests(factory)
  casTests(factory)
  scanTests(factory)
})
