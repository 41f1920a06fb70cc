import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { rawCommand, waitFor } from './ping'

const running = new Set<ChildProcess>()
let exitHookInstalled = false

/** Kills every redis-server this process started when it exits, even after a crashed test. */
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL')
  })
}

/** How {@link spawnRedis} starts a server, beyond its port and directory. */
export interface SpawnRedisOptions {
  /**
   * A config file to load; redis-server reads it only as its first argument. Sentinel needs one
   * (it rewrites it with what it learns).
   */
  configFile?: string
  /** What the error messages call this process, e.g. `the Sentinel`. Default `redis-server`. */
  label?: string
}

/**
 * Starts `redis-server` on 127.0.0.1:`port` with no persistence, working in `dir` (log in
 * `dir/redis.log`), and resolves once it answers PING.
 * @example const child = await spawnRedis(port, dir, ['--cluster-enabled', 'yes'])
 */
export async function spawnRedis(
  port: number,
  dir: string,
  extraArgs: string[] = [],
  options: SpawnRedisOptions = {},
): Promise<ChildProcess> {
  installExitHook()
  const label = options.label ?? 'redis-server'
  const log = openSync(join(dir, 'redis.log'), 'a')
  const configFile = options.configFile === undefined ? [] : [options.configFile]
  const args = [...configFile, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs]
  const child = spawn('redis-server', args, { stdio: ['ignore', log, log] })
  closeSync(log)
  running.add(child)
  child.once('exit', () => running.delete(child))
  let exited = false
  child.once('exit', () => (exited = true))
  await waitFor(
    async () => {
      if (exited) throw new Error(`${label} on port ${port} exited at start; see ${join(dir, 'redis.log')}`)
      return (await rawCommand(port, 'PING')) === '+PONG\r\n'
    },
    10_000,
    `${label} on port ${port} did not answer PING within 10 s; see ${join(dir, 'redis.log')}`,
  )
  return child
}

/**
 * Stops a redis-server and resolves when it has exited. SIGKILL by default: the fault tests
 * want an abrupt loss, and there is nothing to save.
 * @example await stopRedis(child)
 */
export function stopRedis(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill(signal)
  })
}
