/**
 * Turning a REST request body into Redis commands, the way Upstash reads it: a command is a JSON
 * array, name first; numbers, booleans and null arrive as JSON values and become Redis
 * arguments. Commands Upstash does not serve over REST are refused before they reach Redis.
 */

/** One command ready for Redis: lower-case name (for counting) and string arguments. */
export interface RestCommand {
  name: string
  args: string[]
}

/** A request the server refuses with 400 and this Redis-style message. */
export class RestCommandError extends Error {
  override readonly name = 'RestCommandError'
}

/**
 * Not served over REST (spec: no WATCH/UNWATCH/DISCARD, no blocking commands, no SELECT, no
 * pub/sub on these routes), plus connection-state commands that would break the one connection
 * the server shares between all requests (HELLO would switch it to RESP3, CLIENT REPLY OFF
 * would silence it).
 */
const REFUSED = new Set([
  'select', 'swapdb', 'multi', 'exec', 'discard', 'watch', 'unwatch',
  'blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'wait', 'waitaof',
  'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'monitor',
  'hello', 'auth', 'client', 'quit', 'reset', 'sync', 'psync', 'replicaof', 'slaveof', 'shutdown', 'debug',
])

/** Wipes every key: refused unless the server was started with `allowFlush`, because the Redis is shared. */
const FLUSHES = new Set(['flushall', 'flushdb'])

/**
 * A JSON argument as Redis receives it: strings as they are, numbers and booleans as their text,
 * null as the text the client itself would send for it (`JSON.stringify(null)`).
 * @example toRedisArgument(60000) // '60000'
 */
export function toRedisArgument(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RestCommandError('ERR invalid argument: not a finite number')
    return String(value)
  }
  if (typeof value === 'boolean') return String(value)
  if (value === null) return 'null'
  throw new RestCommandError('ERR invalid argument: expected a string, number, boolean or null')
}

/**
 * Reads one command from its JSON form.
 * @example parseCommand(['set', 'k', 'v', 'px', 60000]) // { name: 'set', args: ['k', 'v', 'px', '60000'] }
 */
export function parseCommand(raw: unknown, options: { allowFlush: boolean }): RestCommand {
  if (!Array.isArray(raw) || raw.length === 0 || typeof raw[0] !== 'string' || raw[0] === '') {
    throw new RestCommandError('ERR a command is a non-empty JSON array whose first element is the command name')
  }
  const name = raw[0].toLowerCase()
  if (REFUSED.has(name)) throw new RestCommandError(`ERR Command is not available over REST: '${name}'`)
  if (FLUSHES.has(name) && !options.allowFlush) {
    throw new RestCommandError(`ERR '${name}' is disabled on this test server: the Redis behind it is shared`)
  }
  return { name, args: raw.slice(1).map(toRedisArgument) }
}

/**
 * Reads the body of `/pipeline` or `/multi-exec`: a non-empty array of commands.
 * @example parseCommandList([['get', 'a'], ['incr', 'b']], { allowFlush: false }).length // 2
 */
export function parseCommandList(raw: unknown, options: { allowFlush: boolean }): RestCommand[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new RestCommandError('ERR a pipeline is a non-empty JSON array of commands')
  }
  return raw.map((command) => parseCommand(command, options))
}
