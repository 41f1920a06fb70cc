import type { SessionData, SessionManager } from '@sessionkit/core'
import type { SessionHandle } from './session-handle'

/**
 * Tells TypeScript which manager your app uses, so `req.session.data` carries its data type.
 * Declare it once, next to where you create the manager:
 * @example
 * const sessions = new SessionManager<{ cart: string[]; theme?: 'dark' | 'light' }>({ store })
 * declare module '@sessionkit/express' {
 *   interface Register { manager: typeof sessions }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/**
 * The data type of the registered manager, or `Record<string, unknown>` when none is registered.
 * @example const handler = (data: RegisteredData) => data.cart
 */
export type RegisteredData = Register extends { manager: SessionManager<infer TData extends SessionData> } ? TData : Record<string, unknown>

/**
 * The session data type a manager carries.
 * @example type AppData = DataOf<typeof sessions>
 */
export type DataOf<TManager> = TManager extends SessionManager<infer TData extends SessionData> ? TData : never

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's session, set by `session()` from `@sessionkit/express`. */
      session: SessionHandle<RegisteredData>
    }
  }
}
