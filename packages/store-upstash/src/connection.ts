import { ConfigError } from '@sessionkit/core'
import { Redis, type Requester } from '@upstash/redis'
import { ENV_TOKEN, ENV_URL, type UpstashConnection } from './options'

/** What the store talks to: the client's HTTP layer, and whether the store owns the client. */
export interface Connection {
  requester: Requester
  /** True when the store built the client (from url/token or the environment). */
  owned: boolean
}

const credentialsHint = `set ${ENV_URL} and ${ENV_TOKEN} to the REST URL and REST token of the same database (Upstash console → your database → REST API)`

function nonEmpty(value: unknown, option: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(option, `must be a non-empty string; ${credentialsHint}`)
  return value.trim()
}

/**
 * The client's `Requester` (its HTTP layer: fetch, auth header, base64 decoding, retries on a
 * failed fetch). `Redis` keeps it in a protected field; reading it lets the store send exactly
 * the commands it means, untouched by `automaticDeserialization` or auto-pipelining.
 */
function requesterOf(client: unknown): Requester {
  const requester = (client as { client?: Partial<Requester> } | null)?.client
  if (!requester || typeof requester.request !== 'function') {
    throw new ConfigError('client', 'must be a Redis instance from @upstash/redis (new Redis({ url, token }) or Redis.fromEnv())')
  }
  return requester as Requester
}

function buildClient(url: string, token: string, retries: number): Redis {
  try {
    return new Redis({
      url,
      token,
      // The store reads raw strings; JSON.parse on replies would reshape payloads.
      automaticDeserialization: false,
      // One request per operation, sent now: batching operations together would tie their
      // failures together without saving a billed command.
      enableAutoPipelining: false,
      // Retries only follow a fetch that threw; writes are idempotent, so a retry is harmless.
      retry: { retries, backoff: (attempt) => Math.min(25 * 2 ** attempt, 200) },
    })
  } catch (error) {
    throw new ConfigError('url', `is not a valid Upstash REST URL (https://…upstash.io); ${credentialsHint}`, { cause: error })
  }
}

/**
 * Resolves the connection argument of the store into a requester.
 * @example const { requester } = connect({ url, token }, 2)
 */
export function connect(connection: UpstashConnection, retries: number, env: NodeJS.ProcessEnv = process.env): Connection {
  if (connection === null || typeof connection !== 'object') {
    throw new ConfigError('connection', 'expected { url, token }, { client } or { fromEnv: true }')
  }
  if ('client' in connection) return { requester: requesterOf(connection.client), owned: false }
  if ('fromEnv' in connection) {
    const url = env[ENV_URL] || env.KV_REST_API_URL
    const token = env[ENV_TOKEN] || env.KV_REST_API_TOKEN
    if (!url) throw new ConfigError(ENV_URL, `is not set; ${credentialsHint}`)
    if (!token) throw new ConfigError(ENV_TOKEN, `is not set; ${credentialsHint}`)
    return { requester: requesterOf(buildClient(url.trim(), token.trim(), retries)), owned: true }
  }
  const url = nonEmpty((connection as { url?: unknown }).url, 'url')
  const token = nonEmpty((connection as { token?: unknown }).token, 'token')
  return { requester: requesterOf(buildClient(url, token, retries)), owned: true }
}
