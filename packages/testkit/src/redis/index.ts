/**
 * Real Redis servers for tests: the shared one ({@link redisUrl}), throwaway ones
 * ({@link startRedisServer}), a local Cluster ({@link startRedisCluster}) and a local Sentinel
 * setup ({@link startRedisSentinel}).
 */
export { startRedisServer, type RedisServerHandle } from './redis-server'
export { startRedisCluster, type ClusterNode, type RedisClusterHandle } from './redis-cluster'
export { startRedisSentinel, type FailoverOptions, type RedisSentinelHandle, type SentinelAddress } from './redis-sentinel'
export { requireBinaries } from './binaries'

/**
 * The Redis the tests use: REDIS_URL when set (the root test command sets it), else
 * 127.0.0.1:6379.
 * @example const store = new RedisStore({ url: redisUrl(), prefix })
 */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
}
