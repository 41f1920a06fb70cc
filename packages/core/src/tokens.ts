import * as nodeCrypto from 'node:crypto'
import { createHash, randomBytes } from 'node:crypto'

/** Bytes of entropy in a session token: 256 bits, as DESIGN §2 and OWASP ask. */
export const TOKEN_BYTES = 32
/** Length of a base64url token of {@link TOKEN_BYTES} bytes, without padding. */
export const TOKEN_LENGTH = 43
/** Length of a session id: base64url of a SHA-256 digest. */
export const SESSION_ID_LENGTH = 43

const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/

// `crypto.hash` (Node >= 20.12) hashes a short string several times faster than a Hash object;
// this runs on every request, so use it where the runtime has it.
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash

/**
 * A new bearer token: 256 random bits from the OS CSPRNG, base64url.
 * @example const token = generateToken() // 'q3J0…' (43 characters)
 */
export function generateToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url')
}

/**
 * The session id for a token: `base64url(sha256(token))`. Stores key by it, so a dump of a
 * store yields no usable token.
 * @example sessionIdFromToken(token) // 43 characters, safe to log and to show
 */
export function sessionIdFromToken(token: string): string {
  return oneShotHash ? oneShotHash('sha256', token, 'base64url') : createHash('sha256').update(token, 'utf8').digest('base64url')
}


/**
 * True when `value` has the exact shape of a token this library issues. Checked before any
 * store call, so malformed input (empty, huge, wrong alphabet, unicode) costs nothing.
 * The last character of a 32-byte base64url string carries only 4 bits, so it must be one of
 * the 16 characters whose low 2 bits are zero; anything else was not produced by us.
 */
export function isWellFormedToken(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== TOKEN_LENGTH || !BASE64URL_43.test(value)) return false
  return 'AEIMQUYcgkosw048'.includes(value[TOKEN_LENGTH - 1]!)
}

/** True when `value` has the shape of a session id (used for `revoke(id)` and the like). */
export function isWellFormedSessionId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== SESSION_ID_LENGTH || !BASE64URL_43.test(value)) return false
  return 'AEIMQUYcgkosw048'.includes(value[SESSION_ID_LENGTH - 1]!)
}
