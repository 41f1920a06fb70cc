import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express, { type Express } from 'express'
import { apiRoutes } from './api-routes'
import type { StoreName } from './backends/types'
import { EventFeed } from './event-feed'
import { EventStream } from './event-stream'
import type { RuntimeOptions } from './runtime'
import { PlaygroundRuntime } from './runtime'
import { StatsSampler } from './stats-sampler'
import type { StrategyName } from './strategies'

/** Options of {@link startPlayground}. */
export interface PlaygroundOptions {
  /** The store at start. Default `memory` (needs nothing). */
  store?: StoreName
  /** The expiry strategy at start. Default `hybrid`. */
  strategy?: StrategyName
  /** Port on `host`; 0 picks a free one. Default 0. */
  port?: number
  /** Default `127.0.0.1`: the playground is not meant to face a network. */
  host?: string
  /** Credentials and URLs (REDIS_URL, UPSTASH_*, ZERODB_*, SESSION_KEY). Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Key prefix (and ZeroDB table name) in shared backends. Default `sessionkit-playground`. */
  prefix?: string
  /** Milliseconds between stats samples. Default 2000. */
  statsIntervalMs?: number
  /** Where the built page is. Default `web/dist` beside the server. */
  webRoot?: string
}

/** A running playground. */
export interface Playground {
  url: string
  app: Express
  runtime: PlaygroundRuntime
  close(): Promise<void>
}

const here = dirname(fileURLToPath(import.meta.url))

/**
 * Starts the playground: the JSON API, the event stream and the page, on the chosen store.
 * @example
 * const playground = await startPlayground({ port: 3000 })
 * console.log(playground.url)
 */
export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const stream = new EventStream()
  let sampler: StatsSampler | null = null
  const feed = new EventFeed((event) => {
    stream.send('session', event)
    sampler?.nudge()
  })
  const onConfig: RuntimeOptions['onConfig'] = (config) => {
    stream.send('config', config)
    sampler?.nudge(0)
  }
  const runtime = new PlaygroundRuntime({
    store: options.store ?? 'memory',
    strategy: options.strategy ?? 'hybrid',
    env: options.env ?? process.env,
    prefix: options.prefix ?? 'sessionkit-playground',
    feed,
    onConfig,
  })
  await runtime.start()
  sampler = new StatsSampler(
    { manager: () => runtime.manager(), store: () => runtime.store },
    (sample) => stream.send('stats', sample),
    { intervalMs: options.statsIntervalMs ?? 2000, keep: 150 },
  )
  sampler.start()

  const app = express()
  app.disable('x-powered-by')
  // The stream is mounted before the session layer: an open page must not keep its session alive.
  app.get('/api/events', (req, res) => stream.open(req, res, 'hello', { events: feed.recent(), stats: sampler!.samples() }))
  app.use('/api', apiRoutes(runtime))
  app.use(express.static(options.webRoot ?? join(here, '..', 'web', 'dist'), { index: 'index.html' }))

  const server: Server = createServer(app)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve)
    })
  } catch (error) {
    // The port is taken, say: leave nothing running behind the error.
    stream.close()
    await sampler.stop()
    await runtime.close()
    throw error
  }
  const { port } = server.address() as AddressInfo
  const host = options.host ?? '127.0.0.1'

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    app,
    runtime,
    async close() {
      stream.close()
      await sampler!.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await runtime.close()
    },
  }
}

/**
 * A prefix no other run uses, for tests that share a Redis.
 * @example startPlayground({ prefix: uniquePrefix() })
 */
export function uniquePrefix(): string {
  return `sessionkit-playground-${randomBytes(4).toString('hex')}`
}
