import { runStoreConformance } from '@sessionkit/conformance'
import { MemoryStore } from '../src/index'

runStoreConformance('memory', () => new MemoryStore(), {
  rawDump: ({ store }) => (store as MemoryStore).dumpForTesting(),
})
