export { MemoryStore, type MemoryStoreStats } from './memory-store'
export {
  DEFAULT_MAX_SESSIONS,
  parseMemoryStoreOptions,
  type MemoryStoreEvent,
  type MemoryStoreListener,
  type MemoryStoreOptions,
  type MemoryStoreRemoval,
} from './options'
