import { RedisStore } from '@sessionkit/store-redis'
import { safeUrl } from './redis-location'
import type { BackendDefinition } from './types'

/**
 * Redis through ioredis: REDIS_URL, else 127.0.0.1:6379, else a throwaway redis-server when the
 * binary is installed.
 * @example const { store } = await redisBackend.open(context)
 */
export const redisBackend: BackendDefinition = {
  name: 'redis',
  label: 'Redis',
  needs: 'A Redis at REDIS_URL or 127.0.0.1:6379 (or redis-server installed: one is started).',
  async open({ prefix, redis }) {
    const { url, started } = await redis()
    return {
      store: new RedisStore({ url }, { prefix }),
      detail: `${safeUrl(url)}${started ? ' (started for the playground)' : ''}, keys under ${prefix}`,
      stop: async () => {},
    }
  },
}
