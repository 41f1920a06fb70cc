import { UpstashStore } from '@sessionkit/store-upstash'
import { startUpstashServer } from '@sessionkit/testkit/upstash'
import { safeUrl } from './redis-location'
import type { BackendDefinition } from './types'

/**
 * Upstash over its REST API: the real service when `UPSTASH_REDIS_REST_URL` and
 * `UPSTASH_REDIS_REST_TOKEN` are set, else the testkit's local Upstash REST server in front of
 * the playground's Redis.
 * @example const { store } = await upstashBackend.open(context)
 */
export const upstashBackend: BackendDefinition = {
  name: 'upstash',
  label: 'Upstash',
  needs: 'UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or a local Redis for the built-in REST server.',
  async open({ env, prefix, redis }) {
    const url = env.UPSTASH_REDIS_REST_URL
    const token = env.UPSTASH_REDIS_REST_TOKEN
    if (url && token) {
      return {
        store: new UpstashStore({ url, token }, { prefix }),
        detail: `Upstash at ${new URL(url).host}`,
        stop: async () => {},
      }
    }
    const { url: redisUrl } = await redis()
    const server = await startUpstashServer({ redisUrl })
    return {
      store: new UpstashStore({ url: server.url, token: server.token }, { prefix }),
      detail: `local Upstash REST server ${server.url} over ${safeUrl(redisUrl)}`,
      stop: () => server.close(),
    }
  },
}
