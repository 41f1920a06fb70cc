import { ConfigError } from '@sessionkit/core'
import { z } from 'zod'

/** Options of {@link ZeroDbStore}. */
export interface ZeroDbStoreOptions {
  /** The ZeroDB project that holds the table (it is part of every URL). */
  projectId: string
  /** A ZeroDB API key with read and write access to the project; sent as `X-API-Key`. Never logged. */
  apiKey: string
  /** The table the sessions (and their locks) live in; created on first use. Default `'sessions'`. */
  tableName?: string
  /** The API root. Default `'https://api.ainative.studio'`. */
  baseUrl?: string
  /**
   * Milliseconds one store operation may take in total, retries and waits included; past it the
   * operation fails with `StoreUnavailableError`. Default 5000.
   */
  timeout?: number
  /** How many times a request is retried after a 429, a 5xx or a network error (when retrying is safe). Default 3. */
  retries?: number
  /** The first backoff in milliseconds; it doubles on each retry, with jitter. Default 100. */
  retryBaseDelay?: number
  /** The longest backoff in milliseconds (a `Retry-After` from the server wins over it). Default 2000. */
  retryMaxDelay?: number
}

/** The options with every default applied. */
export type ResolvedOptions = Required<ZeroDbStoreOptions>

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? `is required: ${what}` : `must be a string: ${what}`),
})

const schema = z.strictObject({
  projectId: z.string(required('the id of your ZeroDB project')).min(1, 'must be the id of your ZeroDB project').max(200),
  apiKey: z.string(required('a ZeroDB API key with access to the project')).min(1, 'must be a ZeroDB API key'),
  tableName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, _ or -')
    .default('sessions'),
  baseUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://api.ainative.studio' })
    .default('https://api.ainative.studio')
    .transform((url) => url.replace(/\/+$/, '')),
  timeout: z.number().int('must be whole milliseconds').positive('must be a positive number of milliseconds').default(5000),
  retries: z.number().int('must be a whole number').min(0, 'must be 0 or more').max(20, 'must be at most 20').default(3),
  retryBaseDelay: z.number().int().min(0).default(100),
  retryMaxDelay: z.number().int().min(0).default(2000),
})

/**
 * Checks the options at construction and applies the defaults; a bad option is a
 * `ConfigError` naming it (the API key's value never appears in a message).
 * @example resolveOptions({ projectId: 'p', apiKey: process.env.ZERODB_API_KEY! })
 */
export function resolveOptions(options: ZeroDbStoreOptions): ResolvedOptions {
  const result = schema.safeParse(options ?? {})
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const option = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || 'options'
  const message = issue.code === 'unrecognized_keys' ? 'unknown option' : issue.message
  throw new ConfigError(option, message)
}
