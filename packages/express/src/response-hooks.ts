import { ServerResponse } from 'node:http'

type End = ServerResponse['end']
type WriteHead = ServerResponse['writeHead']

/**
 * Runs `listener` once, synchronously, just before the response headers are written, whoever
 * writes them (`res.end`, the first `res.write`, a piped file). Node's implicit header path
 * calls `this.writeHead`, so patching the instance catches every case (the `on-headers`
 * technique). Used only by the requests that set or clear a cookie outside the end-of-request
 * save (sign-in, sign-out, a read whose touch moved the expiry).
 */
export function beforeHeaders(res: ServerResponse, listener: () => void): void {
  const writeHead = res.writeHead
  let fired = false
  res.writeHead = function patchedWriteHead(this: ServerResponse, ...args: Parameters<WriteHead>) {
    if (!fired) {
      fired = true
      listener()
    }
    return writeHead.apply(this, args)
  } as WriteHead
}

/**
 * Holds the end of one response until asynchronous work has finished: `res.end(...)` first runs
 * `work` (when it returns a promise) and only then really ends, so headers that depend on the
 * work (a new session cookie) still go out and the client's next request sees what was saved.
 * When the work fails, `onFailure` answers instead, with the original `end`. A synchronous
 * `null` from `work` means "nothing to do": `end` runs at once, with no extra tick (the path of
 * every request that changed nothing). A second `end` while the first is waiting is dropped.
 */
export class EndGate {
  #state: 'open' | 'saving' | 'ended' = 'open'

  constructor(
    private readonly work: () => Promise<void> | null,
    private readonly onFailure: (error: unknown, end: End, args: Parameters<End>) => void,
  ) {}

  /** Stands in for `res.end(...args)`; `end` is the real one. */
  end(res: ServerResponse, end: End, args: Parameters<End>): ServerResponse {
    if (this.#state !== 'open') {
      // A second end while the first is saving: the first finishes the response.
      return this.#state === 'ended' ? end.apply(res, args) : res
    }
    let pending: Promise<void> | null
    try {
      pending = this.work()
    } catch (error) {
      this.#state = 'ended'
      this.onFailure(error, end, args)
      return res
    }
    if (!pending) {
      this.#state = 'ended'
      return end.apply(res, args)
    }
    this.#state = 'saving'
    pending.then(
      () => {
        this.#state = 'ended'
        end.apply(res, args)
      },
      (error: unknown) => {
        this.#state = 'ended'
        this.onFailure(error, end, args)
      },
    )
    return res
  }
}

/** The gate a response's `end` must go through, if any. */
export type GateFinder = (res: ServerResponse) => EndGate | null

const FINDERS = Symbol.for('@sessionkit/express.gateFinders')
type Patched = typeof ServerResponse.prototype & { [FINDERS]?: Set<GateFinder> }

/**
 * Routes every `http.ServerResponse#end` through the gate `find` names for that response, if
 * any, by defining `end` once on `ServerResponse.prototype` (a pass-through for every other
 * response: one lookup and a call).
 *
 * Why not patch `res.end` on each response, as express-session does: Node and Express give
 * each request's response its own hidden class, so a property added to one builds a new hidden
 * class and leaves every property access of the response megamorphic for the rest of the
 * request. Counted with callgrind, that per-response patch cost 43,000 to 100,000 instructions
 * per request, 5% to 11% of a write route (`npm run bench -- instructions` and a harness that
 * warms up only the write route).
 *
 * Idempotent, and shared by every copy of this package in the process (ESM and CJS builds
 * both register their finders in the same set). `end` is looked up on the parent prototype at
 * each call, so a later patch of `OutgoingMessage.prototype.end` (an APM agent) still runs.
 */
export function routeEndsThroughGates(find: GateFinder): void {
  const proto = ServerResponse.prototype as Patched
  let finders = proto[FINDERS]
  if (!finders) {
    finders = new Set()
    installSharedEnd(proto, finders)
  }
  finders.add(find)
}

function installSharedEnd(proto: Patched, finders: Set<GateFinder>): void {
  const own = Object.hasOwn(proto, 'end') ? proto.end : null
  const parent = Object.getPrototypeOf(proto) as { end: End }
  Object.defineProperty(proto, FINDERS, { value: finders })
  Object.defineProperty(proto, 'end', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function end(this: ServerResponse, ...args: Parameters<End>): ServerResponse {
      const original = own ?? parent.end
      for (const finder of finders) {
        const gate = finder(this)
        if (gate) return gate.end(this, original, args)
      }
      return original.apply(this, args)
    },
  })
}

/**
 * True when `res.end` is the shared `end` of {@link routeEndsThroughGates}. Any other `end` (a
 * response patched by an earlier middleware, an `end` defined on `app.response`, a response
 * that is not Node's) may never call the shared one, so it gets {@link gateEnd}.
 */
export function endsThroughGates(res: ServerResponse): boolean {
  const proto = ServerResponse.prototype as Patched
  return FINDERS in proto && res.end === proto.end
}

/**
 * Sends this response's `end` through `gate` by patching the instance: the fallback for the
 * responses {@link endsThroughGates} does not cover.
 */
export function gateEnd(res: ServerResponse, gate: EndGate): void {
  const end = res.end
  res.end = function gatedEnd(this: ServerResponse, ...args: Parameters<End>) {
    return gate.end(this, end, args)
  } as End
}
