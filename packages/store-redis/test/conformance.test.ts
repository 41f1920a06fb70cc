import { runStoreConformance } from '@sessionkit/conformance'
import { redisUrl } from '@sessionkit/testkit/redis'
import { Redis } from 'ioredis'
import { afterAll } from 'vitest'
import { RedisStore } from '../src/index'
import { dumpNamespace } from './support/raw-dump'

// The store creates and owns its client here (the `url` path); the backdoor reads through its own.
const inspector = new Redis(redisUrl(), { maxRetriesPerRequest: 1 })
afterAll(() => inspector.quit())

runStoreConformance('redis (standalone)', ({ namespace }) => new RedisStore({ url: redisUrl(), prefix: namespace }), {
  rawDump: ({ namespace }) => dumpNamespace(inspector, namespace),
})
