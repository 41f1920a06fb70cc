import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import type { SessionEvents } from '@sessionkit/core'
import { COOKIE, startApp, type TestApp } from './support/app'
import type { Client } from './support/http'
import { redisUrl, targets, uniquePrefix, type TestStore } from './support/targets'

const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra })

describe.each(targets)('CSRF, creation rate limit and binding on $name', (target) => {
  let store: TestStore
  let app: TestApp
  let redis: Redis | null = null
  const limiterPrefix = uniquePrefix()

  beforeAll(() => {
    if (target.backend === 'redis') redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
  })
  afterAll(async () => {
    if (redis) {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${limiterPrefix}*`, 'COUNT', 1000)
        if (keys.length) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
      redis.disconnect()
    }
  })
  afterEach(async () => {
    await app.close()
    await store.cleanup()
  })

  describe('CSRF', () => {
    async function withToken(options: Parameters<typeof startApp>[2] = {}): Promise<{ client: Client; token: string }> {
      store = await target.makeStore()
      app = await startApp(target.express, store, options)
      const client = app.client()
      const token = (await client.get<{ token: string }>('/csrf-token')).body.token
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      return { client, token }
    }
    const transferred = async (client: Client) => (await client.get<{ data: Record<string, unknown> }>('/me')).body.data.transferred === true

    it('allows same-origin requests with the session token (header or form field)', async () => {
      const { client, token } = await withToken()
      const viaHeader = await client.post('/protected/transfer', {}, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': token })
      expect(viaHeader.status).toBe(200)
      const viaField = await client.post('/protected/transfer', { _csrf: token }, { origin: app.url })
      expect(viaField.status).toBe(200)
      expect(await transferred(client)).toBe(true)
    })

    it('refuses cross-site requests (Sec-Fetch-Site, or a foreign Origin) with 403 even with the token', async () => {
      const { client, token } = await withToken()
      const crossSite = await client.post('/protected/transfer', {}, { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example', 'x-csrf-token': token })
      expect(crossSite.status).toBe(403)
      expect(crossSite.body).toMatchObject({ error: 'csrf', reason: 'cross-site-request' })
      const foreignOrigin = await client.post('/protected/transfer', {}, { origin: 'https://evil.example', 'x-csrf-token': token })
      expect(foreignOrigin.status).toBe(403)
      expect(foreignOrigin.body).toMatchObject({ reason: 'origin-mismatch' })
      expect(await transferred(client)).toBe(false)
    })

    it('refuses a missing or wrong token with 403, and a token from before login', async () => {
      const { client, token } = await withToken()
      const missing = await client.post('/protected/transfer', {}, { 'sec-fetch-site': 'same-origin' })
      expect(missing.body).toMatchObject({ error: 'csrf', reason: 'missing-token' })
      expect(missing.status).toBe(403)
      const wrong = await client.post('/protected/transfer', {}, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': token.replace(/^./, token[0] === 'a' ? 'b' : 'a') })
      expect(wrong.status).toBe(403)
      expect(wrong.body).toMatchObject({ reason: 'invalid-token' })
      await client.post('/login', { userId: 'frank' })
      const stale = await client.post('/protected/transfer', {}, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': token })
      expect(stale.status).toBe(403)
      expect(await transferred(client)).toBe(false)
    })

    it('accepts a trusted origin that is cross-site', async () => {
      const { client, token } = await withToken({ csrf: { trustedOrigins: ['https://admin.example'] } })
      const res = await client.post('/protected/transfer', {}, { 'sec-fetch-site': 'cross-site', origin: 'https://admin.example', 'x-csrf-token': token })
      expect(res.status).toBe(200)
    })
  })

  describe('session-creation rate limit', () => {
    async function limited(points: number): Promise<void> {
      store = await target.makeStore()
      const rateLimit = redis
        ? { limiter: new RateLimiterRedis({ storeClient: redis, points, duration: 60, keyPrefix: limiterPrefix + ':' + Math.random() }) }
        : { points, duration: 60 }
      app = await startApp(target.express, store, { session: { rateLimit } })
    }

    it('lets a client create up to the limit, then answers 429 with Retry-After and creates nothing', async () => {
      await limited(3)
      for (let i = 0; i < 3; i++) {
        const ok = await app.client().post('/set/a', { value: i }, from('10.0.0.1'))
        expect(ok.status).toBe(200)
        expect(ok.cookies.some((c) => c.name === COOKIE)).toBe(true)
      }
      const refused = await app.client().post('/set/a', { value: 4 }, from('10.0.0.1'))
      expect(refused.status).toBe(429)
      expect(refused.body).toMatchObject({ error: 'rate_limited' })
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(refused.cookies).toEqual([])
      const login = await app.client().post('/login', { userId: 'gina' }, from('10.0.0.1'))
      expect(login.status).toBe(429)
      expect(login.headers.get('retry-after')).not.toBeNull()
    })

    it('counts per client, and never limits a client that already has a session', async () => {
      await limited(1)
      const first = app.client()
      expect((await first.post('/set/a', { value: 1 }, from('10.0.0.2'))).status).toBe(200)
      expect((await app.client().post('/set/a', { value: 1 }, from('10.0.0.2'))).status).toBe(429)
      expect((await app.client().post('/set/a', { value: 1 }, from('10.0.0.3'))).status).toBe(200)
      expect((await first.post('/set/b', { value: 2 }, from('10.0.0.2'))).status).toBe(200)
      expect((await first.post('/login', { userId: 'hal' }, from('10.0.0.2'))).status).toBe(200) // a rotation, not a creation
    })
  })

  describe('binding to IP and user agent', () => {
    it('lets the same client in; another IP or user agent gets 401, the session is revoked with an event', async () => {
      store = await target.makeStore()
      app = await startApp(target.express, store, { session: { binding: { ip: true, userAgent: true } } })
      const revoked: SessionEvents['revoked'][] = []
      app.manager.on('revoked', (e) => void revoked.push(e))
      const client = app.client()
      const home = from('10.1.0.1', { 'user-agent': 'Firefox/140' })
      await client.post('/set/a', { value: 1 }, home)
      expect((await client.get('/me', home)).body.exists).toBe(true)

      const token = client.cookie!
      const otherAgent = client.clone()
      const stolen = await otherAgent.get('/me', from('10.1.0.1', { 'user-agent': 'curl/8' }))
      expect(stolen.status).toBe(401)
      expect(stolen.body).toMatchObject({ error: 'session_binding_mismatch' })
      expect(otherAgent.cookie).toBeNull()
      expect(await app.manager.peek(token)).toBeNull()
      expect(revoked.map((e) => e.reason)).toEqual(['binding-mismatch:user-agent'])

      const second = app.client()
      await second.post('/set/a', { value: 1 }, home)
      const otherIp = await second.clone().get('/me', from('10.9.9.9', { 'user-agent': 'Firefox/140' }))
      expect(otherIp.status).toBe(401)
      expect(revoked.map((e) => e.reason)).toEqual(['binding-mismatch:user-agent', 'binding-mismatch:ip'])
    })
  })
})
