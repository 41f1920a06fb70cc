import { useState } from 'preact/hooks'
import type { StateView } from '../../../server/protocol'
import { api } from '../api'
import { ago, shortId, timeOfDay } from '../format'
import { useNow } from '../use-now'
import type { Act } from './app'
import { Countdown } from './countdown'

/**
 * Sign-in form, or the signed-in session with its expiry countdown.
 * @example <SessionCard state={state} offset={offset} busy={busy} act={act} />
 */
export function SessionCard({ state, offset, busy, act }: { state: StateView; offset: number; busy: boolean; act: Act }) {
  const now = useNow(offset)
  const session = state.session
  if (!session?.userId) return <SignInCard state={state} busy={busy} act={act} />
  return (
    <section class="card" data-testid="session-card">
      <div class="card-head">
        <h2>Session</h2>
        <span class="pill pill-ok">signed in</span>
        {state.remembered ? (
          <span class="pill" data-testid="remembered-pill">
            remembered
          </span>
        ) : null}
      </div>
      <div class="who">
        <div class="avatar" aria-hidden="true">
          {session.userId.slice(0, 1).toUpperCase()}
        </div>
        <div class="who-text">
          <div class="who-user" data-testid="signed-in-user">
            {session.userId}
          </div>
          <div class="who-device" data-testid="signed-in-device">
            on {session.device ?? 'an unnamed device'}
          </div>
        </div>
        <button type="button" class="btn btn-ghost" disabled={busy} data-testid="logout" onClick={() => act(() => api.logout(), { leaving: true })}>
          Sign out
        </button>
      </div>
      <Countdown session={session} policy={state.policy} strategy={state.strategy} now={now} />
      <dl class="facts">
        <div>
          <dt>Session id</dt>
          <dd class="mono" title={session.id} data-testid="session-id">
            {shortId(session.id)}…
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd class="mono">v{session.version}</dd>
        </div>
        <div>
          <dt>Signed in</dt>
          <dd>{timeOfDay(session.createdAt)}</dd>
        </div>
        <div>
          <dt>Last request</dt>
          <dd>{ago(now - session.lastAccessedAt)}</dd>
        </div>
      </dl>
      <div class="row">
        <button type="button" class="btn" disabled={busy} data-testid="touch" onClick={() => act(() => api.state())}>
          Make a request
        </button>
        <span class="hint">Any request slides the expiry under sliding and hybrid; fixed never moves.</span>
      </div>
      <div class="row">
        <button
          type="button"
          class="btn"
          disabled={busy}
          data-testid="drop-session"
          onClick={() => act(async () => {
            await api.dropSession()
            return api.state()
          })}
        >
          Drop my session
        </button>
        <span class="hint">
          The server forgets this session as if it had expired.{' '}
          {state.remembered
            ? 'Your remember-me cookie signs you back in at once: a new session, and the remember token rotates (single use).'
            : 'Without remember-me you are signed out.'}
        </span>
      </div>
    </section>
  )
}

function SignInCard({ state, busy, act }: { state: StateView; busy: boolean; act: Act }) {
  const [userId, setUserId] = useState('ada')
  const [device, setDevice] = useState('Work laptop')
  const [remember, setRemember] = useState(false)
  const [merge, setMerge] = useState(false)
  const guestItems = state.session?.cart.reduce((n, line) => n + line.qty, 0) ?? 0
  return (
    <section class="card" data-testid="signin-card">
      <div class="card-head">
        <h2>Sign in</h2>
        <span class="pill">{state.session ? 'guest session' : 'no session'}</span>
      </div>
      <form
        class="signin"
        onSubmit={(e) => {
          e.preventDefault()
          void act(() => api.login(userId, device, { remember, merge }))
        }}
      >
        <label>
          <span>User</span>
          <input name="user" value={userId} autoComplete="off" maxLength={40} data-testid="login-user" onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <label>
          <span>Device name</span>
          <input name="device" value={device} autoComplete="off" maxLength={40} data-testid="login-device" onInput={(e) => setDevice(e.currentTarget.value)} />
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="login-submit">
          Sign in
        </button>
        <label class="check">
          <input type="checkbox" checked={remember} data-testid="login-remember" onChange={(e) => setRemember(e.currentTarget.checked)} />
          <span>Remember me (30 days)</span>
        </label>
        <label class="check">
          <input type="checkbox" checked={merge} data-testid="login-merge" onChange={(e) => setMerge(e.currentTarget.checked)} />
          <span>Merge my guest cart with my cart on other devices</span>
        </label>
      </form>
      <p class="hint">
        Any name works. Signing in issues a new token (the old one dies at once: no session fixation).
        {guestItems > 0 ? ` Your guest cart (${guestItems} item${guestItems === 1 ? '' : 's'}) comes with you.` : ''} Open another browser
        profile and sign in as the same user to see a second device.
      </p>
    </section>
  )
}
