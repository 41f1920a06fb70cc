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
      return new UpstashStore({ url: server.url, token: server.token }, { prefix: namespace })
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

