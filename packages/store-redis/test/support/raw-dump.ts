import type { Cluster, Redis } from 'ioredis'

/** Every key of a namespace on one node, by SCAN (fine in a test; the store never scans). */
async function keysOnNode(node: Redis, namespace: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', `{${namespace}:*`, 'COUNT', 1000)
    cursor = next
    keys.push(...batch)
  } while (cursor !== '0')
  return keys
}

/** A key's content as text: hash fields and values, set members, the string value. */
async function valueOf(node: Redis, key: string): Promise<string[]> {
  switch (await node.type(key)) {
    case 'hash':
      return node.hgetall(key).then((h) => Object.entries(h).flat())
    case 'zset':
      return node.zrange(key, 0, -1)
    case 'set':
      return node.smembers(key)
    case 'string':
      return node.get(key).then((v) => (v === null ? [] : [v]))
    default:
      return []
  }
}

/**
 * Every key and value stored under a namespace, as text, on a single Redis or every master of
 * a Cluster: the conformance suite's `rawDump` backdoor.
 * @example rawDump: ({ namespace }) => dumpNamespace(redis, namespace)
 */
export async function dumpNamespace(client: Redis | Cluster, namespace: string): Promise<string[]> {
  const nodes = 'nodes' in client && client.isCluster ? (client as Cluster).nodes('master') : [client as Redis]
  const out: string[] = []
  for (const node of nodes) {
    for (const key of await keysOnNode(node, namespace)) out.push(key, ...(await valueOf(node, key)))
  }
  return out
}
