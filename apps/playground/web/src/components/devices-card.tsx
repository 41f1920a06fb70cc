import type { StateView } from '../../../server/protocol'
import { api } from '../api'
import { ago, browserOf, shortId, timeOfDay } from '../format'
import { useNow } from '../use-now'
import type { Act } from './app'

/**
 * The signed-in user's sessions (one per device) with revoke buttons.
 * @example <DevicesCard state={state} offset={offset} busy={busy} act={act} />
 */
export function DevicesCard({ state, offset, busy, act }: { state: StateView; offset: number; busy: boolean; act: Act }) {
  const now = useNow(offset)
  const user = state.session?.userId
  return (
    <section class="card" data-testid="devices-card">
      <div class="card-head">
        <h2>Devices</h2>
        {user && (
          <span class="pill" data-testid="device-count">
            {state.devices.length} signed in
          </span>
        )}
      </div>
      {!user ? (
        <p class="empty">Sign in to see every device of your user, with its last activity.</p>
      ) : (
        <>
          <ul class="devices" data-testid="device-list">
            {state.devices.map((d) => (
              <li key={d.id} class={d.current ? 'current' : ''} title={`Session ${shortId(d.id)}…, signed in at ${timeOfDay(d.createdAt)}`} data-testid="device">
                <div class="device-icon" aria-hidden="true">
                  <svg viewBox="0 0 24 24">
                    <rect x="3" y="5" width="18" height="11" rx="1.5" />
                    <path d="M1.5 19h21" />
                  </svg>
                </div>
                <div class="device-text">
                  <div class="device-name">
                    <span data-testid="device-name">{d.device}</span>
                    {d.current && <span class="pill pill-ok">this device</span>}
                  </div>
                  <div class="device-meta">
                    {browserOf(d.userAgent)} · active {ago(now - d.lastAccessedAt)}
                  </div>
                </div>
                <button
                  type="button"
                  class="btn btn-small btn-danger-ghost"
                  disabled={busy}
                  data-testid="revoke-device"
                  onClick={() => act(() => api.revokeDevice(d.id), { leaving: d.current })}
                >
                  {d.current ? 'Sign out' : 'Revoke'}
                </button>
              </li>
            ))}
          </ul>
          <div class="row">
            <button type="button" class="btn" disabled={busy || state.devices.length < 2} data-testid="revoke-others" onClick={() => act(() => api.revokeOthers())}>
              Sign out other devices
            </button>
            <button type="button" class="btn btn-danger-ghost" disabled={busy} data-testid="revoke-all" onClick={() => act(() => api.revokeAll(), { leaving: true })}>
              Sign out everywhere
            </button>
          </div>
        </>
      )}
    </section>
  )
}
