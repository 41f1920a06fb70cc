import { withTimeout } from '@sessionkit/core'
import type { RedisCall, ScriptCall } from '@sessionkit/redis-scripts'
import type { Requester } from '@upstash/redis'
import { isNoScript, RequestTimeoutError, STORE_NAME, toTypedError, UpstashReplyError } from './errors'

/**
 * Sends the shared calls of `@sessionkit/redis-scripts` over Upstash REST, one HTTP request
 * each. A script goes as EVAL the first time this process uses it (which also loads it into
 * the script cache) and as EVALSHA afterwards, so no operation pays the NOSCRIPT → EVAL round
 * trip of the usual "EVALSHA first" helpers. If the cache was flushed since (a failover, SCRIPT
 * FLUSH), EVALSHA answers NOSCRIPT and the same operation falls back to EVAL once.
 */
export class ScriptRunner {
  private readonly loaded = new Set<string>()
  /**
   * Scripts that met NOSCRIPT again after an EVAL had loaded them: a server whose EVAL does not
   * fill the script cache. They stay on EVAL, one request each, instead of paying two.
   */
  private readonly evalOnly = new Set<string>()
  private readonly missedAfterLoad = new Set<string>()

  constructor(
    private readonly requester: Requester,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Runs one call within the timeout and parses its reply; failures are typed sessionkit errors.
   * @example const record = await runner.run(touchCall(keys, id, options), 'touch')
   */
  async run<R>(call: RedisCall<R>, operation: string): Promise<R> {
    // One deadline for the whole operation: the client's retries and a NOSCRIPT fallback
    // included. The abort also ends the fetch, so no socket outlives the timeout.
    const signal = AbortSignal.timeout(this.timeoutMs)
    try {
      const reply = await withTimeout(
        call.kind === 'command' ? this.send(call.command, signal) : this.script(call, signal),
        this.timeoutMs,
        STORE_NAME,
        operation,
      )
      return call.parse(reply)
    } catch (error) {
      throw toTypedError(error, operation, this.timeoutMs)
    }
  }

  private async script<R>(call: ScriptCall<R>, signal: AbortSignal): Promise<unknown> {
    const { script, keys, args } = call
    const tail = [String(keys.length), ...keys, ...args]
    if (this.loaded.has(script.sha1)) {
      try {
        return await this.send(['evalsha', script.sha1, ...tail], signal)
      } catch (error) {
        if (!isNoScript(error)) throw error
        this.loaded.delete(script.sha1)
        if (this.missedAfterLoad.has(script.sha1)) this.evalOnly.add(script.sha1)
        this.missedAfterLoad.add(script.sha1)
      }
    }
    const reply = await this.send(['eval', script.source, ...tail], signal)
    if (!this.evalOnly.has(script.sha1)) this.loaded.add(script.sha1)
    return reply
  }

  private async send(command: string[], signal: AbortSignal): Promise<unknown> {
    const response = await this.requester.request<unknown>({ body: command, signal })
    // When a plain AbortSignal fires, the client answers a made-up `{ result: <reason> }`
    // instead of throwing: never mistake that for Redis' answer.
    if (signal.aborted) throw new RequestTimeoutError('the request was aborted at the deadline')
    if (response.error) throw new UpstashReplyError(response.error)
    return response.result ?? null
  }
}
