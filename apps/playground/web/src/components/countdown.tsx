import type { SessionView, StateView, StrategyName } from '../../../server/protocol'
import { clock } from '../format'

/**
 * The expiry countdown: the time left and, per term of the strategy, a bar — the idle term
 * (refilled by each request) and the absolute deadline (never moves).
 * @example <Countdown session={session} policy={state.policy} strategy={state.strategy} now={now} />
 */
export function Countdown({ session, policy, strategy, now }: { session: SessionView; policy: StateView['policy']; strategy: StrategyName; now: number }) {
  const left = session.expiresAt - now
  const bindsAbsolute = session.absoluteExpiresAt !== null && session.expiresAt >= session.absoluteExpiresAt
  const urgent = left < 15_000
  return (
    <div class="countdown" data-testid="countdown">
      <div class="countdown-main">
        <span class={`countdown-time${urgent ? ' urgent' : ''}`} data-testid="countdown-time">
          {clock(left)}
        </span>
        <span class="countdown-caption">
          left · <b>{strategy}</b>
          {bindsAbsolute ? ' · capped by the absolute deadline' : ''}
        </span>
      </div>
      {policy.idleTtlMs !== null && <Bar label="Idle" left={session.expiresAt - now} total={policy.idleTtlMs} note="refills on every request" />}
      {session.absoluteExpiresAt !== null && (
        <Bar label="Absolute" left={session.absoluteExpiresAt - now} total={policy.absoluteTtlMs ?? session.absoluteExpiresAt - session.createdAt} note="fixed at sign-in" />
      )}
    </div>
  )
}

function Bar({ label, left, total, note }: { label: string; left: number; total: number; note: string }) {
  const share = Math.max(0, Math.min(1, left / total))
  return (
    <div class="bar">
      <div class="bar-label">
        <span>{label}</span>
        <span class="mono">{clock(left)}</span>
      </div>
      <div class="bar-track" title={note}>
        <div class={`bar-fill${share < 0.15 ? ' low' : ''}`} style={{ width: `${(share * 100).toFixed(1)}%` }} />
      </div>
    </div>
  )
}
