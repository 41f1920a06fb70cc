/**
 * The demo shop behind the cart: a fixed catalogue and pure functions over cart lines. The cart
 * lives in the session data, so every change goes through the manager's atomic update.
 */

/** One line of the cart: a product and how many. */
export interface CartLine {
  sku: string
  qty: number
}

/** A product of the demo catalogue (prices in cents). */
export interface Product {
  sku: string
  name: string
  price: number
}

/** What the playground keeps in each session. */
export interface PlaygroundData {
  /** The device name given at sign-in ("Work laptop"). */
  device?: string
  cart: CartLine[]
}

/** The demo catalogue. `sticker` is what the concurrency demo adds fifty times at once. */
export const CATALOGUE: readonly Product[] = [
  { sku: 'beans', name: 'Espresso beans', price: 1450 },
  { sku: 'mug', name: 'Ceramic mug', price: 1200 },
  { sku: 'kettle', name: 'Pour-over kettle', price: 4900 },
  { sku: 'filters', name: 'Paper filters', price: 550 },
  { sku: 'sticker', name: 'Sticker', price: 100 },
]

/** The most of one product a cart holds: keeps a runaway script from growing a session without bound. */
export const MAX_QTY = 999

/**
 * True when `sku` names a product of the catalogue.
 * @example isKnownSku('mug') // true
 */
export function isKnownSku(sku: unknown): sku is string {
  return typeof sku === 'string' && CATALOGUE.some((p) => p.sku === sku)
}

/**
 * The cart with one more of `sku` (a new line at the end when it was not there).
 * @example addToCart([{ sku: 'mug', qty: 1 }], 'mug') // [{ sku: 'mug', qty: 2 }]
 */
export function addToCart(cart: readonly CartLine[], sku: string): CartLine[] {
  if (!cart.some((line) => line.sku === sku)) return [...cart, { sku, qty: 1 }]
  return cart.map((line) => (line.sku === sku ? { ...line, qty: Math.min(line.qty + 1, MAX_QTY) } : line))
}

/**
 * The cart with one fewer of `sku` (the line goes at zero), or without the line at all (`all`).
 * @example removeFromCart([{ sku: 'mug', qty: 2 }], 'mug') // [{ sku: 'mug', qty: 1 }]
 */
export function removeFromCart(cart: readonly CartLine[], sku: string, all = false): CartLine[] {
  return cart.flatMap((line) => {
    if (line.sku !== sku) return [line]
    return all || line.qty <= 1 ? [] : [{ ...line, qty: line.qty - 1 }]
  })
}

/**
 * The cart of a session, whatever an older version of the data held.
 * @example cartOf({}) // []
 */
export function cartOf(data: Partial<PlaygroundData> | undefined): CartLine[] {
  return Array.isArray(data?.cart) ? data.cart.filter((l) => isKnownSku(l.sku) && Number.isInteger(l.qty) && l.qty > 0) : []
}

/**
 * Two carts as one: quantities of the same product add up (capped at {@link MAX_QTY}), lines
 * keep the order of `a` then the new ones of `b`. The guest-to-user merge at sign-in.
 * @example mergeCarts([{ sku: 'mug', qty: 1 }], [{ sku: 'mug', qty: 2 }, { sku: 'beans', qty: 1 }]) // mug 3, beans 1
 */
export function mergeCarts(a: readonly CartLine[], b: readonly CartLine[]): CartLine[] {
  const merged = a.map((line) => ({ ...line }))
  for (const line of b) {
    const same = merged.find((m) => m.sku === line.sku)
    if (same) same.qty = Math.min(same.qty + line.qty, MAX_QTY)
    else merged.push({ ...line })
  }
  return merged
}
