import { z } from 'zod'
import { type ValidationIssue, unprocessable } from './http-error'

/**
 * The request bodies ZeroDB accepts, strict as ZeroDB is: an unknown key (such as `filters`
 * for `filter`) is a 422, never silently ignored.
 */

const TABLE_NAME = /^[A-Za-z0-9_-]{1,128}$/
const jsonObject = z.record(z.string(), z.unknown())
const nonEmptyFilter = jsonObject.refine((filter) => Object.keys(filter).length > 0, 'filter must not be empty')

/** `POST /tables`: `name` (or `table_name`, which some clients send) and an optional description. */
export const createTableBody = z
  .strictObject({
    name: z.string().regex(TABLE_NAME, 'table names are 1-128 letters, digits, _ or -').optional(),
    table_name: z.string().regex(TABLE_NAME, 'table names are 1-128 letters, digits, _ or -').optional(),
    description: z.string().max(1000).optional(),
  })
  .refine((body) => body.name !== undefined || body.table_name !== undefined, {
    message: 'Field required',
    path: ['name'],
  })

/** `POST /rows` and `PUT /rows/{row_id}`: exactly `{"row_data": {...}}`. */
export const rowBody = z.strictObject({ row_data: jsonObject })

/** `POST /query`. */
export const queryBody = z.strictObject({
  filter: jsonObject.optional(),
  sort: z.record(z.string(), z.union([z.literal(1), z.literal(-1)])).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
  skip: z.number().int().min(0).optional(),
})

/** `PUT /rows/bulk`. */
export const bulkUpdateBody = z.strictObject({
  filter: nonEmptyFilter,
  update: jsonObject,
  confirm_large_operation: z.boolean().optional(),
})

/** `DELETE /rows/bulk`. */
export const bulkDeleteBody = z.strictObject({
  filter: nonEmptyFilter,
  confirm_large_operation: z.boolean().optional(),
})

/** `?skip=&limit=` of the list routes (other query parameters are ignored, as FastAPI does). */
export const pageQuery = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

/**
 * Parses with a schema or throws the 422 FastAPI would send, one `{loc, msg, type}` per
 * problem (unknown keys are `extra_forbidden`, as pydantic names them).
 * @example const body = parseOr422(rowBody, json, 'body')
 */
export function parseOr422<T>(schema: z.ZodType<T>, input: unknown, where: 'body' | 'query'): T {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw unprocessable(result.error.issues.flatMap((issue) => toValidationIssues(issue, where)))
}

function toValidationIssues(issue: z.core.$ZodIssue, where: string): ValidationIssue[] {
  const loc = [where, ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))]
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ loc: [...loc, key], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }))
  }
  return [{ loc, msg: issue.message, type: issue.code }]
}
