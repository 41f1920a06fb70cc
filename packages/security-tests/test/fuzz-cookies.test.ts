/**
 * Random cookies and tokens against the Express middleware over real HTTP (keep-alive loopback):
 * no crash, never a 500, and no session is ever accepted that the server did not issue. Cases
 * mix pure garbage, token-shaped strings, session ids used as tokens (a dump of the store), and
 * issued tokens that are damaged, padded, quoted, percent-encoded, duplicated or renamed.
 */
import { Agent, request } from 'node:http'
import fc from 'fast-check'
import { SessionManager, sessionIdFromToken } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from './support/app'

const SEED = 4_242_026
const RUNS = 10_000
const BATCH = 25
const COOKIE = '__Host-sid'

let app: RunningApp
let manager: SessionManager<Record<string, unknown>>
const issued: string[] = []
const issuedIds = new Set<string>()
const agent = new Agent({ keepAlive: true, maxSockets: BATCH })

beforeAll(async () => {
  manager = new SessionManager({ store: new MemoryStore({ maxSessions: Infinity }), cleanupInterval: false })
  app = await startApp({ manager, rateLimit: false, cookie: { secure: true } })
  for (let i = 0; i < 8; i++) {
    const { token, session } = await manager.create(`user-${i}`, { n: i })
    issued.push(token)
    issuedIds.add(session.id)
  }
})
afterAll(async () => {
  await app.close()
  agent.destroy()
  await manager.close()
})

/** Characters a client can put in a header value (undici refuses NUL, CR and LF). */
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\t', ';', '=', '"', '%', ',', ' ') },
)
const garbage = fc.string({ unit: headerChar, maxLength: 120 })
const base64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 40, maxLength: 46 })
const issuedToken = fc.integer({ min: 0, max: 7 }).map((i) => issued[i]!)

/** An issued token, damaged in one of the ways a forger or a broken client would. */
const damagedToken = fc.oneof(
  fc.tuple(issuedToken, fc.nat(42), fc.constantFrom(...'Aa0_-Zz9')).map(([t, i, c]) => t.slice(0, i) + (t[i] === c ? 'B' : c) + t.slice(i + 1)),
  fc.tuple(issuedToken, fc.nat(42)).map(([t, n]) => t.slice(0, n)),
  fc.tuple(issuedToken, garbage).map(([t, g]) => t + g.replace(/[;,\s]/g, '') + 'x'),
  issuedToken.map((t) => t.toUpperCase()),
  issuedToken.map((t) => sessionIdFromToken(t)), // the id, as a dump would show it
  issuedToken.map((t) => Buffer.from(t).toString('base64url').slice(0, 43)),
)

/** What a request may carry as the session cookie's value. */
const cookieValue = fc.oneof(
  { weight: 3, arbitrary: garbage },
  { weight: 3, arbitrary: base64url },
  { weight: 4, arbitrary: damagedToken },
  { weight: 1, arbitrary: issuedToken.map((t) => `"${t}"`) },
  { weight: 1, arbitrary: issuedToken.map((t) => [...t].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')) },
  { weight: 1, arbitrary: issuedToken },
)
const cookieName = fc.constantFrom(COOKIE, 'sid', '__Secure-sid', '__host-sid', ' __Host-sid', '__Host-sid ', 'other')

/** A whole Cookie header: several pairs, random separators, sometimes plain garbage. */
const cookieHeader = fc.oneof(
  { weight: 1, arbitrary: garbage },
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.array(fc.tuple(cookieName, cookieValue), { minLength: 1, maxLength: 4 }), fc.constantFrom('; ', ';', ', ', ' ; '))
      .map(([pairs, sep]) => pairs.map(([n, v]) => `${n}=${v}`).join(sep)),
  },
)

interface Answer {
  status: number
  body: { exists?: boolean; id?: string | null }
  setCookie: string | undefined
  cacheControl: string | null
}

/** One GET /me over the keep-alive agent, bounded by a client timeout. */
function ask(cookie: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${app.url}/me`, { agent, headers: { cookie }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        let body: Answer['body'] = {}
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body']
        } catch {
          // A non-JSON body fails the status or shape checks below.
        }
        const cookies = res.headers['set-cookie'] ?? []
        const ours = cookies.find((c) => c.startsWith(`${COOKIE}=`))
        resolve({
          status: res.statusCode ?? 0,
          body,
          setCookie: ours === undefined ? undefined : ours.slice(COOKIE.length + 1).split(';')[0],
          cacheControl: res.headers['cache-control'] ?? null,
        })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('client timeout: the server did not answer in 10 s')))
    req.on('error', reject)
    req.end()
  })
}

describe('fuzz: random cookies and tokens against the Express middleware over HTTP', () => {
  it('control: a clean issued token is accepted, so a rejection below means something', async () => {
    const answer = await ask(`${COOKIE}=${issued[0]}`)
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ exists: true, id: sessionIdFromToken(issued[0]!) })
  })

  it(`${RUNS} random Cookie headers (seed ${SEED}): never a 500, never a session the server did not issue`, async () => {
    let accepted = 0
    const check = async (cookie: string): Promise<void> => {
      const answer = await ask(cookie)
      expect(answer.status, cookie).toBe(200)
      if (answer.body.exists) {
        // The one and only way in: an issued token (possibly quoted or percent-encoded, which
        // the cookie syntax allows), naming the issued session.
        expect(issuedIds.has(answer.body.id!), cookie).toBe(true)
        accepted++
      } else {
        expect(answer.body.id).toBeNull()
      }
      // Whatever is set (a cleared cookie, a slid expiry) is never cached.
      if (answer.setCookie !== undefined) expect(answer.cacheControl).toContain('no-store')
      // A rejected cookie never hands out a new token (the route changes nothing).
      if (!answer.body.exists && answer.setCookie) expect(answer.setCookie).toBe('')
    }
    await fc.assert(
      fc.asyncProperty(fc.array(cookieHeader, { minLength: BATCH, maxLength: BATCH }), async (headers) => {
        await Promise.all(headers.map(check))
      }),
      { numRuns: RUNS / BATCH, seed: SEED, endOnFailure: true },
    )
    expect(accepted).toBeGreaterThan(0)
    // The issued sessions are all still there and unchanged: nothing a forger sent touched them.
    for (const [i, token] of issued.entries()) expect((await manager.peek(token))?.data).toEqual({ n: i })
  }, 90_000)
})
