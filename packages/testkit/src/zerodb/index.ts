/**
 * The ZeroDB tables API emulator: what `@sessionkit/store-zerodb`'s tests and the playground
 * talk to, since our machines cannot reach ZeroDB. It serves exactly `shared/specs/zerodb-api.md`.
 */
export { startZeroDbEmulator, type ZeroDbEmulator, type ZeroDbEmulatorOptions } from './emulator'
export type { CompareMode } from './compare'
export type { ZeroDbCounters } from './counters'
export type { FaultHits, FaultScope, ZeroDbFaults } from './faults'
export { LARGE_OPERATION } from './handlers'
export { ROUTES, type RouteKey } from './routes'
export type { EmulatorRow, EmulatorTable, EmulatorTables } from './state'
