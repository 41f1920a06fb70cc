/**
 * Faults under load: while 16 workers send requests to the Express app for 5 seconds, the
 * backend goes away for about two seconds and comes back. Every answer is 200 or 503 (never a
 * 500, never a client timeout), there is no unhandled rejection, and afterwards the app works.
 *
 * Redis: the throwaway redis-server is stopped (SIGKILL) and restarted on the same port. It runs
 * without persistence, so it comes back EMPTY: sessions created before the outage are gone and
 * must answer as no session (200, cookie cleared; 401 on a protected route), never a 500.
 * "Data survives the outage" is shown on the Upstash server and the ZeroDB emulator, whose
 * faults (500s, dropped connections) leave the data in place.
 */
import { RedisStore } from '@sessionkit/store-redis'
import { UpstashStore } from '@sessionkit/store-upstash'
import { ZeroDbStore } from '@sessionkit/store-zerodb'
import { startRedisServer, type RedisServerHandle } from '@sessionkit/testkit/redis'
import { startUpstashServer } from '@sessionkit/testkit/upstash'
import { startZeroDbEmulator } from '@sessionkit/testkit/zerodb'
import { Redis as IORedis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { keysOf, redisUrl, uniqueNamespace } from './support/backends'
import { sleep } from './support/load'
import { expectCleanOutage, outageScenario } from './support/outage-scenario'

// The three outages run side by side (each its own app, backend and load) to keep the run short.
describe.concurrent('faults under load', () => {
  let redis: RedisServerHandle | undefined
  afterAll(() => redis?.destroy())

  it('Redis: redis-server killed for ~2 s and restarted (empty) under load: 200 or 503 only; old sessions are cleanly gone, new ones work', async () => {
    redis = await startRedisServer()
    const server = redis
    const store = new RedisStore({ url: server.url, commandTimeout: 500 })
    const report = await outageScenario(store, async () => {
      await server.stop()
      await sleep(2_000)
      await server.restart()
    })
    expectCleanOutage(report)
    // The restarted server is empty: each old token is no session, with its cookie cleared.
    for (const after of report.afterwards) expect(after).toEqual({ status: 200, exists: false, cookie: '', account: 401 })
  }, 30_000)

  it('Upstash server: 500s then dropped connections for ~2 s under load: 200 or 503 only; sessions from before still work', async () => {
    const server = await startUpstashServer({ redisUrl })
    const prefix = uniqueNamespace('outage_upstash')
    const direct = new IORedis(redisUrl)
    try {
      const store = new UpstashStore({ url: server.url, token: server.token }, { prefix, timeoutMs: 1_000, retries: 1 })
      const report = await outageScenario(store, async () => {
        server.faults.set({ status500: { probability: 1 } })
        await sleep(1_000)
        server.faults.set({ drop: { probability: 1 } })
        await sleep(1_000)
        server.faults.clear()
      })
      expectCleanOutage(report)
      for (const after of report.afterwards) expect(after).toMatchObject({ status: 200, exists: true, account: 200 })
    } finally {
      const keys = await keysOf(direct, prefix)
      if (keys.length) await direct.del(...keys)
      await direct.quit()
      await server.close()
    }
  }, 30_000)

  it('ZeroDB emulator: 503s then dropped connections for ~2 s under load: 200 or 503 only; sessions from before still work', async () => {
    const emulator = await startZeroDbEmulator()
    try {
      const store = new ZeroDbStore({
        baseUrl: emulator.baseUrl,
        apiKey: emulator.apiKey,
        projectId: emulator.projectId,
        tableName: uniqueNamespace('outage'),
        timeout: 1_000,
        retries: 1,
        retryBaseDelay: 50,
        retryMaxDelay: 200,
      })
      const report = await outageScenario(store, async () => {
        emulator.faults.serverError(1_000_000, { status: 503 })
        await sleep(1_000)
        emulator.faults.clear()
        emulator.faults.dropConnection(1_000_000)
        await sleep(1_000)
        emulator.faults.clear()
      })
      expectCleanOutage(report)
      for (const after of report.afterwards) expect(after).toMatchObject({ status: 200, exists: true, account: 200 })
    } finally {
      await emulator.close()
    }
  }, 30_000)
})
