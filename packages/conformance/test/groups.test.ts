import { describe, expect, it } from 'vitest'
import { FakeClock, conformanceGroups, type StoreFactory } from '../src/index'
import { MyStore } from './fixtures/adapter/src/my-store'

// Each exported group, registered on its own (as a store splitting the suite across files
// would), against the correct reference store: every group passes for a correct store.
const factory: StoreFactory = ({ namespace }) => new MyStore({ prefix: namespace })
describe('each group on its own, against the reference store', () => {
  for (const group of Object.values(conformanceGroups)) {
    group(factory, { rawDump: ({ store }) => (store as MyStore).dumpRaw(), modelRuns: 15 })
  }
})

describe('FakeClock', () => {
  it('starts where told, moves only forward, and only when advanced', () => {
    const clock = new FakeClock(1000)
    expect(clock.now()).toBe(1000)
    expect(clock.advance(500)).toBe(1500)
    expect(clock.now()).toBe(1500)
    expect(() => clock.advance(-1)).toThrow(RangeError)
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError)
    expect(clock.now()).toBe(1500)
  })

  it('starts at the real time by default, so native deadlines land in the real future', () => {
    const before = Date.now()
    const now = new FakeClock().now()
    expect(now).toBeGreaterThanOrEqual(before)
    expect(now).toBeLessThanOrEqual(Date.now())
  })
})
