import { runStoreConformance } from '@sessionkit/conformance'
import { afterAll, beforeAll } from 'vitest'
import { UpstashStore } from '../src/index'
import { startFixture, type Fixture } from './fixture'

// Namespaces of this file only, so the cleanup never touches another run's keys.
const namespacePrefix = `sk-conf-upstash-${process.pid}-`
let fx: Fixture

beforeAll(async () => {
  fx = await startFixture()
})

afterAll(async () => {
  await fx.cleanup(namespacePrefix)
  await fx.close()
})

runStoreConformance(
  'upstash (local REST server over real Redis)',
  ({ namespace }) => new UpstashStore({ url: fx.server.url, token: fx.server.token }, { prefix: namespace }),
  {
    namespacePrefix,
    rawDump: ({ namespace }) => fx.dump(namespace),
  },
)
