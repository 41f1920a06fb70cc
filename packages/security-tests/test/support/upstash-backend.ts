import { UpstashStore } from '@sessionkit/store-upstash'
import { startUpstashServer, type UpstashServer } from '@sessionkit/testkit/upstash'
import { Redis as IORedis } from 'ioredis'
import { redisUnderneath, redisUrl, type Backend } from './backends'

/** UpstashStore on the local Upstash REST server, which runs its commands on the shared Redis. */
export async function upstashBackend(): Promise<Backend & { server: UpstashServer }> {
  const server = await startUpstashServer({ redisUrl })
  const direct = new IORedis(redisUrl)
  const under = redisUnderneath(direct)
  return {
    name: 'upstash',
    server,
    store(namespace) {
      under.prefixes.add(namespace)
      // These tests check what is stored and how damage is handled, not latency: the REST server
      // runs in the test's own process, and a burst of 200 creates on a CI host running other
      // packages' tests at once overran the 3 s default (2 Dec). Deadlines are tested elsewhere.
      return new UpstashStore({ url: server.url, token: server.token }, { prefix: namespace, timeoutMs: 15_000 })
    },
    dump: (namespace) => under.dump(namespace),
    corruptPayload: (namespace, _store, id, payload) => under.corrupt(namespace, id, payload),
    async close() {
      await under.cleanup()
      await direct.quit()
      await server.close()
    },
  }
}

