import { isDeepStrictEqual } from 'node:util'

/**
 * How the emulator compares values. `'json'` compares numbers as numbers and strings as
 * strings (a number never equals or orders against a string). `'text'` compares every
 * primitive as its text, which is what one AINative client says the real service does
 * ("values are kept as text"): a store that passes in both modes works either way.
 */
export type CompareMode = 'json' | 'text'

type Primitive = string | number | boolean

function isPrimitive(value: unknown): value is Primitive {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}

/**
 * Equality for `$eq`, `$ne`, `$in`, `$nin` and bare values.
 * @example valuesEqual(3, '3', 'text') // true
 */
export function valuesEqual(a: unknown, b: unknown, mode: CompareMode): boolean {
  if (mode === 'text' && isPrimitive(a) && isPrimitive(b)) return String(a) === String(b)
  return isDeepStrictEqual(a, b)
}

/**
 * Order for `$gt $gte $lt $lte`: a negative, zero or positive number, or `null` when the two
 * values are not comparable (then the condition does not match, as in MongoDB).
 * @example orderOf(2, 10, 'json') // negative; orderOf(2, 10, 'text') // positive ('2' > '10')
 */
export function orderOf(a: unknown, b: unknown, mode: CompareMode): number | null {
  if (mode === 'text') {
    if (!isPrimitive(a) || !isPrimitive(b)) return null
    return compareText(String(a), String(b))
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return compareText(a, b)
  return null
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Rank of a type in a sort, as MongoDB orders mixed types: missing/null, numbers, strings, objects, arrays, booleans. */
function typeRank(value: unknown, mode: CompareMode): number {
  if (value === undefined || value === null) return 0
  if (mode === 'text' && isPrimitive(value)) return 2
  if (typeof value === 'number') return 1
  if (typeof value === 'string') return 2
  if (Array.isArray(value)) return 4
  if (typeof value === 'object') return 3
  return 5
}

/**
 * Total order for `sort`: by type rank, then by value; objects and arrays compare by their JSON.
 * @example [3, 'a', null].sort((x, y) => sortOrder(x, y, 'json')) // [null, 3, 'a']
 */
export function sortOrder(a: unknown, b: unknown, mode: CompareMode): number {
  const rank = typeRank(a, mode) - typeRank(b, mode)
  if (rank !== 0) return rank
  const order = orderOf(a, b, mode)
  if (order !== null) return order
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b)
  if (a === undefined || a === null) return 0
  return compareText(JSON.stringify(a), JSON.stringify(b))
}
