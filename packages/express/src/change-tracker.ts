/**
 * Tracks which top-level keys of the session data a request changed, so the save at the end of
 * the request writes only those keys, merged onto the latest stored version (DESIGN §7). Two
 * requests that change different keys then both win, whatever order they finish in.
 */

/** The top-level keys a request set and deleted. */
export interface DataChanges {
  readonly set: readonly string[]
  readonly deleted: readonly string[]
}

/**
 * Applies a request's changes onto the latest stored data: deleted keys go, set keys take the
 * request's value, every other key keeps the latest value. Pure; `latest` is not modified.
 * Keys are defined as own properties, so a key named `__proto__` stays plain data.
 * @example mergeChanges({ a: 1, b: 2 }, { a: 9 }, { set: ['a'], deleted: ['b'] }) // { a: 9 }
 */
export function mergeChanges<TData extends object>(latest: TData, source: Readonly<Record<string, unknown>>, changes: DataChanges): TData {
  // A spread defines own data properties, so a key named `__proto__` stays plain data.
  const out: Record<string, unknown> = { ...(latest as Record<string, unknown>) }
  for (const key of changes.deleted) delete out[key]
  for (const key of changes.set) define(out, key, source[key])
  return out as TData
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  // Plain assignment defines an own data property for every key but `__proto__`, whose
  // inherited setter would change the prototype instead; that one key is defined explicitly.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null
}

/**
 * Serialises a value for the "changed in place?" comparison. A value that cannot be
 * serialised is treated as changed (the save then reports the real problem).
 */
function fingerprint(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null
  } catch {
    return null
  }
}

const OWNER = Symbol('sessionkit.changeTracker')

/**
 * A working copy of the session data behind a stable Proxy. Assignments and deletes of
 * top-level keys are recorded; object values that are read are fingerprinted (JSON) the first
 * time, so in-place changes such as `data.cart.push(item)` are found at the end of the request.
 * Reading is free of I/O; only `changes()` does the comparison work.
 *
 * One is built per request, so it allocates only what the request uses: the Proxy traps are
 * shared by every tracker, the bookkeeping collections are created on the first change, and
 * the data is copied on the first top-level write (until then the proxy shows the loaded object,
 * which it never modifies at the top level).
 */
export class ChangeTracker<TData extends object> {
  /** The object handlers see as `req.session.data`; stays the same object across resets. */
  readonly proxy: TData
  #work: Record<string, unknown> = {}
  #owned = false
  #setKeys: Set<string> | null = null
  #deletedKeys: Set<string> | null = null
  #readFingerprints: Map<string, string | null> | null = null
  readonly #onFirstChange: (() => void) | null
  #notified = false

  /**
   * `onFirstChange` runs once, the first time the request does anything `changes()` may have to
   * report (a write, a delete, or reading an object value that could be changed in place), so
   * the caller can arrange the end-of-request save only for requests that may need one.
   */
  constructor(base: TData, onFirstChange: (() => void) | null = null) {
    this.#onFirstChange = onFirstChange
    this.reset(base)
    // The target only carries the tracker: every trap forwards to the working copy, which is
    // swapped on reset, so handlers that kept a reference to `req.session.data` keep working.
    this.proxy = new Proxy({ [OWNER]: this } as Target, ChangeTracker.#traps) as unknown as TData
  }

  /** Starts over from `base` (after a save, a login or a logout): nothing is pending. */
  reset(base: TData): void {
    this.#work = base as Record<string, unknown>
    this.#owned = false
    this.#setKeys?.clear()
    this.#deletedKeys?.clear()
    this.#readFingerprints?.clear()
  }

  /** Replaces the whole data: every new key counts as set, every key that disappeared as deleted. */
  replaceAll(next: TData): void {
    const incoming = next as Record<string, unknown>
    for (const key of Object.keys(this.#work)) if (!Object.hasOwn(incoming, key)) this.#markDeleted(key)
    this.#work = {}
    this.#owned = true
    for (const key of Object.keys(incoming)) {
      define(this.#work, key, incoming[key])
      this.#markSet(key)
    }
  }

  /** The current working copy (what the request sees), as a plain object. */
  snapshot(): Record<string, unknown> {
    return this.#work
  }

  /**
   * What the request changed, including objects changed in place. Computing it compares the
   * fingerprints of the object values that were read, so call it once, at the end.
   */
  changes(): DataChanges {
    const setKeys = this.#setKeys
    const deletedKeys = this.#deletedKeys
    const set = setKeys ? [...setKeys] : []
    if (this.#readFingerprints) {
      for (const [key, before] of this.#readFingerprints) {
        if (setKeys?.has(key) || deletedKeys?.has(key)) continue
        if (before === null || fingerprint(this.#work[key]) !== before) set.push(key)
      }
    }
    return { set, deleted: deletedKeys ? [...deletedKeys] : [] }
  }

  /** True when `changes()` would report anything. */
  hasChanges(): boolean {
    const changes = this.changes()
    return changes.set.length > 0 || changes.deleted.length > 0
  }

  /** The working copy, made this request's own before its first top-level write. */
  #writable(): Record<string, unknown> {
    if (!this.#owned) {
      // A spread defines own data properties, so a key named `__proto__` stays plain data.
      this.#work = { ...this.#work }
      this.#owned = true
    }
    return this.#work
  }

  #markSet(key: string): void {
    this.#changed()
    ;(this.#setKeys ??= new Set()).add(key)
    this.#deletedKeys?.delete(key)
    this.#readFingerprints?.delete(key)
  }

  #markDeleted(key: string): void {
    this.#changed()
    ;(this.#deletedKeys ??= new Set()).add(key)
    this.#setKeys?.delete(key)
    this.#readFingerprints?.delete(key)
  }

  /** An object value was read: its fingerprint, taken the first time, finds in-place changes. */
  #readObject(key: string, value: object): void {
    if (this.#setKeys?.has(key) || this.#readFingerprints?.has(key)) return
    this.#changed()
    ;(this.#readFingerprints ??= new Map()).set(key, fingerprint(value))
  }

  #changed(): void {
    if (this.#notified) return
    this.#notified = true
    this.#onFirstChange?.()
  }

  // One set of traps shared by every tracker (built per request, they were a good part of its cost).
  static readonly #traps: ProxyHandler<Target> = {
    get: (target, key) => {
      const tracker = target[OWNER]
      const value = Reflect.get(tracker.#work, key)
      if (typeof key === 'string' && isObject(value)) tracker.#readObject(key, value)
      return value
    },
    set: (target, key, value) => {
      const tracker = target[OWNER]
      if (typeof key !== 'string') return Reflect.set(tracker.#writable(), key, value)
      define(tracker.#writable(), key, value)
      tracker.#markSet(key)
      return true
    },
    deleteProperty: (target, key) => {
      const tracker = target[OWNER]
      if (typeof key !== 'string') return Reflect.deleteProperty(tracker.#writable(), key)
      if (Object.hasOwn(tracker.#work, key)) {
        tracker.#markDeleted(key)
        delete tracker.#writable()[key]
      }
      return true
    },
    defineProperty: (target, key, descriptor) => {
      const tracker = target[OWNER]
      const work = tracker.#writable()
      if (typeof key === 'string') tracker.#markSet(key)
      return Reflect.defineProperty(work, key, { ...descriptor, configurable: true })
    },
    has: (target, key) => Reflect.has(target[OWNER].#work, key),
    ownKeys: (target) => Reflect.ownKeys(target[OWNER].#work),
    getOwnPropertyDescriptor: (target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target[OWNER].#work, key)
      return descriptor ? { ...descriptor, configurable: true } : undefined
    },
  }
}

type Target = { [OWNER]: ChangeTracker<object> }
