/**
 * The faults-under-load scenario shared by the Redis, Upstash and ZeroDB tests: sessions are
 * created before the outage, then 16 workers send requests for a fixed time while the backend
 * goes down for about two seconds and comes back.
 */
import { isStoreUnavailable, SessionManager, type SessionStore } from '@sessionkit/core'
import { expect } from 'vitest'
import { startApp } from './app'
import { cookieValue, runLoad, send, sleep, watchUnhandledRejections, type LoadResult, type Reply } from './load'

export const COOKIE = '__Host-sid'
const CLIENT_TIMEOUT_MS = 5_000
/** Tries of a setup or recovery step before its last answer stands (see {@link patiently}). */
const PATIENCE = 5

/**
 * Runs a step around the outage (the setup, the checks after recovery) until it gets past a
 * store that is merely slow: a `StoreUnavailableError` or a 503, at most {@link PATIENCE} tries.
 * Those steps are not what the scenario tests. The stores here have short timeouts so the outage
 * shows quickly, and on a loaded machine (CI runs every package's tests at once) one call can
 * outlast them. The load during the outage is never retried: every answer it gets is counted.
 */
async function patiently<T>(step: () => Promise<T>, unavailable: (result: T) => boolean = () => false): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await step()
      if (attempt >= PATIENCE || !unavailable(result)) return result
    } catch (error) {
      if (attempt >= PATIENCE || !isStoreUnavailable(error)) throw error
    }
    await sleep(200)
  }
}

/** GET or POST through the app, patiently. */
const ask = (url: string, method: 'GET' | 'POST', path: string, token?: string) =>
  patiently(
    () => send(url, { method, path, ...(token ? { cookie: `${COOKIE}=${token}` } : {}) }, CLIENT_TIMEOUT_MS),
    (reply: Reply) => reply.status === 503,
  )

export interface OutageReport {
  load: LoadResult
  /** Tokens of sessions created before the outage. */
  before: string[]
  /** The app's answers to GET /me with each of those tokens, after recovery. */
  afterwards: Array<{ status: number; exists: boolean; cookie: string | undefined; account: number }>
  /** A session created after recovery, then read back. */
  fresh: { created: number; readBack: boolean }
  unhandled: unknown[]
}

/**
 * Runs the load for `durationMs`, calling `outage()` 1.5 s in (it resolves when the backend is back).
 * @example await outageScenario(store, async () => { await redis.stop(); await sleep(2000); await redis.restart() })
 */
export async function outageScenario(store: SessionStore, outage: () => Promise<void>, durationMs = 5_000): Promise<OutageReport> {
  const rejections = watchUnhandledRejections()
  const manager = new SessionManager<Record<string, unknown>>({ store, cleanupInterval: false })
  const app = await startApp({ manager, rateLimit: false, cookie: { secure: true }, onError: () => {} })
  try {
    const before: string[] = []
    for (let i = 0; i < 20; i++) before.push((await patiently(() => manager.create(`user-${i}`, { n: i, cart: ['before'] }))).token)
    // Control: before the outage, they work through the app.
    const control = await ask(app.url, 'GET', '/me', before[0])
    expect(JSON.parse(control.body)).toMatchObject({ exists: true })

    const running = runLoad({
      url: app.url,
      durationMs,
      concurrency: 16,
      timeoutMs: CLIENT_TIMEOUT_MS,
      // Reads of existing sessions, writes to them, and guests creating new sessions.
      next: (i) =>
        i % 4 === 0
          ? { method: 'POST', path: '/cart' }
          : i % 4 === 1
            ? { method: 'POST', path: '/cart', cookie: `${COOKIE}=${before[i % before.length]}` }
            : { method: 'GET', path: '/me', cookie: `${COOKIE}=${before[i % before.length]}` },
    })
    await sleep(1_500)
    await outage()
    const load = await running

    const afterwards = []
    for (const token of before) {
      const reply = await ask(app.url, 'GET', '/me', token)
      const account = await ask(app.url, 'GET', '/account', token)
      afterwards.push({
        status: reply.status,
        exists: reply.status === 200 && (JSON.parse(reply.body) as { exists: boolean }).exists,
        cookie: cookieValue(reply, COOKIE),
        account: account.status,
      })
    }
    const created = await ask(app.url, 'POST', '/cart')
    const token = cookieValue(created, COOKIE)
    const readBack = token ? (JSON.parse((await ask(app.url, 'GET', '/me', token)).body) as { exists: boolean }).exists : false
    // Let any stray promise of the outage settle before looking for unhandled rejections.
    await sleep(200)
    console.log(`[outage] ${JSON.stringify({ total: load.total, byStatus: load.byStatus, timeouts: load.timeouts, errors: load.errors.length })}`)
    return { load, before, afterwards, fresh: { created: created.status, readBack }, unhandled: [...rejections.seen] }
  } finally {
    rejections.stop()
    await app.close()
    await manager.close()
  }
}

/** What every outage must show, whatever the backend: only 200 and 503, no hang, no crash. */
export function expectCleanOutage(report: OutageReport): void {
  const { load } = report
  expect(load.errors, 'connection errors at the client').toEqual([])
  expect(load.timeouts, 'requests that hit the client timeout').toBe(0)
  expect(Object.keys(load.byStatus).map(Number).sort()).toEqual([200, 503])
  // The outage was seen by the load, and so was normal service (recovery is checked below).
  expect(load.byStatus[503]).toBeGreaterThan(0)
  expect(load.byStatus[200]).toBeGreaterThan(0)
  expect(report.unhandled).toEqual([])
  expect(report.fresh).toEqual({ created: 200, readBack: true })
}
