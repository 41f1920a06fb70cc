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
  /** Full source: the prelude helpers the script uses, then the script. */
  readonly source: string
  /** SHA-1 of `source`, as Redis names the loaded script. */
  readonly sha1: string
  /** How many KEYS it takes, or `null` when the count varies by call (use the call's `keys.length`). */
  readonly numberOfKeys: number | null
}

/** One top-level definition of the prelude (a blank-line separated block) and the name it defines. */
interface Helper {
  readonly name: string
  readonly text: string
}

const helpers: readonly Helper[] = prelude
  .split(/\n\s*\n/)
  .map((text) => ({ name: /^local (?:function )?([A-Za-z_]\w*)/m.exec(text)?.[1] ?? '', text: text.trim() }))
  .filter((helper) => helper.name !== '')

const mentions = (text: string, name: string) => new RegExp(`\\b${name}\\b`).test(text)

/**
 * The prelude's helpers `body` uses, directly or through another helper, in prelude order. Only
 * those are prepended: Redis runs a script's whole source on every call, so each unused helper
 * would still cost a closure per call on the hot path.
 */
function helpersOf(body: string): string {
  const used = new Set<Helper>()
  let grew = true
  while (grew) {
    grew = false
    const context = [body, ...[...used].map((h) => h.text)].join('\n')
    for (const helper of helpers) {
      if (!used.has(helper) && mentions(context, helper.name)) {
        used.add(helper)
        grew = true
      }
    }
  }
  return helpers
    .filter((h) => used.has(h))
    .map((h) => h.text)
    .join('\n\n')
}

function script(name: string, body: string, numberOfKeys: number | null): RedisScript {
  const source = `${helpersOf(body)}\n\n${body}`
  return Object.freeze({ name, source, sha1: sha1(source), numberOfKeys })
}

/**
 * Every script the Redis stores run, by operation.
 * @example await redis.evalsha(scripts.touch.sha1, 2, ...call.keys, ...call.args)
 */
export const scripts = Object.freeze({
  insert: script('insert', insertLua, null),
  touch: script('touch', touchLua, 1),
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
