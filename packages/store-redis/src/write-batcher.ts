import type { Cluster, Redis } from 'ioredis'

/** The part of a Node.js writable socket this needs. */
interface Corkable {
  cork(): void
  uncork(): void
  writable?: boolean
}

/**
 * Writes every command sent in the same turn of the event loop to the socket with one system
 * call. ioredis writes each command to its socket as it is sent, so 64 concurrent requests cost
 * 64 `write` calls; corking the socket until the turn's check phase (`setImmediate`) turns them
 * into one `writev`. Measured on the bench machine at concurrency 64: a plain GET 2.2x faster, an
 * EVALSHA 3x faster.
 *
 * Why the end of the turn and not of the tick (`process.nextTick`): an HTTP server handles each
 * request in its own I/O callback, and the tick queue drains after every one of them, so a
 * nextTick batch holds one request's command. Held to the check phase, the commands of every
 * request read in one poll go out together: the Express write route went from 4.3k to 5.4k-5.8k
 * requests/s on the bench machine. The added latency is bounded by the rest of the current turn
 * (no timer is involved), and nothing waits when the loop is idle.
 *
 * Only a standalone or Sentinel client is batched (one socket); a Cluster routes each command to
 * its node's own connection, and is left as it is. A client that is not connected yet queues
 * commands inside ioredis, so there is no socket to cork: nothing happens then.
 * @example const batcher = new WriteBatcher(client); batcher.hold(); client.get(key)
 */
export class WriteBatcher {
  readonly #client: Redis | Cluster
  readonly #enabled: boolean
  #held: Corkable | null = null
  readonly #release = () => {
    const socket = this.#held
    this.#held = null
    socket?.uncork()
  }

  constructor(client: Redis | Cluster, enabled: boolean) {
    this.#client = client
    this.#enabled = enabled && !('isCluster' in client && client.isCluster)
  }

  /** Holds the client's socket until this turn's check phase; call before sending a command. */
  hold(): void {
    if (!this.#enabled || this.#held !== null) return
    const socket = (this.#client as { stream?: Corkable }).stream
    if (!socket || socket.writable === false || typeof socket.cork !== 'function') return
    socket.cork()
    this.#held = socket
    setImmediate(this.#release)
  }
}
