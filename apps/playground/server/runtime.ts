import { randomBytes } from 'node:crypto'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { RememberMe, SessionManager, type SessionStore } from '@sessionkit/core'
import { MemoryStore } from '@sessionkit/store-memory'
import { BACKENDS, backendNamed } from './backends'
import { createRedisLocator, type RedisLocator } from './backends/redis-location'
import type { BackendContext, OpenedBackend, StoreName } from './backends/types'
import type { PlaygroundData } from './cart'
import type { EventFeed } from './event-feed'
import type { StoreView } from './protocol'
import { sessionLayer } from './session-layer'
import { DEMO_EXPIRATION, type StrategyName } from './strategies'

/** Options of {@link PlaygroundRuntime}. */
export interface RuntimeOptions {
  store: StoreName
  strategy: StrategyName
  env: NodeJS.ProcessEnv
  /** Key prefix in shared backends. */
  prefix: string
  feed: EventFeed
  /** Called after the store or strategy changed (and how many sessions moved). */
  onConfig: (config: { store: StoreName; strategy: StrategyName; moved: number }) => void
}

interface BackendSlot {
  opened: OpenedBackend | null
  opening: Promise<OpenedBackend> | null
  error: string | null
}

interface ManagerSlot {
  manager: SessionManager<PlaygroundData>
  middleware: RequestHandler
  unfollow: () => void
}

/**
 * The playground's moving parts: one opened backend per store (opened on first use), one
 * manager per store and strategy (the strategy is fixed per manager, so switching picks
 * another manager over the same store), and the middleware of the current one.
 * @example
 * const runtime = new PlaygroundRuntime({ store: 'memory', strategy: 'hybrid', env: process.env, prefix, feed, onConfig })
 * await runtime.start()
 * app.use(runtime.middleware())
 */
export class PlaygroundRuntime {
  readonly #options: RuntimeOptions
  readonly #backends = new Map<StoreName, BackendSlot>()
  readonly #managers = new Map<string, ManagerSlot>()
  readonly #redis: RedisLocator
  readonly #context: BackendContext
  // One key for every manager of this process: sessions moved between stores still open.
  readonly #keys: string[]
  // Remember tokens live in one in-process store whatever the session store: a chain then
  // survives a store switch (the sessions it mints go to the current store).
  readonly #rememberStore = new MemoryStore()
  #store: StoreName
  #strategy: StrategyName
  #switching: Promise<unknown> | null = null

  constructor(options: RuntimeOptions) {
    this.#options = options
    this.#store = options.store
    this.#strategy = options.strategy
    this.#redis = createRedisLocator(options.env)
    this.#context = { prefix: options.prefix, env: options.env, redis: () => this.#redis.locate() }
    this.#keys = [options.env.SESSION_KEY || randomBytes(32).toString('base64')]
    for (const backend of BACKENDS) this.#backends.set(backend.name, { opened: null, opening: null, error: null })
  }

  /** Opens the initial store; fails when it cannot be opened. */
  async start(): Promise<void> {
    await this.#open(this.#store)
    this.#slot(this.#store, this.#strategy)
  }

  get store(): StoreName {
    return this.#store
  }

  get strategy(): StrategyName {
    return this.#strategy
  }

  /** The manager of the current store and strategy. */
  manager(): SessionManager<PlaygroundData> {
    return this.#slot(this.#store, this.#strategy).manager
  }

  /**
   * The session middleware: the current manager's, after any switch in progress, so no request
   * runs against a store that is being emptied.
   */
  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const run = () => this.#slot(this.#store, this.#strategy).middleware(req, res, next)
      if (this.#switching) this.#switching.then(run, run)
      else run()
    }
  }

  /** The switcher's view of every store. */
  stores(): StoreView[] {
    return BACKENDS.map((backend) => {
      const slot = this.#backends.get(backend.name)!
      return {
        name: backend.name,
        label: backend.label,
        needs: backend.needs,
        status: slot.opened ? 'ready' : slot.error ? 'error' : 'idle',
        detail: slot.opened?.detail ?? null,
        error: slot.error,
      }
    })
  }

  /**
   * Makes `name` the store of the playground. The live sessions move with `copySessions` and
   * leave the old store, so everyone stays signed in and each session lives in one place.
   * Resolves to how many moved; throws (leaving everything as it was) when the store cannot open.
   */
  async switchStore(name: StoreName): Promise<number> {
    return this.#exclusive(async () => {
      if (name === this.#store) return 0
      await this.#open(name)
      const from = this.manager()
      const to = this.#slot(name, this.#strategy).manager
      const moved = await moveSessions(from, to.store)
      this.#store = name
      this.#options.onConfig({ store: name, strategy: this.#strategy, moved })
      return moved
    })
  }

  /** Makes `name` the expiry strategy for every request from now on. */
  async switchStrategy(name: StrategyName): Promise<void> {
    await this.#exclusive(async () => {
      if (name === this.#strategy) return
      this.#slot(this.#store, name)
      this.#strategy = name
      this.#options.onConfig({ store: this.#store, strategy: name, moved: 0 })
    })
  }

  /**
   * Deletes every session of every opened store (tests call it so a shared Redis keeps nothing
   * of theirs). Resolves to how many were deleted.
   */
  async clear(): Promise<number> {
    let removed = 0
    for (const slot of this.#backends.values()) {
      if (slot.opened) removed += await deleteAll(slot.opened.store)
    }
    return removed
  }

  /** Closes every store and stops every local server the playground started. */
  async close(): Promise<void> {
    await this.#switching?.catch(() => {})
    for (const slot of this.#managers.values()) slot.unfollow()
    this.#managers.clear()
    for (const slot of this.#backends.values()) {
      const opened = slot.opened ?? (await slot.opening?.catch(() => null)) ?? null
      if (!opened) continue
      await opened.store.close().catch(() => {})
      await opened.stop().catch(() => {})
    }
    this.#backends.clear()
    await this.#rememberStore.close()
    await this.#redis.stop()
  }

  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.#switching) await this.#switching.catch(() => {})
    const running = work()
    this.#switching = running
    try {
      return await running
    } finally {
      this.#switching = null
    }
  }

  async #open(name: StoreName): Promise<OpenedBackend> {
    const slot = this.#backends.get(name)!
    if (slot.opened) return slot.opened
    slot.opening ??= backendNamed(name).open(this.#context)
    try {
      slot.opened = await slot.opening
      slot.error = null
      return slot.opened
    } catch (error) {
      slot.error = error instanceof Error ? error.message : String(error)
      throw error
    } finally {
      slot.opening = null
    }
  }

  #slot(store: StoreName, strategy: StrategyName): ManagerSlot {
    const key = `${store}:${strategy}`
    let slot = this.#managers.get(key)
    if (slot) return slot
    const opened = this.#backends.get(store)?.opened
    if (!opened) throw new Error(`the ${store} store is not open`)
    const manager = new SessionManager<PlaygroundData>({
      store: opened.store,
      expiration: DEMO_EXPIRATION[strategy],
      encryption: { keys: this.#keys },
      maxSessionsPerUser: 8,
      // The stats sampler runs cleanup for the current manager; one timer per manager would
      // purge stores nobody looks at.
      cleanupInterval: false,
    })
    const rememberMe = new RememberMe<PlaygroundData>({ sessions: manager, store: this.#rememberStore })
    slot = { manager, middleware: sessionLayer(manager, rememberMe), unfollow: this.#options.feed.follow(manager, store) }
    this.#managers.set(key, slot)
    return slot
  }
}

/** The ids of every session in the store, expired ones too (the scan is done before any delete). */
async function allIds(store: SessionStore, includeExpired: boolean): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const page = await store.scan({ cursor, limit: 500, now: Date.now(), includeExpired })
    ids.push(...page.records.map((r) => r.id))
    cursor = page.cursor
  } while (cursor)
  return ids
}

async function deleteAll(store: SessionStore): Promise<number> {
  let removed = 0
  for (const id of await allIds(store, true)) if (await store.delete(id)) removed++
  return removed
}

/**
 * Moves every live session to `target`: `copySessions` keeps ids, versions and sealed
 * payloads (so every cookie stays valid), then the copies' originals are deleted.
 */
async function moveSessions(from: SessionManager<PlaygroundData>, target: SessionStore): Promise<number> {
  const ids = await allIds(from.store, false)
  const progress = await from.copySessions(target)
  for (const id of ids) await from.store.delete(id)
  return progress.copied
}
