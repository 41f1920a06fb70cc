import { ConfigError } from '@sessionkit/core'
import type { Topology } from '@sessionkit/redis-scripts'
import { Redis, type Cluster, type RedisOptions } from 'ioredis'

/** A client the store talks through, and whether the store owns (and so closes) it. */
export interface StoreConnection {
  client: Redis | Cluster
  owned: boolean
  topology: Topology
}

/**
 * ioredis settings for a client the store creates, chosen so that a Redis outage fails fast and
 * heals by itself:
 * - the offline queue stays on, so calls made while connecting (right after construction, or
 *   during a blip) wait for the connection instead of failing; the store's own timeout bounds
 *   each of them;
 * - `maxRetriesPerRequest: 1` flushes that queue with an error after two failed reconnects, so
 *   it cannot grow while Redis is down;
 * - reconnects every 50–500 ms, so the store works again soon after Redis returns;
 * - no auto-pipelining: measured in apps/bench, it makes this store's EVALSHA calls slower at
 *   concurrency 1 (about 20%) and at 64 (about 30%), although it speeds up plain GETs; turn it
 *   on in the options if your mix of commands says otherwise;
 * - with Sentinel (`sentinels` given), `failoverDetector: true`: the client subscribes to
 *   `+switch-master` on the Sentinels and reconnects to the new master as soon as they announce
 *   the switch (tens of milliseconds after it on loopback, in test/sentinel-failover.test.ts).
 *   Without it the client keeps writing to the former master until Sentinel demotes it and drops
 *   its clients, 8–10 s later; sessions written in that window are lost when the former master
 *   resyncs as a replica. It costs one subscriber connection per Sentinel (ioredis' default
 *   `sentinelMaxConnections` caps them at 10), closed with the store.
 * - `commandTimeout`: the store's (the option of that name is always the store's). ioredis then
 *   bounds each command itself, so the store's calls need no timer and no promise of their own
 *   (measured with callgrind: 2-3% fewer instructions per request on the bench's Express
 *   routes). A client passed in is timed by the store, unless its own `commandTimeout` is the
 *   store's.
 * Any of these can be overridden in the options passed to the store.
 * @example new Redis({ ...ownedClientDefaults(2000, true), sentinels, name })
 */
export function ownedClientDefaults(commandTimeout: number, sentinel = false): RedisOptions {
  return {
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(commandTimeout, 1000),
    retryStrategy: (times: number) => Math.min(50 * times, 500),
    enableAutoPipelining: false,
    commandTimeout,
    ...(sentinel ? { failoverDetector: true } : {}),
  }
}

function isClient(value: unknown): value is Redis | Cluster {
  return typeof value === 'object' && value !== null && typeof (value as Redis).evalsha === 'function'
}

/**
 * Opens or adopts the client described by the connection part of the store's first argument.
 * A client the store creates gets {@link ownedClientDefaults} under the given options (so an
 * explicit option wins), Sentinel's failover detector included; a client passed in is used as it
 * is configured.
 * @example openConnection({ url: 'redis://127.0.0.1:6379' }, 2000)
 */
export function openConnection(connection: Record<string, unknown>, commandTimeout: number): StoreConnection {
  if ('client' in connection) {
    const { client, ...rest } = connection
    if (!isClient(client)) throw new ConfigError('client', 'must be an ioredis Redis or Cluster instance')
    if (Object.keys(rest).length > 0) throw new ConfigError(Object.keys(rest)[0]!, 'cannot be combined with client: configure the client itself')
    rejectKeyPrefix(client.options as { keyPrefix?: string })
    return { client, owned: false, topology: client.isCluster ? 'cluster' : 'single' }
  }
  const { url, ...options } = connection as RedisOptions & { url?: unknown }
  rejectKeyPrefix(options)
  const settings = { ...ownedClientDefaults(commandTimeout, options.sentinels !== undefined), ...options }
  let client: Redis
  if (url !== undefined) {
    if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw new ConfigError('url', 'must be a redis:// or rediss:// URL')
    client = new Redis(url, settings)
  } else {
    client = new Redis(settings)
  }
  // Connection errors surface as typed errors on the calls; without a listener ioredis would
  // print each reconnect failure.
  client.on('error', () => {})
  return { client, owned: true, topology: 'single' }
}

/** ioredis' keyPrefix would prefix declared KEYS but not the keys scripts derive: refuse it. */
function rejectKeyPrefix(options: { keyPrefix?: string } | undefined): void {
  if (options?.keyPrefix) {
    throw new ConfigError('keyPrefix', 'is not supported (scripts derive keys Redis-side); use the store option prefix instead')
  }
}
