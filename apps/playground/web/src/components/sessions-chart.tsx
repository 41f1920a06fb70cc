import type { StatsSample } from '../../../server/protocol'
import { niceMax } from '../chart-scale'

const W = 560
const H = 170
const PAD = { top: 22, right: 12, bottom: 22, left: 30 }
const MAX_WINDOW_MS = 5 * 60_000
const MIN_WINDOW_MS = 30_000

function windowLabel(ms: number): string {
  const s = Math.round(ms / 1000)
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`
}

/**
 * Active sessions over the last minutes (up to five), drawn as a step line (counts change in steps),
 * with a marker where the store was switched. Plain SVG: one series does not need a library.
 * @example <SessionsChart samples={stats} />
 */
export function SessionsChart({ samples }: { samples: StatsSample[] }) {
  if (samples.length === 0) return <div class="chart-empty">Waiting for the first sample…</div>
  // The span grows with the history, from half a minute up to five minutes, so a fresh page is not a flat line in a corner.
  const end = samples[samples.length - 1]!.at
  const span = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, end - samples[0]!.at))
  const start = end - span
  const shown = samples.filter((s) => s.at >= start)
  const top = niceMax(Math.max(...shown.map((s) => s.active)))
  const x = (at: number) => PAD.left + ((at - start) / span) * (W - PAD.left - PAD.right)
  const y = (v: number) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom)

  let line = ''
  shown.forEach((s, i) => {
    line += i === 0 ? `M${x(s.at).toFixed(1)},${y(s.active).toFixed(1)}` : `H${x(s.at).toFixed(1)}V${y(s.active).toFixed(1)}`
  })
  const first = shown[0]!
  const area = `${line}H${x(end).toFixed(1)}V${y(0)}H${x(first.at).toFixed(1)}Z`
  const switches = shown.filter((s, i) => i > 0 && s.store !== shown[i - 1]!.store)
  const ticks = [0, top / 2, top]

  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Active sessions: ${shown[shown.length - 1]!.active} now`} data-testid="chart">
      <defs>
        <linearGradient id="chart-fill" x1="0" x2="0" y1="0" y2="1">
          <stop offset="0%" stop-color="var(--accent)" stop-opacity="0.28" />
          <stop offset="100%" stop-color="var(--accent)" stop-opacity="0.02" />
        </linearGradient>
      </defs>
      {ticks.map((t) => (
        <g key={t}>
          <line class="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
          <text class="chart-axis" x={PAD.left - 8} y={y(t) + 4} text-anchor="end">
            {t}
          </text>
        </g>
      ))}
      <text class="chart-axis" x={PAD.left} y={H - 4}>
        −{windowLabel(span)}
      </text>
      <text class="chart-axis" x={W - PAD.right} y={H - 4} text-anchor="end">
        now
      </text>
      {switches.map((s) => (
        <g key={s.at}>
          <line class="chart-switch" x1={x(s.at)} x2={x(s.at)} y1={PAD.top - 6} y2={H - PAD.bottom} />
          <text class="chart-switch-label" x={x(s.at) + 4} y={PAD.top - 8}>
            {s.store}
          </text>
        </g>
      ))}
      <path d={area} fill="url(#chart-fill)" />
      <path d={line + `H${x(end).toFixed(1)}`} class="chart-line" />
      <circle cx={x(end)} cy={y(shown[shown.length - 1]!.active)} r="3.5" class="chart-dot" />
    </svg>
  )
}
