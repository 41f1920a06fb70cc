/**
 * Redis replies as Upstash puts them in JSON. Replies are read from Redis as raw bytes (Buffer)
 * so nothing is lost before encoding: with `Upstash-Encoding: base64` every string at every
 * depth is the base64 of its bytes; without it, strings are decoded as UTF-8. Integers and
 * nulls stay as they are.
 */

/** A reply as JSON can carry it. */
export type JsonReply = null | number | string | JsonReply[]

/**
 * Encodes one Redis reply (RESP2, as ioredis returns it in Buffer mode).
 * @example encodeReply([Buffer.from('hé'), 3, null], true) // ['aMOp', 3, null]
 */
export function encodeReply(reply: unknown, base64: boolean): JsonReply {
  if (reply === null || reply === undefined) return null
  if (typeof reply === 'number') return reply
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString('base64') : reply.toString('utf8')
  if (typeof reply === 'string') return base64 ? Buffer.from(reply, 'utf8').toString('base64') : reply
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64))
  // A script can nest an error reply in a table (redis.pcall); RESP2 carries it as its text.
  if (reply instanceof Error) return encodeReply(reply.message, base64)
  throw new TypeError(`cannot encode a Redis reply of type ${typeof reply}`)
}
