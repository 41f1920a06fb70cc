import { randomBytes } from 'node:crypto'
import { SessionManager, generateToken } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import session from 'express-session'
import { LRUCache } from 'lru-cache'
import { compare, heapPerItem, type FactRow, type Row, type RunOptions } from '../harness'
import { MEMORY_GET } from '../row-names'

/**
 * The memory store against what people use for in-process sessions today: lru-cache with a TTL
 * (the usual hand-rolled session cache) and express-session's MemoryStore.
 *
 * Every case is an awaited async call, as a session store is: the peers are wrapped in the same
 * `async` shape so the comparison measures the stores, not the harness.
 */
interface PeerSession {
  userId: string
  data: { cart: string[] }
  createdAt: number
  expiresAt: number
}

const IDLE_MS = 30 * 60_000
const data = () => ({ cart: ['sku-1', 'sku-2'] })

export async function memoryGroup(options: RunOptions & { population: number; heapCount: number }): Promise<{ rows: Row[]; facts: FactRow[] }> {
  const { population } = options
  const store = new MemoryStore({ maxSessions: population * 2 })
  const manager = new SessionManager<{ cart: string[] }>({
    store,
    expiration: { strategy: 'sliding', ttl: IDLE_MS / 1000 },
    cleanupInterval: false,
  })
  const lru = new LRUCache<string, PeerSession>({ max: population * 2, ttl: IDLE_MS, updateAgeOnGet: true })
  const expressStore = new session.MemoryStore()

  const tokens: string[] = []
  const ids: string[] = []
  for (let i = 0; i < population; i++) {
    const { token, session: s } = await manager.create(`user-${i % 1000}`, data())
    tokens.push(token)
    ids.push(s.id)
    const now = Date.now()
    lru.set(token, { userId: `user-${i % 1000}`, data: data(), createdAt: now, expiresAt: now + IDLE_MS })
    await new Promise<void>((resolve) =>
      expressStore.set(token, { cookie: { originalMaxAge: IDLE_MS, expires: new Date(now + IDLE_MS) }, ...data() } as never, () => resolve()),
    )
  }
  let i = 0
  const next = () => (i = (i + 1) % population)
  const touch = { now: 0, idleTtlMs: IDLE_MS, touchAfterMs: 0 }

  const getRows = await compare(
    MEMORY_GET.group,
    [
      { name: MEMORY_GET.lruCache, peer: true, op: async () => lru.get(tokens[next()]!) },
      {
        name: 'express-session MemoryStore get',
        peer: true,
        baseline: MEMORY_GET.lruCache,
        op: () => new Promise((resolve) => expressStore.get(tokens[next()]!, (_e, s) => resolve(s))),
      },
      {
        name: MEMORY_GET.storeTouch,
        baseline: MEMORY_GET.lruCache,
        op: () => {
          touch.now = Date.now()
          return store.touch(ids[next()]!, touch)
        },
      },
      { name: 'sessionkit manager.get (token check, sha256, touch, decode)', baseline: MEMORY_GET.lruCache, op: () => manager.get(tokens[next()]!) },
    ],
    options,
  )

  // Creates grow the stores; each case gets its own fresh store so all start equal.
  const createStore = new MemoryStore({ maxSessions: 5_000_000 })
  const createManager = new SessionManager<{ cart: string[] }>({ store: createStore, expiration: { strategy: 'sliding', ttl: IDLE_MS / 1000 }, cleanupInterval: false })
  const createLru = new LRUCache<string, PeerSession>({ max: 5_000_000, ttl: IDLE_MS })
  const createExpress = new session.MemoryStore()
  let n = 0
  const createRows = await compare(
    'memory: create',
    [
      {
        name: 'lru-cache set (new random token)',
        peer: true,
        op: async () => {
          const now = Date.now()
          createLru.set(randomBytes(32).toString('base64url'), { userId: `user-${n++ % 1000}`, data: data(), createdAt: now, expiresAt: now + IDLE_MS })
        },
      },
      {
        name: 'express-session MemoryStore set',
        peer: true,
        baseline: 'lru-cache set (new random token)',
        op: () =>
          new Promise<void>((resolve) =>
            createExpress.set(randomBytes(32).toString('base64url'), { cookie: { originalMaxAge: IDLE_MS }, ...data() } as never, () => resolve()),
          ),
      },
      { name: 'sessionkit manager.create', baseline: 'lru-cache set (new random token)', op: () => createManager.create(`user-${n++ % 1000}`, data()) },
    ],
    { ...options, rounds: Math.min(options.rounds, 3) },
  )
  await manager.close()
  await createManager.close()
  createLru.clear()

  // Heap per session, each built alone after a full GC.
  const count = options.heapCount
  const heapStore = new MemoryStore({ maxSessions: count })
  const heapManager = new SessionManager<{ cart: string[] }>({ store: heapStore, expiration: { strategy: 'sliding', ttl: IDLE_MS / 1000 }, cleanupInterval: false })
  // The stores hold what is measured; `build`'s return values are not kept.
  const oursBytes = await heapPerItem(count, (k) => heapManager.create(`user-${k % 1000}`, data()))
  await heapManager.close()
  const heapLru = new LRUCache<string, PeerSession>({ max: count, ttl: IDLE_MS })
  const lruBytes = await heapPerItem(count, (k) => {
    const now = Date.now()
    // The same facts a session holds: the token as key, owner, data, creation and expiry.
    heapLru.set(generateToken(), { userId: `user-${k % 1000}`, data: data(), createdAt: now, expiresAt: now + IDLE_MS })
  })
  heapLru.clear()
  const facts: FactRow[] = [
    { group: 'memory: heap per session', name: `lru-cache (ttl), ${count.toLocaleString('en')} sessions`, value: lruBytes, unit: 'bytes', peer: true, baseline: null, ratio: null },
    {
      group: 'memory: heap per session',
      name: `sessionkit MemoryStore, ${count.toLocaleString('en')} sessions`,
      value: oursBytes,
      unit: 'bytes',
      peer: false,
      baseline: `lru-cache (ttl), ${count.toLocaleString('en')} sessions`,
      ratio: oursBytes / lruBytes,
      note: 'ratio of bytes: lower is better; ours also keeps a per-user index and an expiry index',
    },
  ]
  return { rows: [...getRows, ...createRows], facts }
}
