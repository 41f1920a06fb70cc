import type { StateView } from '../../../server/protocol'
import { api } from '../api'
import type { Act } from './app'

/**
 * The title, the store switcher and the strategy switcher.
 * @example <Header state={state} busy={busy} act={act} />
 */
export function Header({ state, busy, act }: { state: StateView; busy: boolean; act: Act }) {
  const store = state.stores.find((s) => s.name === state.store)
  const strategy = state.strategies.find((s) => s.name === state.strategy)
  return (
    <header class="topbar">
      <div class="brand">
        <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
          <rect width="32" height="32" rx="8" />
          <path d="M10 20c0 2 2.5 3 6 3s6-1.2 6-3.5-2.5-3-6-3.5-6-1.2-6-3.5S12.5 9 16 9s5.5 1 6 3" />
        </svg>
        <div>
          <div class="brand-name">
            sessionkit <span>playground</span>
          </div>
          <div class="brand-sub">Server-side sessions, live: every store, every expiry strategy.</div>
        </div>
      </div>
      <div class="switchers">
        <div class="switcher">
          <span class="switcher-label">Store</span>
          <div class="segmented" role="group" aria-label="Store" data-testid="store-switcher">
            {state.stores.map((s) => (
              <button
                type="button"
                key={s.name}
                class={s.name === state.store ? 'active' : ''}
                aria-pressed={s.name === state.store}
                disabled={busy}
                title={s.error ?? s.detail ?? s.needs}
                data-testid={`store-${s.name}`}
                onClick={() => s.name !== state.store && act(() => api.switchStore(s.name))}
              >
                <i class={`dot dot-${s.name === state.store ? 'on' : s.status}`} />
                {s.label}
              </button>
            ))}
          </div>
          <span class="switcher-detail" data-testid="store-detail">
            {store?.detail ?? ''}
          </span>
        </div>
        <div class="switcher">
          <span class="switcher-label">Expiry</span>
          <div class="segmented" role="group" aria-label="Expiry strategy" data-testid="strategy-switcher">
            {state.strategies.map((s) => (
              <button
                type="button"
                key={s.name}
                class={s.name === state.strategy ? 'active' : ''}
                aria-pressed={s.name === state.strategy}
                disabled={busy}
                title={s.summary}
                data-testid={`strategy-${s.name}`}
                onClick={() => s.name !== state.strategy && act(() => api.switchStrategy(s.name))}
              >
                {s.name}
              </button>
            ))}
          </div>
          <span class="switcher-detail">{strategy?.summary ?? ''}</span>
        </div>
      </div>
    </header>
  )
}
