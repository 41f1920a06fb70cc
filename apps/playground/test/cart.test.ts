import { describe, expect, it } from 'vitest'
import { addToCart, cartOf, MAX_QTY, mergeCarts, removeFromCart } from '../server/cart'

describe('the cart', () => {
  it('adds a new product as a line at the end and counts repeats on its line', () => {
    const cart = addToCart(addToCart(addToCart([], 'mug'), 'beans'), 'mug')
    expect(cart).toEqual([
      { sku: 'mug', qty: 2 },
      { sku: 'beans', qty: 1 },
    ])
  })

  it('removes one at a time, drops a line at zero, and removes a whole line on request', () => {
    const cart = [
      { sku: 'mug', qty: 2 },
      { sku: 'beans', qty: 3 },
    ]
    expect(removeFromCart(cart, 'mug')).toEqual([{ sku: 'mug', qty: 1 }, { sku: 'beans', qty: 3 }])
    expect(removeFromCart(removeFromCart(cart, 'mug'), 'mug')).toEqual([{ sku: 'beans', qty: 3 }])
    expect(removeFromCart(cart, 'beans', true)).toEqual([{ sku: 'mug', qty: 2 }])
    expect(removeFromCart(cart, 'kettle')).toEqual(cart)
  })

  it('merges a guest cart into a saved one: quantities add up (capped), new lines at the end, inputs untouched', () => {
    const saved = [{ sku: 'mug', qty: 1 }, { sku: 'sticker', qty: MAX_QTY }]
    const guest = [{ sku: 'beans', qty: 2 }, { sku: 'mug', qty: 2 }, { sku: 'sticker', qty: 5 }]
    expect(mergeCarts(saved, guest)).toEqual([
      { sku: 'mug', qty: 3 },
      { sku: 'sticker', qty: MAX_QTY },
      { sku: 'beans', qty: 2 },
    ])
    expect(saved).toEqual([{ sku: 'mug', qty: 1 }, { sku: 'sticker', qty: MAX_QTY }])
    expect(mergeCarts([], guest)).toEqual(guest)
  })

  it('never grows one line past the cap', () => {
    expect(addToCart([{ sku: 'sticker', qty: MAX_QTY }], 'sticker')).toEqual([{ sku: 'sticker', qty: MAX_QTY }])
  })

  it('reads only well-formed lines of known products from session data', () => {
    const data = { cart: [{ sku: 'mug', qty: 1 }, { sku: 'rocket', qty: 1 }, { sku: 'beans', qty: 0 }, { sku: 'kettle', qty: 1.5 }] }
    expect(cartOf(data)).toEqual([{ sku: 'mug', qty: 1 }])
    expect(cartOf({})).toEqual([])
    expect(cartOf(undefined)).toEqual([])
  })
})
