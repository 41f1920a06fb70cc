import { type CompareMode, sortOrder } from './compare'
import { fieldPath, getPath, type JsonObject } from './field-path'

/**
 * Compiles `{"field": 1 | -1, ...}` into a comparator over `row_data`, fields in the order
 * given. Ties keep insertion order (callers sort a list already in insertion order, and
 * `Array.prototype.sort` is stable).
 * @example rows.sort(compileSort({ createdAt: -1 }, 'json'))
 */
export function compileSort(sort: Record<string, 1 | -1>, mode: CompareMode): (a: JsonObject, b: JsonObject) => number {
  const keys = Object.entries(sort).map(([field, direction]) => ({ path: fieldPath(field), direction }))
  return (a, b) => {
    for (const { path, direction } of keys) {
      const order = sortOrder(getPath(a, path), getPath(b, path), mode)
      if (order !== 0) return order * direction
    }
    return 0
  }
}
