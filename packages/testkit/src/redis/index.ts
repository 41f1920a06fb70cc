/**
 * The Redis the tests use: REDIS_URL when set (the root test command sets it), else
 * 127.0.0.1:6379. The cluster launcher lives beside this file.
 */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
}
