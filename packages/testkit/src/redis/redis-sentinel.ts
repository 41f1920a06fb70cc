import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { requireBinaries } from './binaries'
import { rawCommand, waitFor } from './ping'
import { freePort } from './ports'
import { spawnRedis, stopRedis } from './redis-process'

/** A Sentinel address as ioredis takes it in `sentinels`. */
export interface SentinelAddress {
  host: string
  port: number
}

/** A local master, replica and Sentinel started by {@link startRedisSentinel}. */
export interface RedisSentinelHandle {
  /** The one Sentinel, for `new Redis({ sentinels, name })`. */
  readonly sentinels: SentinelAddress[]
  /** The monitored master's name: `mymaster`. */
  readonly name: string
  /** Port of the server that is the master now (it changes with {@link failover}). */
  readonly masterPort: number
  /** Port of the server that is the replica now (it changes with {@link failover}). */
  readonly replicaPort: number
  /**
   * Asks the Sentinel to fail over (`SENTINEL FAILOVER`) once the replica has every write of the
   * master, and resolves when the Sentinel names the former replica as master and the former
   * master, demoted by the Sentinel (which also drops its clients), replicates from it. The
   * demotion is Sentinel's own pace: about 10 s after the switch. With
   * `{ waitForDemotion: false }` it resolves as soon as the Sentinel names the new master, while
   * the former master still accepts writes; a later failover then needs the demotion to have
   * happened, as it waits (at most 10 s) for a caught-up replica.
   * @example await sentinel.failover({ waitForDemotion: false })
   */
  failover(options?: FailoverOptions): Promise<void>
  /** Kills the three servers and removes their temporary directory. */
  stop(): Promise<void>
}

/** Options of {@link RedisSentinelHandle.failover}. */
export interface FailoverOptions {
  /** Wait until the former master is demoted and replicates from the new one. Default `true`. */
  waitForDemotion?: boolean
}

const NAME = 'mymaster'

/** The master port a Sentinel names for {@link NAME}, or null when it names none (yet). */
async function namedMasterPort(sentinelPort: number): Promise<number | null> {
  const reply = await rawCommand(sentinelPort, `SENTINEL get-master-addr-by-name ${NAME}`)
  const match = /^\*2\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n(\d+)\r\n$/.exec(reply ?? '')
  return match ? Number(match[1]) : null
}

/** The `INFO replication` text of a server, or '' when it does not answer. */
async function replicationInfo(port: number): Promise<string> {
  return (await rawCommand(port, 'INFO replication')) ?? ''
}

/** A field of INFO text, e.g. `role` → `master`. */
function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*?)\\r?$`, 'm').exec(info)?.[1]
}

/** True when `master` has exactly one online replica, the one on `replicaPort`, fully caught up. */
async function replicaCaughtUp(masterPort: number, replicaPort: number): Promise<boolean> {
  const info = await replicationInfo(masterPort)
  const replica = infoField(info, 'slave0') ?? ''
  return (
    infoField(info, 'role') === 'master' &&
    infoField(info, 'connected_slaves') === '1' &&
    replica.includes(`port=${replicaPort},state=online`) &&
    replica.includes(`offset=${infoField(info, 'master_repl_offset')},`)
  )
}

/** True when the Sentinel lists the replica on `replicaPort` and considers it usable. */
async function sentinelKnowsReplica(sentinelPort: number, replicaPort: number): Promise<boolean> {
  const reply = (await rawCommand(sentinelPort, `SENTINEL REPLICAS ${NAME}`)) ?? ''
  const flags = /\$5\r\nflags\r\n\$\d+\r\n([^\r]*)\r\n/.exec(reply)?.[1]
  return reply.includes(`127.0.0.1:${replicaPort}`) && flags === 'slave'
}

/**
 * Starts Redis Sentinel on loopback, on free ports: a master, one replica
 * (`--replicaof 127.0.0.1 <master>`) and one Sentinel (redis-server `--sentinel`, quorum 1,
 * `down-after-milliseconds` 1000, `failover-timeout` 5000), no persistence, all in one temporary
 * directory. Resolves once the replica is in sync and the Sentinel names the master and knows the
 * replica, so {@link RedisSentinelHandle.failover} can promote it at once.
 * @example
 * const sentinel = await startRedisSentinel()
 * afterAll(() => sentinel.stop())
 * const store = new RedisStore({ sentinels: sentinel.sentinels, name: sentinel.name })
 */
export async function startRedisSentinel(): Promise<RedisSentinelHandle> {
  requireBinaries('redis-server')
  const root = mkdtempSync(join(tmpdir(), 'sessionkit-sentinel-'))
  const children: ChildProcess[] = []
  const stop = async () => {
    await Promise.all(children.map((child) => stopRedis(child)))
    rmSync(root, { recursive: true, force: true })
  }
  const dirOf = (role: string) => {
    const dir = join(root, role)
    mkdirSync(dir)
    return dir
  }

  // Either server may be master (failover swaps them): a full sync starts at once instead of the
  // default 5 s wait for more replicas to join.
  const syncAtOnce = ['--repl-diskless-sync-delay', '0']
  let masterPort = 0
  let replicaPort = 0
  let sentinelPort = 0
  try {
    masterPort = await freePort()
    children.push(await spawnRedis(masterPort, dirOf('master'), syncAtOnce, { label: 'the Sentinel test master (redis-server)' }))

    replicaPort = await freePort()
    const replicaDir = dirOf('replica')
    children.push(
      await spawnRedis(replicaPort, replicaDir, [...syncAtOnce, '--replicaof', '127.0.0.1', String(masterPort)], {
        label: 'the Sentinel test replica (redis-server)',
      }),
    )
    await waitFor(
      () => replicaCaughtUp(masterPort, replicaPort),
      15_000,
      `the replica on port ${replicaPort} did not get in sync with the master on port ${masterPort} within 15 s; ` +
        `see ${join(replicaDir, 'redis.log')}`,
    )

    // Started after the replica is in sync, so the Sentinel's first look at the master finds it
    // (otherwise it learns of replicas only at its next INFO, 10 s later).
    sentinelPort = await freePort()
    const sentinelDir = dirOf('sentinel')
    const configFile = join(sentinelDir, 'sentinel.conf')
    writeFileSync(
      configFile,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `sentinel monitor ${NAME} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 5000`,
        '',
      ].join('\n'),
    )
    children.push(await spawnRedis(sentinelPort, sentinelDir, ['--sentinel'], { configFile, label: 'the Sentinel (redis-server --sentinel)' }))
    await waitFor(
      async () => (await namedMasterPort(sentinelPort)) === masterPort && (await sentinelKnowsReplica(sentinelPort, replicaPort)),
      15_000,
      `the Sentinel on port ${sentinelPort} did not name the master on port ${masterPort} and know the replica on port ` +
        `${replicaPort} within 15 s; see ${join(sentinelDir, 'redis.log')}`,
    )
  } catch (error) {
    await stop()
    throw error
  }

  return {
    sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
    name: NAME,
    get masterPort() {
      return masterPort
    },
    get replicaPort() {
      return replicaPort
    },
    async failover({ waitForDemotion = true }: FailoverOptions = {}) {
      const [from, to] = [masterPort, replicaPort]
      // Replication is asynchronous: promote only a replica that has every acknowledged write.
      await waitFor(() => replicaCaughtUp(from, to), 10_000, `the replica on port ${to} did not catch up with the master on port ${from} within 10 s`)
      const reply = await rawCommand(sentinelPort, `SENTINEL FAILOVER ${NAME}`)
      if (reply !== '+OK\r\n') throw new Error(`the Sentinel on port ${sentinelPort} refused to fail over: ${reply?.trim() ?? 'no answer'}`)
      await waitFor(
        async () => (await namedMasterPort(sentinelPort)) === to,
        15_000,
        `the Sentinel on port ${sentinelPort} did not name the replica on port ${to} as master within 15 s after SENTINEL FAILOVER`,
      )
      masterPort = to
      replicaPort = from
      if (!waitForDemotion) return
      await waitFor(
        async () => {
          const info = await replicationInfo(from)
          return infoField(info, 'role') === 'slave' && infoField(info, 'master_port') === String(to) && infoField(info, 'master_link_status') === 'up'
        },
        30_000,
        `the former master on port ${from} did not become a replica of port ${to} within 30 s after the failover`,
      )
    },
    stop,
  }
}
