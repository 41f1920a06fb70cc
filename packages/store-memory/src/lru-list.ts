/** A node of {@link LruList}: the list links live on the stored entry itself (no wrapper objects). */
export interface LruNode {
  newer: LruNode | null
  older: LruNode | null
}

/**
 * An intrusive doubly-linked list in recency order: a use moves the node to the front in O(1)
 * with four pointer writes and no allocation, and the least recently used node is the tail.
 */
export class LruList<T extends LruNode> {
  #newest: T | null = null
  #oldest: T | null = null

  /** The least recently used node, or null when empty. */
  get oldest(): T | null {
    return this.#oldest
  }

  /** Adds a node as the most recently used. */
  pushNewest(node: T): void {
    node.older = this.#newest
    node.newer = null
    if (this.#newest) this.#newest.newer = node
    else this.#oldest = node
    this.#newest = node
  }

  /**
   * Marks a node (already in the list) as just used. This is every read's path, so it relinks
   * in place (six pointer writes) rather than calling `remove` then `pushNewest`, which clear
   * and rewrite the node's own links.
   */
  touch(node: T): void {
    const newest = this.#newest
    if (newest === node || newest === null) return
    // Not the newest, so it has a newer neighbour.
    const newer = node.newer!
    const older = node.older
    newer.older = older
    if (older) older.newer = newer
    else this.#oldest = newer as T
    node.older = newest
    node.newer = null
    newest.newer = node
    this.#newest = node
  }

  /** Unlinks a node. */
  remove(node: T): void {
    if (node.newer) node.newer.older = node.older
    else this.#newest = node.older as T | null
    if (node.older) node.older.newer = node.newer
    else this.#oldest = node.newer as T | null
    node.newer = null
    node.older = null
  }

  /** Forgets every node. */
  clear(): void {
    this.#newest = null
    this.#oldest = null
  }
}
