/**
 * `@sessionkit/testkit/upstash`: a local Upstash REST server over a real Redis, for tests, the
 * playground and the benchmark.
 */
export { startUpstashServer, type UpstashServer, type UpstashServerOptions } from './upstash-server'
export type { UpstashCounters, UpstashCounterSnapshot } from './counters'
export type { FaultSettings, FaultTally, FaultTrigger, UpstashFaults } from './faults'
