import { Router, json, type Request, type Response } from 'express'
import { csrf, sessionErrors } from '@sessionkit/express'
import { z } from 'zod'
import { isStoreName } from './backends'
import { addToCart, CATALOGUE, cartOf, isKnownSku, mergeCarts, removeFromCart, type PlaygroundData } from './cart'
import type { ErrorBody, StateView } from './protocol'
import type { PlaygroundRuntime } from './runtime'
import { arrivedWithCookie, REMEMBER_COOKIE_NAME } from './session-layer'
import { isStrategyName, STRATEGY_NAMES, STRATEGY_SUMMARY } from './strategies'
import { deviceView, sessionView } from './views'

const loginBody = z.strictObject({
  userId: z.string().trim().min(1, 'Enter a user name.').max(40, 'At most 40 characters.'),
  device: z.string().trim().min(1, 'Name this device.').max(40, 'At most 40 characters.'),
  remember: z.boolean().optional(),
  merge: z.boolean().optional(),
})

/**
 * The JSON API behind the page. Every answer carries the session's CSRF token (it changes when
 * the session is created or rotated), which the page sends back in `X-CSRF-Token`.
 * @example app.use('/api', apiRoutes(runtime))
 */
export function apiRoutes(runtime: PlaygroundRuntime): Router {
  const api = Router()
  api.use(json({ limit: '16kb' }), runtime.middleware(), csrf())

  async function state(req: Request, res: Response): Promise<StateView> {
    const manager = runtime.manager()
    const current = req.session.current
    const devices = current?.userId ? await manager.getUserSessions(current.userId) : []
    return {
      now: Date.now(),
      store: runtime.store,
      stores: runtime.stores(),
      strategy: runtime.strategy,
      strategies: STRATEGY_NAMES.map((name) => ({ name, summary: STRATEGY_SUMMARY[name] })),
      policy: { idleTtlMs: manager.expiration.idleTtlMs, absoluteTtlMs: manager.expiration.absoluteTtlMs },
      catalogue: [...CATALOGUE],
      session: sessionView(current),
      devices: devices.map((s) => deviceView(s, current?.id ?? null)),
      remembered: res.locals.remembered === true || (res.locals.remembered !== false && arrivedWithCookie(req.headers.cookie, REMEMBER_COOKIE_NAME)),
    }
  }

  async function answer(req: Request, res: Response): Promise<void> {
    res.json({ ...(await state(req, res)), csrfToken: req.session.csrfToken() })
  }

  function fail(res: Response, status: number, error: string, message: string): void {
    const body: ErrorBody = { error, message }
    res.status(status).json(body)
  }

  /** A write that needs the session the browser believes it has: 401 when it has ended. */
  function signedOut(req: Request, res: Response): boolean {
    if (req.session.exists || !arrivedWithCookie(req.headers.cookie)) return false
    fail(res, 401, 'signed_out', 'This session has ended: it was revoked, expired or signed out elsewhere.')
    return true
  }

  api.get('/state', answer)

  api.post('/login', async (req, res) => {
    const body = loginBody.safeParse(req.body)
    if (!body.success) return fail(res, 400, 'invalid', body.error.issues[0]!.message)
    const { userId, device, remember, merge } = body.data
    // Rotates a guest session (keeping its cart) or creates one: a new token either way. With
    // `merge`, the guest cart is added to the cart of the user's most recent other device.
    await req.session.login(userId, {
      data: (data: PlaygroundData) => ({ ...data, cart: cartOf(data), device }),
      remember: remember ?? false,
      ...(merge ? { merge: (guest: PlaygroundData, existing: PlaygroundData | null) => ({ ...guest, cart: mergeCarts(cartOf(existing ?? undefined), cartOf(guest)) }) } : {}),
    })
    res.locals.remembered = remember === true
    await answer(req, res)
  })

  api.post('/logout', async (req, res) => {
    await req.session.logout()
    res.locals.remembered = false
    await answer(req, res)
  })

  // The remember-me demo: the server forgets this session as if it had expired. The session
  // cookie now names nothing; the next request signs back in from the remember cookie, if any.
  api.post('/session/drop', async (req, res) => {
    if (signedOut(req, res)) return
    const id = req.session.id
    if (id) await runtime.manager().revoke(id, 'dropped (as if expired)')
    res.json({ ok: true, csrfToken: null })
  })

  api.post('/cart', async (req, res) => {
    const sku: unknown = req.body?.sku
    if (!isKnownSku(sku)) return fail(res, 400, 'invalid', 'Unknown product.')
    if (signedOut(req, res)) return
    // An atomic read-modify-write: fifty of these at once keep fifty additions.
    const saved = await req.session.update((data) => ({ ...data, cart: addToCart(cartOf(data), sku) }))
    if (!saved) return fail(res, 401, 'signed_out', 'This session ended while the cart was being saved.')
    res.json({ cart: saved.cart, csrfToken: req.session.csrfToken() })
  })

  api.delete('/cart/:sku', async (req, res) => {
    const sku = req.params.sku
    if (!isKnownSku(sku)) return fail(res, 400, 'invalid', 'Unknown product.')
    if (signedOut(req, res)) return
    if (!req.session.exists) return void res.json({ cart: [], csrfToken: null })
    const all = req.query.all === '1'
    const saved = await req.session.update((data) => ({ ...data, cart: removeFromCart(cartOf(data), sku, all) }))
    if (!saved) return fail(res, 401, 'signed_out', 'This session ended while the cart was being saved.')
    res.json({ cart: saved.cart, csrfToken: req.session.csrfToken() })
  })

  api.post('/devices/:id/revoke', async (req, res) => {
    if (signedOut(req, res)) return
    const current = req.session.current
    if (!current?.userId) return fail(res, 401, 'not_signed_in', 'Sign in to manage your devices.')
    const mine = await runtime.manager().getUserSessions(current.userId)
    const target = mine.find((s) => s.id === req.params.id)
    if (!target) return fail(res, 404, 'not_found', 'No such device (it may have signed out already).')
    if (target.id === current.id) await req.session.logout()
    else await runtime.manager().revoke(target.id, 'revoked from the devices list')
    await answer(req, res)
  })

  api.post('/devices/revoke-others', async (req, res) => {
    if (signedOut(req, res)) return
    await req.session.logoutOtherDevices()
    await answer(req, res)
  })

  api.post('/devices/revoke-all', async (req, res) => {
    if (signedOut(req, res)) return
    await req.session.logoutEverywhere()
    await answer(req, res)
  })

  api.post('/store', async (req, res) => {
    const name: unknown = req.body?.store
    if (!isStoreName(name)) return fail(res, 400, 'invalid', 'Unknown store.')
    try {
      await runtime.switchStore(name)
    } catch (error) {
      return fail(res, 503, 'store_unavailable', error instanceof Error ? error.message : 'The store could not be opened.')
    }
    // This request's session was loaded from the old store: read it again from the new one.
    res.json({ ok: true })
  })

  api.post('/strategy', async (req, res) => {
    const name: unknown = req.body?.strategy
    if (!isStrategyName(name)) return fail(res, 400, 'invalid', 'Unknown strategy.')
    await runtime.switchStrategy(name)
    res.json({ ok: true })
  })

  api.use(sessionErrors())
  return api
}
