import { StoreError } from '@sessionkit/core'
import { STORE_NAME } from './http-client'

/**
 * Scan cursors: keyset pagination on `sid`. A page is `sid > last` sorted by `sid`, so the order
 * is total (ids are unique) and stable while records come and go: unlike `skip`, a record
 * deleted on an earlier page does not shift later ones, and every record that lives through
 * the whole scan is returned exactly once. The cursor is the last id, base64url-wrapped so
 * callers treat it as opaque.
 */

/**
 * @example encodeCursor('abc') // 'eyJhZnRlciI6ImFiYyJ9'
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId }), 'utf8').toString('base64url')
}

/**
 * The id a cursor resumes after, or `undefined` for the first page.
 * @example decodeCursor(encodeCursor('abc')) // 'abc'
 */
export function decodeCursor(cursor: string | null | undefined): string | undefined {
  if (cursor === null || cursor === undefined || cursor === '') return undefined
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }
    if (typeof parsed.after === 'string') return parsed.after
  } catch {
    // fall through to the error below
  }
  throw new StoreError(STORE_NAME, 'scan cursor is not one this store returned; start the scan again without a cursor', {
    operation: 'scan',
  })
}
