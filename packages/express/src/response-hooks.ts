import type { ServerResponse } from 'node:http'

type End = ServerResponse['end']
type WriteHead = ServerResponse['writeHead']

/**
 * Runs `listener` once, synchronously, just before the response headers are written, whoever
 * writes them (`res.end`, the first `res.write`, a piped file). Node's implicit header path
 * calls `this.writeHead`, so patching the instance catches every case (the `on-headers`
 * technique).
 */
export function beforeHeaders(res: ServerResponse, listener: () => void): void {
  const writeHead = res.writeHead
  let fired = false
  res.writeHead = function patchedWriteHead(this: ServerResponse, ...args: Parameters<WriteHead>) {
    if (!fired) {
      fired = true
      listener()
    }
    return writeHead.apply(this, args)
  } as WriteHead
}

/**
 * Lets asynchronous work finish before the response ends: `res.end(...)` first runs `work`
 * (when it returns a promise) and only then really ends, so headers that depend on the work (a
 * new session cookie) still go out and the client's next request sees what was saved. When
 * the work fails, `onFailure` answers instead, with the original `end`.
 * A synchronous `null` from `work` means "nothing to do": `end` runs at once, with no extra
 * tick (the path of every request that changed nothing).
 */
export function beforeEnd(
  res: ServerResponse,
  work: () => Promise<void> | null,
  onFailure: (error: unknown, end: End, args: Parameters<End>) => void,
): void {
  const end = res.end
  let state: 'open' | 'saving' | 'ended' = 'open'
  res.end = function patchedEnd(this: ServerResponse, ...args: Parameters<End>) {
    if (state !== 'open') {
      // A second end while the first is saving: the first finishes the response.
      return state === 'ended' ? end.apply(this, args) : this
    }
    let pending: Promise<void> | null
    try {
      pending = work()
    } catch (error) {
      state = 'ended'
      onFailure(error, end, args)
      return this
    }
    if (!pending) {
      state = 'ended'
      return end.apply(this, args)
    }
    state = 'saving'
    pending.then(
      () => {
        state = 'ended'
        end.apply(this, args)
      },
      (error: unknown) => {
        state = 'ended'
        onFailure(error, end, args)
      },
    )
    return this
  } as End
}
