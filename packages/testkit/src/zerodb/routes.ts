/**
 * The route table of the emulated API, relative to `/api/v1/projects/{project_id}/database`.
 * A route's key (`'POST /tables/{table}/query'`) names it in counters and fault scopes.
 */

/** The routes ZeroDB documents for tables and rows, and nothing else. */
export const ROUTES = [
  'POST /tables',
  'GET /tables',
  'GET /tables/{table}',
  'DELETE /tables/{table}',
  'POST /tables/{table}/rows',
  'GET /tables/{table}/rows',
  'PUT /tables/{table}/rows/bulk',
  'DELETE /tables/{table}/rows/bulk',
  'GET /tables/{table}/rows/{row_id}',
  'PUT /tables/{table}/rows/{row_id}',
  'DELETE /tables/{table}/rows/{row_id}',
  'POST /tables/{table}/query',
] as const

/** A route key. */
export type RouteKey = (typeof ROUTES)[number]

/** The outcome of matching a request line. */
export type RouteMatch =
  | { kind: 'route'; route: RouteKey; projectId: string; params: Record<string, string> }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' }

const PREFIX = /^\/api\/v1\/projects\/([^/]+)\/database(\/.*)$/

interface Template {
  method: string
  parts: string[]
  key: RouteKey
}

const TEMPLATES: Template[] = ROUTES.map((key) => {
  const [method, path] = key.split(' ') as [string, string]
  return { method, parts: path.split('/').slice(1), key }
})

function matchParts(template: string[], parts: string[]): Record<string, string> | null {
  if (template.length !== parts.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < parts.length; i++) {
    const want = template[i]!
    const got = parts[i]!
    if (want.startsWith('{')) {
      if (got === '') return null
      params[want.slice(1, -1)] = got
    } else if (want !== got) return null
  }
  return params
}

/**
 * Matches a method and path. A literal segment beats a parameter (`/rows/bulk` is the bulk
 * route, not a row called "bulk"), because literal routes come first in {@link ROUTES}.
 * @example matchRoute('POST', '/api/v1/projects/p/database/tables/sessions/query')
 */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const prefix = PREFIX.exec(pathname)
  if (!prefix) return { kind: 'not-found' }
  let parts: string[]
  try {
    parts = prefix[2]!.split('/').slice(1).map(decodeURIComponent)
  } catch {
    return { kind: 'not-found' }
  }
  let pathMatched = false
  for (const template of TEMPLATES) {
    const params = matchParts(template.parts, parts)
    if (!params) continue
    pathMatched = true
    if (template.method === method) return { kind: 'route', route: template.key, projectId: decodeURIComponent(prefix[1]!), params }
  }
  return pathMatched ? { kind: 'method-not-allowed' } : { kind: 'not-found' }
}
