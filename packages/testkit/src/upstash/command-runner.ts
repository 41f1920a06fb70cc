/**
 * Runs REST commands on a real Redis through ioredis: one command, a pipeline (in order, not
 * atomic) or a MULTI/EXEC transaction. Replies come back as Buffers so binary and UTF-8 values
 * survive byte for byte; a Redis error reply is kept apart from "Redis is unreachable" because
 * the server answers the first with 400 and the second with 500.
 */
import { Redis } from 'ioredis'
import type { RestCommand } from './rest-command'

/** One entry of a pipeline or transaction answer. */
export type CommandOutcome = { ok: true; reply: unknown } | { ok: false; error: string }

/** Runs commands on one shared ioredis connection. */
export interface CommandRunner {
  /** One command; rejects with the Redis error reply, or with a connection error. */
  one(command: RestCommand): Promise<unknown>
  /** In order, not atomic; a command's error reply is its entry; a connection error rejects. */
  pipeline(commands: RestCommand[]): Promise<CommandOutcome[]>
  /** MULTI/EXEC; runtime errors are entries; a transaction Redis discards rejects with its error reply. */
  multiExec(commands: RestCommand[]): Promise<CommandOutcome[]>
  close(): Promise<void>
}

/**
 * True for an error reply from Redis itself (as opposed to a connection or timeout error).
 * @example isRedisErrorReply(await redis.call('evalsha', 'nope', '0').catch((e) => e)) // true
 */
export function isRedisErrorReply(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError'
}

/**
 * ioredis applies reply and argument transformers by exact command name (`hgetall` becomes an
 * object, which RESP2 over REST never is). Sending the name in upper case skips them; Redis
 * itself does not care about case.
 */
function wireName(command: RestCommand): string {
  return command.name.toUpperCase()
}

/**
 * Connects to `redisUrl`. Commands fail fast while Redis is unreachable (one reconnect attempt,
 * no endless offline queue) so the server can answer 500 instead of hanging.
 * @example const runner = createCommandRunner('redis://127.0.0.1:6379', 5000)
 */
export function createCommandRunner(redisUrl: string, commandTimeoutMs: number): CommandRunner {
  const redis = new Redis(redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: Math.min(commandTimeoutMs, 2000),
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    lazyConnect: true,
  })
  // Connection errors reach the callers through their commands; without a listener ioredis
  // would print every reconnect failure.
  redis.on('error', () => {})

  const call = (command: RestCommand): Promise<unknown> => redis.callBuffer(wireName(command), ...command.args)

  return {
    one: call,

    async pipeline(commands) {
      // Issued back to back on one connection: ioredis writes them in order, like a pipeline.
      const settled = await Promise.allSettled(commands.map(call))
      return settled.map((entry) => {
        if (entry.status === 'fulfilled') return { ok: true, reply: entry.value }
        if (isRedisErrorReply(entry.reason)) return { ok: false, error: entry.reason.message }
        throw entry.reason
      })
    },

    async multiExec(commands) {
      const transaction = redis.multi()
      for (const command of commands) transaction.callBuffer(wireName(command), ...command.args)
      const results = await transaction.exec()
      if (results === null) throw new Error('the transaction was aborted')
      return results.map(([error, reply]) =>
        error ? { ok: false, error: error.message } : { ok: true, reply },
      )
    },

    async close() {
      redis.disconnect()
    },
  }
}
