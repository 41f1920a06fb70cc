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
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(latest)) define(out, key, (latest as Record<string, unknown>)[key])
  for (const key of changes.deleted) delete out[key]
  for (const key of changes.set) define(out, key, source[key])
  return out as TData
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
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

/**
 * A working copy of the session data behind a stable Proxy. Assignments and deletes of
 * top-level keys are recorded; object values that are read are fingerprinted (JSON) the first
 * time, so in-place changes such as `data.cart.push(item)` are found at the end of the request.
 * Reading is free of I/O; only `changes()` does the comparison work.
 */
export class ChangeTracker<TData extends object> {
  /** The object handlers see as `req.session.data`; stays the same object across resets. */
  readonly proxy: TData
  private work: Record<string, unknown> = {}
  private readonly setKeys = new Set<string>()
  private readonly deletedKeys = new Set<string>()
  private readonly readFingerprints = new Map<string, string | null>()

  constructor(base: TData) {
    this.reset(base)
    this.proxy = new Proxy({} as TData, this.handler())
  }

  /** Starts over from `base` (after a save, a login or a logout): nothing is pending. */
  reset(base: TData): void {
    this.work = { ...(base as Record<string, unknown>) }
    this.setKeys.clear()
    this.deletedKeys.clear()
    this.readFingerprints.clear()
  }

  /** Replaces the whole data: every new key counts as set, every key that disappeared as deleted. */
  replaceAll(next: TData): void {
    const incoming = next as Record<string, unknown>
    for (const key of Object.keys(this.work)) if (!Object.hasOwn(incoming, key)) this.markDeleted(key)
    this.work = {}
    for (const key of Object.keys(incoming)) {
      define(this.work, key, incoming[key])
      this.markSet(key)
    }
  }

  /** The current working copy (what the request sees), as a plain object. */
  snapshot(): Record<string, unknown> {
    return this.work
  }

  /**
   * What the request changed, including objects changed in place. Computing it compares the
   * fingerprints of the object values that were read, so call it once, at the end.
   */
  changes(): DataChanges {
    const set = [...this.setKeys]
    for (const [key, before] of this.readFingerprints) {
      if (this.setKeys.has(key) || this.deletedKeys.has(key)) continue
      if (before === null || fingerprint(this.work[key]) !== before) set.push(key)
    }
    return { set, deleted: [...this.deletedKeys] }
  }

  /** True when `changes()` would report anything. */
  hasChanges(): boolean {
    const changes = this.changes()
    return changes.set.length > 0 || changes.deleted.length > 0
  }

  private markSet(key: string): void {
    this.setKeys.add(key)
    this.deletedKeys.delete(key)
    this.readFingerprints.delete(key)
  }

  private markDeleted(key: string): void {
    this.deletedKeys.add(key)
    this.setKeys.delete(key)
    this.readFingerprints.delete(key)
  }

  private handler(): ProxyHandler<TData> {
    // Every trap forwards to `this.work`, which is swapped on reset: the Proxy target is only a
    // placeholder, so handlers that kept a reference to `req.session.data` keep working.
    return {
      get: (_target, key) => {
        const value = Reflect.get(this.work, key)
        if (typeof key === 'string' && isObject(value) && !this.setKeys.has(key) && !this.readFingerprints.has(key)) {
          this.readFingerprints.set(key, fingerprint(value))
        }
        return value
      },
      set: (_target, key, value) => {
        if (typeof key !== 'string') return Reflect.set(this.work, key, value)
        define(this.work, key, value)
        this.markSet(key)
        return true
      },
      deleteProperty: (_target, key) => {
        if (typeof key !== 'string') return Reflect.deleteProperty(this.work, key)
        if (Object.hasOwn(this.work, key)) this.markDeleted(key)
        delete this.work[key]
        return true
      },
      defineProperty: (_target, key, descriptor) => {
        if (typeof key === 'string') this.markSet(key)
        return Reflect.defineProperty(this.work, key, { ...descriptor, configurable: true })
      },
      has: (_target, key) => Reflect.has(this.work, key),
      ownKeys: () => Reflect.ownKeys(this.work),
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(this.work, key)
        return descriptor ? { ...descriptor, configurable: true } : undefined
      },
    }
  }
}
