/**
 * The store's closing signal lives as long as the store, and every request and retry wait must
 * stop when it fires. Each of them used to add its own `abort` listener to that one signal, so
 * 11 requests in flight at once (any busy app) printed Node's
 * "MaxListenersExceededWarning: Possible EventTarget memory leak detected". The closing signal
 * must carry one listener however many requests are in flight, and none may stay behind after
 * a request ends, whether it succeeded, failed or timed out.
 */
import { getEventListeners } from 'node:events'
import { ClosedError, ConfigError, StoreUnavailableError } from '@sessionkit/core'
import { afterEach, describe, expect, it } from 'vitest'
import { type Call, type RequestSpec, ZeroDbHttp } from '../src/http-client'
import { resolveOptions, type ZeroDbStoreOptions } from '../src/options'
import { makeRecord, rejection, useEmulator } from './helpers'

const LIST_TABLES: RequestSpec = { method: 'GET', path: '/tables', idempotent: true }

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length

/** Node's max-listeners warnings printed while `run` goes. */
async function leakWarnings(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = []
  const onWarning = (warning: Error) => {
    if (warning.name === 'MaxListenersExceededWarning') seen.push(warning.message)
  }
  process.on('warning', onWarning)
  try {
    await run()
    // process.emitWarning delivers on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', onWarning)
  }
  return seen
}

describe('ZeroDB store: abort listeners on the closing signal', () => {
  const zerodb = useEmulator()
  const closers: AbortController[] = []
  afterEach(() => {
    for (const closer of closers.splice(0)) closer.abort()
  })

  /** An HTTP client on the emulator whose closing signal the test holds. */
  function client(options: Partial<ZeroDbStoreOptions> = {}) {
    const { baseUrl, apiKey, projectId } = zerodb.emulator
    const closing = new AbortController()
    closers.push(closing)
    const http = new ZeroDbHttp(
      resolveOptions({ baseUrl, apiKey, projectId, retryBaseDelay: 5, retryMaxDelay: 50, ...options }),
      closing.signal,
    )
    const call = (operation = 'test'): Call => ({ operation, deadline: Date.now() + (options.timeout ?? 5000) })
    return { http, closing, call }
  }

  it('40 concurrent store calls print no MaxListenersExceededWarning', async () => {
    const store = zerodb.store()
    const now = Date.now()
    await store.get(makeRecord(now).id, now) // creates the table
    zerodb.emulator.faults.latency(50) // keeps every request in flight at the same time
    const warnings = await leakWarnings(() =>
      Promise.all(Array.from({ length: 40 }, () => store.get(makeRecord(now).id, now))),
    )
    expect(warnings).toEqual([])
  })

  it('the closing signal carries one listener however many requests are in flight', async () => {
    const { http, closing, call } = client()
    const baseline = listeners(closing.signal)
    zerodb.emulator.faults.latency(100)
    let most = 0
    const watch = setInterval(() => (most = Math.max(most, listeners(closing.signal))), 5)
    try {
      await Promise.all(Array.from({ length: 25 }, () => http.request(call(), LIST_TABLES)))
    } finally {
      clearInterval(watch)
    }
    expect(most, 'the watch ran while requests were in flight').toBeGreaterThan(0)
    expect(most).toBeLessThanOrEqual(1)
    expect(listeners(closing.signal)).toBe(baseline)
  })

  it('no listener stays behind after many requests that succeed', async () => {
    const { http, closing, call } = client()
    const baseline = listeners(closing.signal)
    for (let i = 0; i < 30; i++) expect((await http.request(call(), LIST_TABLES)).status).toBe(200)
    expect(listeners(closing.signal)).toBe(baseline)
  })

  it('no listener stays behind after requests that fail: rejected key, 5xx and dropped connections after retries', async () => {
    const { http, closing, call } = client({ retries: 2 })
    const baseline = listeners(closing.signal)
    const wrongKey = client({ apiKey: 'not-the-key' })
    const wrongKeyBaseline = listeners(wrongKey.closing.signal)
    for (let i = 0; i < 12; i++) {
      expect(await rejection(wrongKey.http.request(wrongKey.call(), LIST_TABLES))).toBeInstanceOf(ConfigError)
      zerodb.emulator.faults.serverError(3, { status: 503 })
      expect(await rejection(http.request(call(), LIST_TABLES))).toBeInstanceOf(StoreUnavailableError)
      zerodb.emulator.faults.dropConnection(3)
      expect(await rejection(http.request(call(), LIST_TABLES))).toBeInstanceOf(StoreUnavailableError)
    }
    expect(zerodb.emulator.faults.hits()).toMatchObject({ serverErrors: 36, dropped: 36 }) // every attempt met its fault
    expect(listeners(closing.signal)).toBe(baseline)
    expect(listeners(wrongKey.closing.signal)).toBe(wrongKeyBaseline)
  })

  it('no listener stays behind after requests that time out', async () => {
    const { http, closing, call } = client({ timeout: 100 })
    const baseline = listeners(closing.signal)
    zerodb.emulator.faults.latency(400)
    const errors = await Promise.all(Array.from({ length: 15 }, () => rejection(http.request(call(), LIST_TABLES))))
    for (const error of errors) {
      expect(error).toBeInstanceOf(StoreUnavailableError)
      expect(error.message).toMatch(/within the 100 ms timeout/)
    }
    expect(listeners(closing.signal)).toBe(baseline)
  })

  it('closing still ends every request in flight and every retry wait with ClosedError, and leaves no listener', async () => {
    const { http, closing, call } = client({ timeout: 10_000, retries: 5, retryBaseDelay: 2000, retryMaxDelay: 2000 })
    const { http: idle } = client()
    await idle.request(call(), LIST_TABLES) // the emulator is up
    // 12 requests stuck on a slow server, and 12 waiting ~1-2 s to retry after a 503.
    zerodb.emulator.faults.latency(5000, { count: 12 })
    const slow = Array.from({ length: 12 }, () => rejection(http.request(call(), LIST_TABLES)))
    while (zerodb.emulator.faults.hits().delayed < 12) await new Promise((resolve) => setTimeout(resolve, 5))
    zerodb.emulator.faults.serverError(12, { status: 503 })
    const waiting = Array.from({ length: 12 }, () => rejection(http.request(call(), LIST_TABLES)))
    while (zerodb.emulator.faults.hits().serverErrors < 12) await new Promise((resolve) => setTimeout(resolve, 5))
    await new Promise((resolve) => setTimeout(resolve, 20)) // the 503 answers reach the client
    closing.abort(new ClosedError('ZeroDB store'))
    // Left alone, every one of them would succeed (the latency ends, the retry meets no fault):
    // ClosedError shows the close ended them.
    const errors = await Promise.all([...slow, ...waiting])
    for (const error of errors) expect(error).toBeInstanceOf(ClosedError)
    expect(listeners(closing.signal)).toBe(0)
    expect(await rejection(http.request(call(), LIST_TABLES))).toBeInstanceOf(ClosedError)
  })
})
