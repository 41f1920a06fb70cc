/**
 * `@sessionkit/conformance`: the shared test suite every sessionkit store passes. Call
 * {@link runStoreConformance} from a vitest test file, or pick single groups.
 */
import { describe } from 'vitest'
import { casTests } from './cas'
import { closeTests } from './close'
import { crudTests } from './crud'
import { deviceTests } from './device'
import { expiryTests } from './expiry'
import { isolationTests } from './isolation'
import { lockTests } from './locks'
import { modelTests } from './model'
import type { ConformanceOptions, StoreFactory } from './options'
import { rawTests } from './raw'
import { scanTests } from './scan'
import { touchTests } from './touch'
import { userIndexTests } from './user-index'

export type { ConformanceOptions, RawDump, RawDumpContext, StoreFactory, StoreFactoryContext } from './options'
export { FakeClock } from './clock'
export { makeRecord, newSessionId, newUserId, marker, DEFAULT_TTL, MINUTE } from './records'
export { useHarness, newNamespace, scanEverything, type Harness } from './harness'
export { crudTests, AWKWARD_PAYLOADS } from './crud'
export { expiryTests } from './expiry'
export { touchTests } from './touch'
export { casTests } from './cas'
export { userIndexTests } from './user-index'
export { deviceTests } from './device'
export { scanTests } from './scan'
export { lockTests } from './locks'
export { isolationTests } from './isolation'
export { closeTests } from './close'
export { modelTests, modelOp, step as modelStep, ReferenceModel, DEFAULT_MODEL_RUNS, DEFAULT_MODEL_SEED, type ModelOp } from './model'
export { rawTests } from './raw'

/** A group of the suite: registers its `describe` block for the given factory and options. */
export type ConformanceGroup = (factory: StoreFactory, options?: ConformanceOptions) => void

/** Every group, by name, in the order {@link runStoreConformance} runs them. */
export const conformanceGroups = {
  crud: crudTests,
  expiry: expiryTests,
  touch: touchTests,
  cas: casTests,
  userIndex: userIndexTests,
  device: deviceTests,
  scan: scanTests,
  locks: lockTests,
  isolation: isolationTests,
  close: closeTests,
  model: modelTests,
  raw: rawTests,
} as const satisfies Record<string, ConformanceGroup>

/** The name of one group of {@link conformanceGroups}. */
export type ConformanceGroupName = keyof typeof conformanceGroups

/**
 * Registers the whole conformance suite for a store as one vitest `describe` block. Each test
 * gets a fresh store from `factory` in a fresh namespace and closes it afterwards; every store
 * call gets `now` from an injected clock.
 * @example
 * import { runStoreConformance } from '@sessionkit/conformance'
 * import { MyStore } from '../src/index.js'
 *
 * runStoreConformance('my-store', ({ namespace }) => new MyStore({ prefix: namespace }))
 */
export function runStoreConformance(name: string, factory: StoreFactory, options: ConformanceOptions = {}): void {
  describe(`${name} store conformance`, () => {
    for (const group of Object.values(conformanceGroups)) group(factory, options)
  })
}
