/**
 * The faults-under-load scenario shared by the Redis, Upstash and ZeroDB tests: sessions are
 * created before the outage, then 16 workers send requests for a fixed time while the backend
 * goes down for about two seconds and comes back.
 */
import { SessionManager, type SessionStore } from '@sessionkit/core'
import { expect } from 'vitest'
import { startApp } from './app'
import { cookieValue, runLoad, send, sleep, watchUnhandledRejections, type LoadResult } from './load'

export const COOKIE = '__Host-sid'
const CLIENT_TIMEOUT_MS = 5_000

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
    for (let i = 0; i < 20; i++) before.push((await manager.create(`user-${i}`, { n: i, cart: ['before'] })).token)
    // Control: before the outage, they work through the app.
    const control = await send(app.url, { method: 'GET', path: '/me', cookie: `${COOKIE}=${before[0]}` }, CLIENT_TIMEOUT_MS)
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
      const reply = await send(app.url, { method: 'GET', path: '/me', cookie: `${COOKIE}=${token}` }, CLIENT_TIMEOUT_MS)
      const account = await send(app.url, { method: 'GET', path: '/account', cookie: `${COOKIE}=${token}` }, CLIENT_TIMEOUT_MS)
      afterwards.push({
        status: reply.status,
        exists: reply.status === 200 && (JSON.parse(reply.body) as { exists: boolean }).exists,
        cookie: cookieValue(reply, COOKIE),
        account: account.status,
      })
    }
    const created = await send(app.url, { method: 'POST', path: '/cart' }, CLIENT_TIMEOUT_MS)
    const token = cookieValue(created, COOKIE)
    const readBack = token
      ? (JSON.parse((await send(app.url, { method: 'GET', path: '/me', cookie: `${COOKIE}=${token}` }, CLIENT_TIMEOUT_MS)).body) as { exists: boolean }).exists
      : false
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
