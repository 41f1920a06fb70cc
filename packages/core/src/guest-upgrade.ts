import type { CreatedSession, SessionData, SessionManager } from './manager'

/**
 * How a guest's data meets the user's at sign-in. `existing` is the data of the user's most
 * recent live session (another device), or `null` when the user has none.
 */
export type GuestMerge<TData> = (guest: TData, existing: TData | null) => TData | Promise<TData>

export interface UpgradeGuestOptions<TData> {
  /** Combines the guest data with the user's (a cart merge). Default: the guest data is kept. */
  merge?: GuestMerge<TData>
}

/**
 * Signs a guest in: the guest session's data is carried into a new session of `userId` through
 * the app's `merge`, the guest session is deleted and a new token is returned. From the client's
 * point of view it is atomic: the new session exists before the guest one is deleted, the guest
 * token is dead once this resolves, and a guest session that was deleted meanwhile is not brought
 * back (`null`). Built on `rotate`, so the new session keeps the guest's absolute deadline.
 *
 * @example
 * const upgraded = await upgradeGuest(sessions, guestToken, user.id, {
 *   merge: (guest, existing) => ({ cart: [...(existing?.cart ?? []), ...guest.cart] }),
 * })
 * if (upgraded) setCookie(upgraded.token)
 */
export async function upgradeGuest<TData extends SessionData>(
  sessions: SessionManager<TData>,
  guestToken: string,
  userId: string,
  options: UpgradeGuestOptions<TData> = {},
): Promise<CreatedSession<TData> | null> {
  const guest = await sessions.peek(guestToken)
  if (!guest) return null
  const merge = options.merge
  // One round trip for the user's other sessions, only when the app merges.
  const existing = merge ? ((await sessions.getUserSessions(userId))[0]?.data ?? null) : null
  return sessions.rotate(guestToken, { userId, data: merge ? (data: TData) => merge(data, existing) : undefined })
}
