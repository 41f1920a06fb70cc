import type { SessionStore } from '@sessionkit/core'
import type { StoreName } from '../protocol'

export type { StoreName }

/** What every backend needs to open. */
export interface BackendContext {
  /** Key prefix (or table name part) so the playground never touches anyone else's data. */
  prefix: string
  /** Where credentials come from; `process.env` outside tests. */
  env: NodeJS.ProcessEnv
  /** The Redis the Redis and Upstash backends use (found or started once, shared). */
  redis: () => Promise<RedisLocation>
}

/** A Redis the playground can use. */
export interface RedisLocation {
  url: string
  /** True when the playground started this redis-server itself (it stops it on close). */
  started: boolean
}

/** A backend the playground opened. */
export interface OpenedBackend {
  store: SessionStore
  /** Where the data lives, for the page. Never a credential. */
  detail: string
  /** Stops what the playground started for this backend (local servers); the store is closed before. */
  stop(): Promise<void>
}

/** One entry of the store switcher. */
export interface BackendDefinition {
  name: StoreName
  label: string
  /** What the backend needs, shown before it is opened. */
  needs: string
  open(context: BackendContext): Promise<OpenedBackend>
}
