export { RedisStore } from './redis-store'
export { DEFAULT_COMMAND_TIMEOUT_MS, type RedisConnection, type RedisStoreOptions } from './options'
export { ownedClientDefaults } from './connection'
export { RedisEventBus, type RedisEventBusOptions } from './redis-event-bus'
