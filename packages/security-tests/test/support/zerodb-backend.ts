import { ZeroDbStore } from '@sessionkit/store-zerodb'
import { startZeroDbEmulator, type ZeroDbEmulator } from '@sessionkit/testkit/zerodb'
import type { Backend } from './backends'

/** ZeroDbStore on the local emulator; each namespace is its own table. */
export async function zeroDbBackend(): Promise<Backend & { emulator: ZeroDbEmulator }> {
  const emulator = await startZeroDbEmulator()
  const rowsOf = (namespace: string) => [...(emulator.tables.get(namespace)?.rows.values() ?? [])]
  return {
    name: 'zerodb',
    emulator,
    store: (namespace) =>
      new ZeroDbStore({ baseUrl: emulator.baseUrl, apiKey: emulator.apiKey, projectId: emulator.projectId, tableName: namespace }),
    dump: async (namespace) => rowsOf(namespace).map((row) => JSON.stringify(row)),
    async corruptPayload(namespace, _store, id, payload) {
      const row = rowsOf(namespace).find((r) => r.row_data.kind === 'session' && r.row_data.sid === id)
      if (!row) throw new Error('corrupted a session that was not there')
      row.row_data = { ...row.row_data, payload }
    },
    close: () => emulator.close(),
  }
}
