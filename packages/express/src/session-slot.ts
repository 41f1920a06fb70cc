import { IncomingMessage } from 'node:http'

/**
 * Where `req.session` lives: in a WeakMap keyed by the request, read through one `session`
 * accessor on `http.IncomingMessage.prototype`, instead of an own property added to every
 * request.
 *
 * Why: Express gives each request a new prototype (`Object.setPrototypeOf(req, app.request)`),
 * and V8 shares no hidden class between objects that had their prototype set and then gained a
 * property: every property added to such a request builds a hidden class and a descriptor array
 * of its own (old-space garbage, about 1.6 KB per request in the bench's allocation profile) and
 * runs V8's slow store path. Express's own properties pay it too; this keeps sessionkit from
 * adding one more.
 *
 * An own `session` property still wins, as it did before: `req.session = x` (another session
 * library, a test double) defines one through the accessor's setter, and `attachSession` falls
 * back to one whenever the accessor is not what a request reads (someone else defined `session`
 * on a prototype first). Shared by every copy of this package in the process (ESM and CJS
 * builds), like the shared `end` of response-hooks.
 */
const REGISTRY = Symbol.for('@sessionkit/express.sessions')

type Registry = { sessions: WeakMap<object, unknown> }
type WithRegistry = typeof globalThis & { [REGISTRY]?: Registry }

function registry(): Registry {
  const global = globalThis as WithRegistry
  let found = global[REGISTRY]
  if (!found) {
    found = { sessions: new WeakMap() }
    Object.defineProperty(global, REGISTRY, { value: found })
    installAccessor(found.sessions)
  }
  return found
}

function installAccessor(sessions: WeakMap<object, unknown>): void {
  const proto = IncomingMessage.prototype
  // Another library's `session` on Node's request: leave it, and fall back to own properties.
  if (Object.hasOwn(proto, 'session')) return
  Object.defineProperty(proto, 'session', {
    configurable: true,
    enumerable: false,
    get(this: IncomingMessage): unknown {
      return sessions.get(this)
    },
    set(this: IncomingMessage, value: unknown) {
      defineOwn(this, value)
    },
  })
}

function defineOwn(req: object, value: unknown): void {
  Object.defineProperty(req, 'session', { value, writable: true, enumerable: true, configurable: true })
}

let sessions: WeakMap<object, unknown> | null = null

/**
 * Installs the accessor (once per process) and takes the shared map; `session()` calls it, so
 * importing the package changes nothing on Node's request.
 */
export function useSessionSlot(): void {
  sessions ??= registry().sessions
}

/**
 * Makes `handle` the request's `req.session` (after {@link useSessionSlot}).
 * @example attachSession(req, handle); req.session === handle // true
 */
export function attachSession(req: object, handle: object): void {
  sessions!.set(req, handle)
  // An own property, an accessor of someone else's, or a request that is not Node's.
  if ((req as { session?: unknown }).session !== handle) defineOwn(req, handle)
}
