import { MemoryStore } from '@sessionkit/store-memory'
import type { BackendDefinition } from './types'

/**
 * The in-process store: the default, needs nothing. Sessions are gone when the process ends.
 * @example const { store } = await memoryBackend.open(context)
 */
export const memoryBackend: BackendDefinition = {
  name: 'memory',
  label: 'Memory',
  needs: 'Nothing: sessions live in this process.',
  async open() {
    return {
      store: new MemoryStore({ maxSessions: 10_000 }),
      detail: 'in this process (LRU, 10 000 sessions)',
      stop: async () => {},
    }
  },
}
