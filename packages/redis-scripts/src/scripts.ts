import prelude from './lua/prelude.lua'
import insertLua from './lua/insert.lua'
import touchLua from './lua/touch.lua'
import replaceLua from './lua/replace.lua'
import deleteLua from './lua/delete.lua'
import listByUserLua from './lua/list-by-user.lua'
import deleteByUserLua from './lua/delete-by-user.lua'
import scanLua from './lua/scan.lua'
import purgeLua from './lua/purge.lua'
import releaseLockLua from './lua/release-lock.lua'
import { sha1 } from './sha1'

/**
 * A Lua script ready for any client: run it with `EVALSHA sha1 numkeys ...keys ...args` and fall
 * back to `EVAL source` on a NOSCRIPT error (ioredis `defineCommand` and @upstash/redis
 * `createScript` both do that).
 */
export interface RedisScript {
  /** Kebab-case name, the `.lua` file it came from. */
  readonly name: string
  /** Full source: the shared prelude, then the script. */
  readonly source: string
  /** SHA-1 of `source`, as Redis names the loaded script. */
  readonly sha1: string
  /** How many KEYS it takes, or `null` when the count varies by call (use the call's `keys.length`). */
  readonly numberOfKeys: number | null
}

function script(name: string, body: string, numberOfKeys: number | null): RedisScript {
  const source = `${prelude}\n${body}`
  return Object.freeze({ name, source, sha1: sha1(source), numberOfKeys })
}

/**
 * Every script the Redis stores run, by operation.
 * @example await redis.evalsha(scripts.touch.sha1, 2, ...call.keys, ...call.args)
 */
export const scripts = Object.freeze({
  insert: script('insert', insertLua, null),
  touch: script('touch', touchLua, 2),
  replace: script('replace', replaceLua, 2),
  delete: script('delete', deleteLua, 2),
  listByUser: script('list-by-user', listByUserLua, 1),
  deleteByUser: script('delete-by-user', deleteByUserLua, 1),
  scan: script('scan', scanLua, null),
  purge: script('purge', purgeLua, null),
  releaseLock: script('release-lock', releaseLockLua, 1),
})

/** The name of a script in {@link scripts}. */
export type ScriptName = keyof typeof scripts
