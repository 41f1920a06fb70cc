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

  /** Marks a node as just used. */
  touch(node: T): void {
    if (this.#newest === node) return
    this.remove(node)
    this.pushNewest(node)
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
