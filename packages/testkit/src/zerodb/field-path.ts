import { badRequest } from './http-error'

/** Field names in filters, sorts and updates: letters, digits and underscore, dotted for nesting. */
const FIELD = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/

/** A JSON object as stored in `row_data`. */
export type JsonObject = Record<string, unknown>

/**
 * Checks a field name and splits it at the dots; an invalid name is a 400, as ZeroDB answers.
 * @example fieldPath('meta.device') // ['meta', 'device']
 */
export function fieldPath(field: string): string[] {
  if (!FIELD.test(field)) throw badRequest(`Invalid field name '${field.slice(0, 100)}'`)
  return field.split('.')
}

/**
 * True for a plain JSON object (not an array, not null).
 * @example isObject({ a: 1 }) // true; isObject([1]) // false
 */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The value at a dotted path, or `undefined` when any step is missing.
 * @example getPath({ a: { b: 1 } }, ['a', 'b']) // 1
 */
export function getPath(data: JsonObject, path: readonly string[]): unknown {
  let value: unknown = data
  for (const key of path) {
    if (!isObject(value) || !Object.hasOwn(value, key)) return undefined
    value = value[key]
  }
  return value
}

/**
 * Sets a value at a dotted path, creating the objects on the way; a step that holds a
 * non-object is a 400 (nothing is half-applied: callers work on a copy).
 * @example setPath(data, ['a', 'b'], 1)
 */
export function setPath(data: JsonObject, path: readonly string[], value: unknown): void {
  let target = data
  for (const key of path.slice(0, -1)) {
    const next = target[key]
    if (next === undefined) target[key] = {}
    else if (!isObject(next)) throw badRequest(`Cannot set '${path.join('.')}': '${key}' is not an object`)
    target = target[key] as JsonObject
  }
  target[path[path.length - 1]!] = value
}

/**
 * Removes the value at a dotted path (no-op when absent).
 * @example unsetPath(data, ['a', 'b'])
 */
export function unsetPath(data: JsonObject, path: readonly string[]): void {
  const parent = getPath(data, path.slice(0, -1))
  if (isObject(parent)) delete parent[path[path.length - 1]!]
}
