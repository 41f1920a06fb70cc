import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { ChildProcess } from 'node:child_process'
import { requireBinaries } from './binaries'
import { rawCommand, waitFor } from './ping'
import { freePort } from './ports'
import { spawnRedis, stopRedis } from './redis-process'

const run = promisify(execFile)

/** A node address as ioredis `Cluster` takes it. */
export interface ClusterNode {
  host: string
  port: number
}

/** A local Redis Cluster started by {@link startRedisCluster}. */
export interface RedisClusterHandle {
  /** The masters, as seed nodes for `new Cluster(nodes)`. */
  readonly nodes: ClusterNode[]
  /** Kills every node and removes their temporary directories. */
  stop(): Promise<void>
}

/**
 * Starts a real Redis Cluster on loopback: `masters` nodes (`redis-server --cluster-enabled yes`,
 * no persistence), joined with `redis-cli --cluster create … --cluster-replicas 0`, and resolves
 * once every node reports `cluster_state:ok`.
 * @example
 * const cluster = await startRedisCluster({ masters: 3 })
 * afterAll(() => cluster.stop())
 * const client = new Cluster(cluster.nodes)
 */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisClusterHandle> {
  requireBinaries('redis-server', 'redis-cli')
  const masters = options.masters ?? 3
  if (masters < 3) throw new Error('Redis Cluster needs at least 3 masters')
  const root = mkdtempSync(join(tmpdir(), 'sessionkit-cluster-'))
  const children: ChildProcess[] = []
  const nodes: ClusterNode[] = []
  const stop = async () => {
    await Promise.all(children.map((child) => stopRedis(child)))
    rmSync(root, { recursive: true, force: true })
  }
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort({ clusterBus: true })
      const dir = join(root, String(port))
      mkdirSync(dir)
      children.push(
        await spawnRedis(port, dir, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '3000']),
      )
      nodes.push({ host: '127.0.0.1', port })
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: 30_000 },
    )
    await waitFor(
      async () => {
        const infos = await Promise.all(nodes.map((n) => rawCommand(n.port, 'CLUSTER INFO')))
        return infos.every((info) => info?.includes('cluster_state:ok') ?? false)
      },
      30_000,
      'the local Redis Cluster did not reach cluster_state:ok within 30 s',
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { nodes, stop }
}
