import { RedisStore } from '@sessionkit/store-redis'
import { Redis as IORedis } from 'ioredis'
import { redisUnderneath, redisUrl, type Backend } from './backends'

/** RedisStore on the shared redis-server, read underneath with a plain ioredis connection. */
export function redisBackend(): Backend {
  const direct = new IORedis(redisUrl, { lazyConnect: false })
  const under = redisUnderneath(direct)
  return {
    name: 'redis',
    store(namespace) {
      under.prefixes.add(namespace)
      return new RedisStore({ url: redisUrl, prefix: namespace })
    },
    dump: (namespace) => under.dump(namespace),
    corruptPayload: (namespace, _store, id, payload) => under.corrupt(namespace, id, payload),
    async close() {
      await under.cleanup()
      await direct.quit()
    },
  }
}

