/**
 * A local HTTP server that speaks the Upstash REST protocol as `@upstash/redis` uses it
 * (../../../../shared/specs/upstash-rest.md) and runs every command on a real Redis. Tests and
 * the playground point the official client at it; it counts requests and commands and can
 * inject latency, 500s and dropped connections.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createCommandRunner, isRedisErrorReply, type CommandOutcome } from './command-runner'
import { createCounters, type UpstashCounters } from './counters'
import { createFaults, type UpstashFaults } from './faults'
import { encodeReply, type JsonReply } from './reply-encoding'
import { parseCommand, parseCommandList, RestCommandError } from './rest-command'

/** Options of {@link startUpstashServer}. */
export interface UpstashServerOptions {
  /** The Redis that runs the commands. Default `process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'`. */
  redisUrl?: string
  /** The bearer token clients must send. Default: a fresh random token. */
  token?: string
  /** Port on 127.0.0.1. Default 0: a free port. */
  port?: number
  /** Serve FLUSHALL and FLUSHDB. Default false, because the Redis behind the server is usually shared. */
  allowFlush?: boolean
  /** Largest request body accepted, in bytes (Upstash: 10 MB). Larger bodies answer 413. */
  maxRequestBytes?: number
  /** Bound on each Redis call in milliseconds; a Redis that does not answer in time gives a 500. Default 5000. */
  redisTimeoutMs?: number
}

/** A running server. */
export interface UpstashServer {
  /** Base URL for the client, e.g. `http://127.0.0.1:53122`. */
  url: string
  /** The bearer token the server accepts. */
  token: string
  port: number
  /** Requests by route, commands by name, answers by status. */
  counters: UpstashCounters
  /** Latency, 500s and dropped connections on demand. */
  faults: UpstashFaults
  /** Zeroes the counters and clears the faults (never touches Redis data). */
  reset(): void
  /** Stops listening, ends open connections and disconnects from Redis. */
  close(): Promise<void>
}

type Route = '/' | '/pipeline' | '/multi-exec'
const ROUTES = new Set<string>(['/', '/pipeline', '/multi-exec'])

interface Answer {
  status: number
  body: unknown
}

class BodyTooLargeError extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new BodyTooLargeError())
        request.resume()
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`)
  const given = Buffer.from(header ?? '')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function outcomeToJson(outcome: CommandOutcome, base64: boolean): { result: JsonReply } | { error: string } {
  return outcome.ok ? { result: encodeReply(outcome.reply, base64) } : { error: outcome.error }
}

/**
 * Starts the server on 127.0.0.1.
 * @example
 * const server = await startUpstashServer()
 * const redis = new Redis({ url: server.url, token: server.token })
 * await redis.set('k', 'v')
 * server.counters.snapshot().commands.byName.set // 1
 * await server.close()
 */
export async function startUpstashServer(options: UpstashServerOptions = {}): Promise<UpstashServer> {
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const token = options.token ?? randomBytes(24).toString('base64url')
  const allowFlush = options.allowFlush ?? false
  const maxRequestBytes = options.maxRequestBytes ?? 10 * 1024 * 1024
  const runner = createCommandRunner(redisUrl, options.redisTimeoutMs ?? 5000)
  const counters = createCounters()
  const faults = createFaults()
  const sleeping = new Set<() => void>()
  let closing = false
  let syncToken = 0

  /** A latency fault that ends early when the server closes, so close() never waits on it. */
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        sleeping.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      sleeping.add(wake)
    })

  async function run(route: Route, body: unknown, base64: boolean): Promise<Answer> {
    if (route === '/') {
      const command = parseCommand(body, { allowFlush })
      counters.countCommands([command.name])
      try {
        return { status: 200, body: { result: encodeReply(await runner.one(command), base64) } }
      } catch (error) {
        if (isRedisErrorReply(error)) return { status: 400, body: { error: error.message } }
        throw error
      }
    }
    const commands = parseCommandList(body, { allowFlush })
    counters.countCommands(commands.map((command) => command.name))
    if (route === '/pipeline') {
      const outcomes = await runner.pipeline(commands)
      return { status: 200, body: outcomes.map((outcome) => outcomeToJson(outcome, base64)) }
    }
    try {
      const outcomes = await runner.multiExec(commands)
      return { status: 200, body: outcomes.map((outcome) => outcomeToJson(outcome, base64)) }
    } catch (error) {
      // A transaction Redis discarded as a whole (EXECABORT): the client expects a 400 here.
      if (isRedisErrorReply(error)) return { status: 400, body: { error: error.message } }
      throw error
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname
    const route = ROUTES.has(path) ? (path as Route) : null
    counters.countRequest(route ?? path)

    const send = (answer: Answer): void => {
      if (response.destroyed) return
      counters.countResponse(answer.status)
      syncToken += 1
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        'upstash-sync-token': String(syncToken),
      })
      response.end(JSON.stringify(answer.body))
    }
    const drop = (): void => {
      counters.countResponse('dropped')
      request.socket.destroy()
    }

    let raw: Buffer
    try {
      raw = await readBody(request, maxRequestBytes)
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        send({ status: 413, body: { error: `ERR max request size exceeded: limit is ${maxRequestBytes} bytes` } })
      }
      return
    }

    const fault = faults.decide()
    if (fault.latencyMs > 0) await sleep(fault.latencyMs)
    if (closing) return drop()
    if (fault.outcome === 'drop-before') return drop()
    if (fault.outcome === 'status500') return send({ status: 500, body: { error: 'Internal server error (injected fault)' } })

    if (!tokenMatches(request.headers.authorization, token)) return send({ status: 401, body: { error: 'Unauthorized' } })
    if (route === null) return send({ status: 404, body: { error: `Not found: ${path}` } })
    if (request.method !== 'POST') return send({ status: 405, body: { error: 'Method not allowed: use POST' } })

    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      return send({ status: 400, body: { error: 'ERR the request body is not valid JSON' } })
    }

    const base64 = String(request.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64'
    let answer: Answer
    try {
      answer = await run(route, body, base64)
    } catch (error) {
      if (error instanceof RestCommandError) return send({ status: 400, body: { error: error.message } })
      // Anything that is not a Redis error reply means Redis could not be reached or timed out.
      const reason = error instanceof Error ? error.message : String(error)
      return send({ status: 500, body: { error: `Redis is unavailable: ${reason}` } })
    }
    if (fault.outcome === 'drop-after') return drop()
    send(answer)
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent || response.destroyed) return
      response.writeHead(500, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: `Internal server error: ${error instanceof Error ? error.message : String(error)}` }))
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    port,
    counters,
    faults,
    reset() {
      counters.reset()
      faults.clear()
    },
    async close() {
      closing = true
      for (const wake of [...sleeping]) wake()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      await runner.close()
    },
  }
}
