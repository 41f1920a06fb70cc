import type { StatsSample } from '../../../server/protocol'
import { duration } from '../format'
import { SessionsChart } from './sessions-chart'

/**
 * The store's counts now, and active sessions over the last minutes.
 * @example <StatsCard samples={stats} />
 */
export function StatsCard({ samples }: { samples: StatsSample[] }) {
  const last = samples[samples.length - 1]
  return (
    <section class="card" data-testid="stats-card">
      <div class="card-head">
        <h2>Stats</h2>
        <span class="pill">manager.getStats()</span>
      </div>
      <div class="numbers">
        <div>
          <b data-testid="stat-active">{last?.active ?? '—'}</b>
          <span>active sessions</span>
        </div>
        <div>
          <b>{last?.users ?? '—'}</b>
          <span>signed-in users</span>
        </div>
        <div>
          <b>{last ? duration(last.averageDuration) : '—'}</b>
          <span>average age</span>
        </div>
      </div>
      <SessionsChart samples={samples} />
    </section>
  )
}
