import { beforeAll, describe, expect, it } from 'vitest'
import { BROKEN_STORES } from './fixtures/broken/broken-stores'
import { runFixtures, type FixtureResult } from './run-fixtures'

// One child vitest run of every fixture suite: the README's correct adapter and each broken store.
let results: FixtureResult[] = []
beforeAll(async () => {
  results = await runFixtures()
}, 180_000)

const of = (suite: string) => results.filter((r) => r.suite === suite)

describe('the suite against a correct store', () => {
  it('passes every test for the README adapter (the control)', () => {
    const mine = of('my-store store conformance')
    expect(mine.length).toBeGreaterThan(60)
    expect(mine.filter((r) => r.status !== 'passed').map((r) => r.fullName)).toEqual([])
  })
})

describe('the suite against deliberately broken stores', () => {
  for (const broken of BROKEN_STORES) {
    it(`fails a store where ${broken.name}`, () => {
      const theirs = of(`broken: ${broken.name} store conformance`)
      expect(theirs.length, 'the suite ran for this store').toBeGreaterThan(60)
      const failed = theirs.filter((r) => r.status === 'failed')
      expect(failed.length).toBeGreaterThan(0)
      for (const title of broken.caughtBy) {
        expect(failed.map((r) => r.title).filter((t) => t.includes(title)), `a failing test mentions "${title}"`).not.toEqual([])
      }
    })
  }
})
