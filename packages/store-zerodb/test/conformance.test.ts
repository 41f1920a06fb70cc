import { runStoreConformance } from '@sessionkit/conformance'
import { startZeroDbEmulator, type ZeroDbEmulator } from '@sessionkit/testkit/zerodb'
import { afterAll, beforeAll } from 'vitest'
import { ZeroDbStore } from '../src/index'

// One emulator for the file; each test's namespace is its own table, so tests never share rows.
let emulator: ZeroDbEmulator
beforeAll(async () => {
  emulator = await startZeroDbEmulator()
})
afterAll(() => emulator.close())

runStoreConformance(
  'zerodb',
  ({ namespace }) =>
    new ZeroDbStore({ baseUrl: emulator.baseUrl, apiKey: emulator.apiKey, projectId: emulator.projectId, tableName: namespace }),
  {
    // Every row of the namespace's table, whole, as the emulator holds it.
    rawDump: ({ namespace }) => [...(emulator.tables.get(namespace)?.rows.values() ?? [])].map((row) => JSON.stringify(row)),
  },
)
