import { type CompareMode, orderOf, valuesEqual } from './compare'
import { fieldPath, getPath, isObject, type JsonObject } from './field-path'
import { badRequest } from './http-error'

/** The filter operators of bulk update and bulk delete. */
export const BULK_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin'] as const
/** The filter operators of `POST /query`: the bulk ones plus `$contains` and `$regex`. */
export const QUERY_OPERATORS = [...BULK_OPERATORS, '$contains', '$regex'] as const

/** A compiled filter: true when a row's `row_data` matches. */
export type RowPredicate = (data: JsonObject) => boolean

type Test = (value: unknown) => boolean

/**
 * Compiles a filter object (`{"field": value}` or `{"field": {"$op": operand}}`) into a
 * predicate, checking every field name and operator first: an invalid one is a 400 before any
 * row is looked at. Several operators on one field must all hold.
 * @example compileFilter({ expiresAt: { $lte: '0001' } }, QUERY_OPERATORS, 'json')
 */
export function compileFilter(filter: JsonObject, allowed: readonly string[], mode: CompareMode): RowPredicate {
  const checks = Object.entries(filter).map(([field, condition]) => {
    if (field.startsWith('$')) throw badRequest(`Invalid operator '${field}' at the top level of the filter`)
    const path = fieldPath(field)
    const test = compileCondition(field, condition, allowed, mode)
    return (data: JsonObject) => test(getPath(data, path))
  })
  return (data) => checks.every((check) => check(data))
}

function compileCondition(field: string, condition: unknown, allowed: readonly string[], mode: CompareMode): Test {
  const keys = isObject(condition) ? Object.keys(condition) : []
  const operators = keys.filter((key) => key.startsWith('$'))
  if (operators.length === 0) return (value) => valuesEqual(value, condition, mode)
  if (operators.length !== keys.length) {
    throw badRequest(`Field '${field}' mixes operators and plain keys`)
  }
  const tests = Object.entries(condition as JsonObject).map(([operator, operand]) => {
    if (!allowed.includes(operator)) throw badRequest(`Invalid operator '${operator}' for field '${field}'`)
    return compileOperator(field, operator, operand, mode)
  })
  return (value) => tests.every((test) => test(value))
}

function compileOperator(field: string, operator: string, operand: unknown, mode: CompareMode): Test {
  switch (operator) {
    case '$eq':
      return (value) => valuesEqual(value, operand, mode)
    case '$ne':
      return (value) => !valuesEqual(value, operand, mode)
    case '$gt':
      return ordered(operand, mode, (order) => order > 0)
    case '$gte':
      return ordered(operand, mode, (order) => order >= 0)
    case '$lt':
      return ordered(operand, mode, (order) => order < 0)
    case '$lte':
      return ordered(operand, mode, (order) => order <= 0)
    case '$in':
      return membership(field, operator, operand, mode)
    case '$nin': {
      const isIn = membership(field, operator, operand, mode)
      return (value) => !isIn(value)
    }
    case '$contains':
      return (value) => contains(value, operand, mode)
    case '$regex':
      return regex(field, operand)
    default:
      throw badRequest(`Invalid operator '${operator}' for field '${field}'`)
  }
}

function ordered(operand: unknown, mode: CompareMode, accept: (order: number) => boolean): Test {
  return (value) => {
    if (value === undefined) return false
    const order = orderOf(value, operand, mode)
    return order !== null && accept(order)
  }
}

function membership(field: string, operator: string, operand: unknown, mode: CompareMode): Test {
  if (!Array.isArray(operand)) throw badRequest(`Operator '${operator}' for field '${field}' needs an array`)
  const one = (value: unknown) => operand.some((candidate) => valuesEqual(value, candidate, mode))
  return (value) => one(value) || (Array.isArray(value) && value.some(one))
}

function contains(value: unknown, operand: unknown, mode: CompareMode): boolean {
  if (typeof value === 'string') return typeof operand === 'string' && value.includes(operand)
  if (Array.isArray(value)) return value.some((item) => valuesEqual(item, operand, mode))
  return false
}

function regex(field: string, operand: unknown): Test {
  if (typeof operand !== 'string' || operand.length > 1000) {
    throw badRequest(`Operator '$regex' for field '${field}' needs a pattern string`)
  }
  let pattern: RegExp
  try {
    pattern = new RegExp(operand)
  } catch {
    throw badRequest(`Invalid regular expression for field '${field}'`)
  }
  return (value) => typeof value === 'string' && pattern.test(value)
}
