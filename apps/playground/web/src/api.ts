import type { CartLine, ErrorBody, StateView } from '../../server/protocol'

/**
 * An answer other than 2xx, with the server's error code and message.
 * @example if (error instanceof ApiError && error.code === 'signed_out') showSignIn()
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

let csrfToken: string | null = null

/**
 * Calls the playground's JSON API. Unsafe methods carry the session's CSRF token, and every
 * answer that names a token updates it (it changes when the session is created or rotated).
 * Answers can arrive out of order, so the token held may belong to a session the browser's
 * cookie no longer names (a remember-me sign-in rotated it meanwhile): an unsafe call refused for
 * its token fetches the token of the current session and is sent once more, never more.
 * @example const state = await request<StateView>('GET', '/state')
 */
export async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  try {
    return await send<T>(method, path, body)
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'csrf' && method !== 'GET')) throw error
    await send('GET', '/state')
    return send<T>(method, path, body)
  }
}

async function send<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken
  const response = await fetch(`/api${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  const data = text ? (JSON.parse(text) as Record<string, unknown>) : {}
  if ('csrfToken' in data) csrfToken = typeof data.csrfToken === 'string' ? data.csrfToken : null
  if (!response.ok) {
    const error = data as Partial<ErrorBody>
    throw new ApiError(response.status, error.error ?? 'error', error.message ?? `The server answered ${response.status}.`)
  }
  return data as T
}

/**
 * The typed calls the page makes.
 * @example await api.addToCart('mug')
 */
export const api = {
  state: () => request<StateView>('GET', '/state'),
  login: (userId: string, device: string, options: { remember?: boolean; merge?: boolean } = {}) =>
    request<StateView>('POST', '/login', { userId, device, ...options }),
  dropSession: () => request<{ ok: true }>('POST', '/session/drop'),
  logout: () => request<StateView>('POST', '/logout'),
  addToCart: (sku: string) => request<{ cart: CartLine[] }>('POST', '/cart', { sku }),
  removeFromCart: (sku: string, all = false) => request<{ cart: CartLine[] }>('DELETE', `/cart/${encodeURIComponent(sku)}${all ? '?all=1' : ''}`),
  revokeDevice: (id: string) => request<StateView>('POST', `/devices/${encodeURIComponent(id)}/revoke`),
  revokeOthers: () => request<StateView>('POST', '/devices/revoke-others'),
  revokeAll: () => request<StateView>('POST', '/devices/revoke-all'),
  switchStore: (store: string) => request<{ ok: true }>('POST', '/store', { store }),
  switchStrategy: (strategy: string) => request<{ ok: true }>('POST', '/strategy', { strategy }),
}
