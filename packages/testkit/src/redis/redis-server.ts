import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { requireBinaries } from './binaries'
import { freePort } from './ports'
import { spawnRedis, stopRedis } from './redis-process'

/** A throwaway redis-server started by {@link startRedisServer}. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** The server process's id while it runs (it changes on `restart`), else `null`. */
  readonly pid: number | null
  /** Stops the server abruptly (SIGKILL), as a crash would. Idempotent. */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. Resolves once it answers PING. */
  restart(): Promise<void>
  /** Stops it and removes its temporary directory. */
  destroy(): Promise<void>
}

/**
 * Starts a throwaway `redis-server` on a free loopback port (or `port`): no persistence, its own
 * temporary directory, nothing shared with other tests. For tests that count commands, stop
 * the server or need a clean keyspace.
 * @example
 * const redis = await startRedisServer()
 * afterAll(() => redis.destroy())
 * const store = new RedisStore({ url: redis.url })
 */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServerHandle> {
  requireBinaries('redis-server')
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-redis-'))
  let child: ChildProcess | null = await spawnRedis(port, dir)
  const stop = async () => {
    if (child) await stopRedis(child)
    child = null
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? null
    },
    stop,
    async restart() {
      await stop()
      child = await spawnRedis(port, dir)
    },
    async destroy() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
