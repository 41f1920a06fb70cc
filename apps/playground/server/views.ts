import type { Session } from '@sessionkit/core'
import { cartOf, type PlaygroundData } from './cart'
import type { DeviceView, SessionView } from './protocol'

/**
 * The page's view of the visitor's own session.
 * @example sessionView(req.session.current)
 */
export function sessionView(session: Session<PlaygroundData> | null): SessionView | null {
  if (!session) return null
  return {
    id: session.id,
    userId: session.userId,
    device: session.data.device ?? null,
    cart: cartOf(session.data),
    createdAt: session.createdAt,
    lastAccessedAt: session.lastAccessedAt,
    expiresAt: session.expiresAt,
    absoluteExpiresAt: session.absoluteExpiresAt,
    version: session.version,
  }
}

/**
 * One row of the devices list: name, browser and times. The cart of another device is not shown.
 * @example sessions.map((s) => deviceView(s, current.id))
 */
export function deviceView(session: Session<PlaygroundData>, currentId: string | null): DeviceView {
  return {
    id: session.id,
    device: session.data.device ?? 'Unnamed device',
    userAgent: session.userAgent,
    createdAt: session.createdAt,
    lastAccessedAt: session.lastAccessedAt,
    expiresAt: session.expiresAt,
    current: session.id === currentId,
  }
}
