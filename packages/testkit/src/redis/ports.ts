import { createServer } from 'node:net'

/** True when nothing listens on `port` of 127.0.0.1. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/**
 * A free loopback port. With `clusterBus`, `port + 10000` (the cluster bus port Redis derives)
 * is free too.
 * @example const port = await freePort({ clusterBus: true })
 */
export async function freePort(options: { clusterBus?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 35_000)
    if ((await isFree(port)) && (!options.clusterBus || (await isFree(port + 10_000)))) return port
  }
  throw new Error('no free loopback port found after 200 attempts')
}
