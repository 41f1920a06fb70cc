/**
 * What the server and the page exchange (JSON over fetch and server-sent events). Types only:
 * the page imports them too. Nothing here ever holds a token; session ids are
 * base64url(sha256(token)), safe to show and to revoke by.
 */
import type { SessionEventName } from '@sessionkit/core'
import type { CartLine, Product } from './cart'
import type { StrategyName } from './strategies'

export type { CartLine, Product, StrategyName }

/** The stores the switcher offers. */
export type StoreName = 'memory' | 'redis' | 'upstash' | 'zerodb'

/** One session of the signed-in user, as the devices list shows it. */
export interface DeviceView {
  id: string
  device: string
  userAgent: string | null
  createdAt: number
  lastAccessedAt: number
  expiresAt: number
  current: boolean
}

/** The visitor's own session. */
export interface SessionView {
  id: string
  userId: string | null
  device: string | null
  cart: CartLine[]
  createdAt: number
  lastAccessedAt: number
  expiresAt: number
  absoluteExpiresAt: number | null
  version: number
}

/** A store of the switcher. */
export interface StoreView {
  name: StoreName
  label: string
  needs: string
  /** `ready` once opened; `error` when the last attempt failed (see `error`). */
  status: 'idle' | 'ready' | 'error'
  detail: string | null
  error: string | null
}

/** Everything the page needs to draw itself (`GET /api/state`). */
export interface StateView {
  now: number
  store: StoreName
  stores: StoreView[]
  strategy: StrategyName
  strategies: { name: StrategyName; summary: string }[]
  /** The strategy's terms in milliseconds, for the countdown. */
  policy: { idleTtlMs: number | null; absoluteTtlMs: number | null }
  catalogue: Product[]
  session: SessionView | null
  devices: DeviceView[]
  /** True when this browser holds a remember-me cookie (it signs back in after expiry). */
  remembered: boolean
}

/** A manager event as the feed shows it: ids, times and reasons, never a token or data. */
export interface FeedEvent {
  seq: number
  type: SessionEventName
  at: number
  store: StoreName
  sessionId: string | null
  userId: string | null
  reason: string | null
  /** A short extra fact: the new version, the previous id of a rotation, the operation of an error. */
  detail: string | null
}

/** One sample of the stats chart. */
export interface StatsSample {
  at: number
  store: StoreName
  active: number
  total: number
  users: number
  /** Mean session age at last access, milliseconds. */
  averageDuration: number
}

/** Server-sent event names and their data. */
export interface StreamMessages {
  /** The recent feed and stats, sent once when the stream opens. */
  hello: { events: FeedEvent[]; stats: StatsSample[] }
  session: FeedEvent
  stats: StatsSample
  /** The store or strategy changed: every page reloads its state. */
  config: { store: StoreName; strategy: StrategyName }
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: string
  message: string
}
