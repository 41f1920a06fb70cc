import { isDeepStrictEqual } from 'node:util'
import { fieldPath, getPath, isObject, type JsonObject, setPath, unsetPath } from './field-path'
import { badRequest } from './http-error'

/** The update operators of `PUT /rows/bulk`. */
export const UPDATE_OPERATORS = ['$set', '$inc', '$unset'] as const

/** A compiled update: returns the new `row_data` (a copy) or throws a 400 without touching the input. */
export type RowUpdate = (data: JsonObject) => JsonObject

interface Step {
  operator: (typeof UPDATE_OPERATORS)[number]
  path: string[]
  value: unknown
}

/**
 * Checks an update document and compiles it. Unknown operators and invalid field names are
 * 400, as are two operators on one field. The result never mutates the row it is given, so a
 * bulk update can compute every new row first and apply all or nothing.
 * @example compileUpdate({ $set: { version: 2 }, $inc: { hits: 1 } })(row.row_data)
 */
export function compileUpdate(update: JsonObject): RowUpdate {
  const steps: Step[] = []
  const seen = new Set<string>()
  for (const [operator, fields] of Object.entries(update)) {
    if (!(UPDATE_OPERATORS as readonly string[]).includes(operator)) {
      throw badRequest(`Invalid update operator '${operator}'`)
    }
    if (!isObject(fields)) throw badRequest(`Update operator '${operator}' needs an object of fields`)
    for (const [field, value] of Object.entries(fields)) {
      if (seen.has(field)) throw badRequest(`Field '${field}' appears in more than one update operator`)
      seen.add(field)
      if (operator === '$inc' && (typeof value !== 'number' || !Number.isFinite(value))) {
        throw badRequest(`$inc of field '${field}' needs a number`)
      }
      steps.push({ operator: operator as Step['operator'], path: fieldPath(field), value })
    }
  }
  if (steps.length === 0) throw badRequest('update must change at least one field')
  return (data) => {
    const next = structuredClone(data)
    for (const step of steps) applyStep(next, step)
    return next
  }
}

function applyStep(data: JsonObject, { operator, path, value }: Step): void {
  if (operator === '$set') return setPath(data, path, structuredClone(value))
  if (operator === '$unset') return unsetPath(data, path)
  const current = getPath(data, path)
  if (current !== undefined && typeof current !== 'number') {
    throw badRequest(`Cannot apply $inc to non-numeric field '${path.join('.')}'`)
  }
  setPath(data, path, (current ?? 0) + (value as number))
}

/**
 * True when an update changed the row (MongoDB's `modified_count` counts only those).
 * @example changed({ n: 1 }, { n: 1 }) // false
 */
export function changed(before: JsonObject, after: JsonObject): boolean {
  return !isDeepStrictEqual(before, after)
}
