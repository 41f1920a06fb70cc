import { MemoryStore } from '@sessionkit/store-memory'
import type { Backend } from './backends'

/** The in-process store; its dump is `dumpForTesting()`, its "bytes" are the records it keeps. */
export function memoryBackend(): Backend {
  return {
    name: 'memory',
    store: () => new MemoryStore({ maxSessions: Infinity }),
    dump: async (_ns, store) => (store as MemoryStore).dumpForTesting(),
    // The memory store has no bytes underneath it: the record it holds is its persistence, so the
    // corruption is written as that record (same version bump any writer would make).
    async corruptPayload(_ns, store, id, payload) {
      const record = await store.get(id, Date.now())
      if (!record) throw new Error('corrupted a session that was not there')
      const result = await store.replace({ ...record, payload, version: record.version + 1 }, record.version, Date.now())
      if (result.status !== 'ok') throw new Error(`corruption write: ${result.status}`)
    },
    close: async () => {},
  }
}

