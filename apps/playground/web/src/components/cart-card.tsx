import { useState } from 'preact/hooks'
import type { StateView } from '../../../server/protocol'
import { api, ApiError } from '../api'
import { money } from '../format'
import type { Act } from './app'

const DEMO_SKU = 'sticker'
const DEMO_REQUESTS = 50

interface DemoResult {
  sent: number
  ok: number
  kept: number
  ms: number
}

/**
 * The cart in the session data: add, remove, and the concurrency demo.
 * @example <CartCard state={state} busy={busy} act={act} />
 */
export function CartCard({ state, busy, act }: { state: StateView; busy: boolean; act: Act }) {
  const cart = state.session?.cart ?? []
  const products = new Map(state.catalogue.map((p) => [p.sku, p]))
  const total = cart.reduce((sum, line) => sum + line.qty * (products.get(line.sku)?.price ?? 0), 0)
  const items = cart.reduce((n, line) => n + line.qty, 0)
  const [demo, setDemo] = useState<DemoResult | null>(null)
  const [running, setRunning] = useState(false)

  async function runDemo() {
    setRunning(true)
    setDemo(null)
    try {
      await fireDemo()
    } finally {
      setRunning(false)
    }
  }

  async function fireDemo() {
    const before = (await api.state()).session?.cart.find((l) => l.sku === DEMO_SKU)?.qty ?? 0
    const started = performance.now()
    // All at once: the browser multiplexes them over its connections, the server sees them overlap.
    const results = await Promise.allSettled(Array.from({ length: DEMO_REQUESTS }, () => api.addToCart(DEMO_SKU)))
    const ms = Math.round(performance.now() - started)
    const ok = results.filter((r) => r.status === 'fulfilled').length
    await act(async () => {
      const after = await api.state()
      const kept = (after.session?.cart.find((l) => l.sku === DEMO_SKU)?.qty ?? 0) - before
      setDemo({ sent: DEMO_REQUESTS, ok, kept, ms })
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failure && failure.reason instanceof ApiError) throw failure.reason
      return after
    })
  }

  return (
    <section class="card" data-testid="cart-card">
      <div class="card-head">
        <h2>Cart</h2>
        <span class="pill" data-testid="cart-count">
          {items} item{items === 1 ? '' : 's'}
        </span>
      </div>
      <div class="catalogue">
        {state.catalogue.map((p) => (
          <button type="button" key={p.sku} class="product" disabled={busy || running} data-testid={`add-${p.sku}`} onClick={() => act(() => api.addToCart(p.sku))}>
            <span class="product-plus">+</span>
            <span class="product-name">{p.name}</span>
            <span class="product-price">{money(p.price)}</span>
          </button>
        ))}
      </div>
      {cart.length === 0 ? (
        <p class="empty" data-testid="cart-empty">
          The cart is empty. Adding an item as a guest creates a guest session.
        </p>
      ) : (
        <ul class="cart-lines" data-testid="cart-lines">
          {cart.map((line) => {
            const product = products.get(line.sku)
            return (
              <li key={line.sku} data-testid={`cart-line-${line.sku}`}>
                <span class="line-name">{product?.name ?? line.sku}</span>
                <span class="qty">
                  <button type="button" aria-label="One fewer" disabled={busy || running} data-testid={`minus-${line.sku}`} onClick={() => act(() => api.removeFromCart(line.sku))}>
                    −
                  </button>
                  <b data-testid={`qty-${line.sku}`}>{line.qty}</b>
                  <button type="button" aria-label="One more" disabled={busy || running} onClick={() => act(() => api.addToCart(line.sku))}>
                    +
                  </button>
                </span>
                <span class="line-total">{money(line.qty * (product?.price ?? 0))}</span>
                <button type="button" class="line-remove" aria-label="Remove" disabled={busy || running} data-testid={`remove-${line.sku}`} onClick={() => act(() => api.removeFromCart(line.sku, true))}>
                  ×
                </button>
              </li>
            )
          })}
          <li class="cart-total">
            <span>Total</span>
            <span data-testid="cart-total">{money(total)}</span>
          </li>
        </ul>
      )}
      <div class="demo">
        <div class="demo-text">
          <b>Concurrency demo</b>
          <span>
            {DEMO_REQUESTS} requests add a sticker at the same moment. Each is a compare-and-set on the session, re-applied on conflict: none is lost.
          </span>
        </div>
        <button type="button" class="btn btn-primary" disabled={busy || running || !state.session} data-testid="concurrency-demo" onClick={() => void runDemo()}>
          {running ? 'Running…' : `Fire ${DEMO_REQUESTS} at once`}
        </button>
      </div>
      {!state.session && <p class="hint">Add something first: the demo needs a session.</p>}
      {demo && (
        <div class={`demo-result ${demo.kept === demo.sent ? 'good' : 'bad'}`} data-testid="demo-result">
          <b>
            {demo.kept} of {demo.sent} kept
          </b>
          <span>
            {demo.ok} answered 200 · {demo.sent - demo.kept} lost · {demo.ms} ms
          </span>
        </div>
      )}
    </section>
  )
}
