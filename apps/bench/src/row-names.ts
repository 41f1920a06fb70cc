// The names of the rows the targets are read from (targets.ts), shared with the groups that
// write them, so renaming a row cannot quietly drop its target from the report.

export const MEMORY_GET = {
  group: 'memory: get (touching)',
  lruCache: 'lru-cache get (ttl, updateAgeOnGet)',
  storeTouch: 'sessionkit MemoryStore touch',
} as const

export const REDIS_GET = {
  group: 'redis: get with touch',
  raw: 'ioredis GET (raw)',
  managerGet: 'sessionkit manager.get (defaults: touchAfter 60 s)',
  encrypted: 'sessionkit manager.get, encrypted (defaults)',
} as const

export const ROUND_TRIPS = {
  group: 'round trips per operation (counted at the server)',
  /** The row of one store's operation, e.g. `Redis: create`. */
  name: (store: string, operation: string) => `${store}: ${operation}`,
  /** The operations the targets name, as the group labels them. */
  operations: { create: 'create', get: 'get (with touch)', save: 'save of a loaded session', delete: 'delete' },
} as const

/** The apps of the Express group. */
export type AppKind = 'bare' | 'minimal' | 'minimal-batched' | 'sessionkit' | 'express-session'
export const APP_LABELS: Record<AppKind, string> = {
  bare: 'bare Express (no sessions)',
  minimal: 'minimal Redis session: plain ioredis GET per request, SET per write, nothing else',
  'minimal-batched': "minimal Redis session, batched: the same, each event-loop turn's commands written together",
  sessionkit: 'sessionkit middleware, Redis store',
  'express-session': 'express-session + connect-redis',
}

/** The apps that are not libraries but references: what the Redis round trips alone cost. */
export function isReference(kind: AppKind): boolean {
  return kind === 'minimal' || kind === 'minimal-batched'
}

/** The Express group's table for a route, e.g. `express: GET /read (read a session value)`. */
export function expressGroupName(method: string, route: string): string {
  return `express: ${method} ${route} ${route === '/read' ? '(read a session value)' : '(change a session value)'}`
}
