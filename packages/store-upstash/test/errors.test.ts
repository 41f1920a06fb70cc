import { ConfigError, StoreError, StoreUnavailableError } from '@sessionkit/core'
import { describe, expect, it } from 'vitest'
import { redact, toTypedError, UpstashReplyError } from '../src/errors'

/** An error shaped as @upstash/redis throws it for a non-2xx answer. */
function upstashError(message: string): Error {
  const error = new Error(message)
  error.name = 'UpstashError'
  return error
}

describe('error classification', () => {
  it('strips the request body the client appends, and arguments Redis quotes', () => {
    expect(redact('ERR boom, command was: ["evalsha","abc",2,"{sk:1}:s:id","payload"]')).toBe('ERR boom')
    expect(redact("ERR unknown command 'FOO', with args beginning with: 'secret' ")).toBe("ERR unknown command 'FOO'")
  })

  it('maps each kind of failure to the error an app can act on', () => {
    const cases: Array<[unknown, new (...args: never[]) => Error]> = [
      [upstashError('Unauthorized, command was: ["get","k"]'), ConfigError],
      [upstashError('WRONGPASS invalid or missing auth token'), ConfigError],
      [upstashError('Internal server error, command was: []'), StoreUnavailableError],
      [upstashError('ERR max daily request limit exceeded. Limit: 10000'), StoreUnavailableError],
      [new UpstashReplyError('LOADING Redis is loading the dataset in memory'), StoreUnavailableError],
      [new UpstashReplyError('READONLY You cannot write against a read only replica.'), StoreUnavailableError],
      [new TypeError('fetch failed'), StoreUnavailableError],
      [Object.assign(new Error('Unable to parse response body: <html>'), { name: 'UpstashJSONParseError' }), StoreUnavailableError],
      [upstashError('WRONGTYPE Operation against a key holding the wrong kind of value'), StoreError],
      [new UpstashReplyError('ERR Error running script: user_script:3: bad'), StoreError],
    ]
    for (const [error, type] of cases) {
      const typed = toTypedError(error, 'get', 1000)
      expect(typed, String((error as Error).message)).toBeInstanceOf(type)
      expect(typed.operation).toBe('get')
      expect(typed.message).not.toContain('command was')
    }
  })
})
