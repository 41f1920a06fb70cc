import type { FeedEvent } from '../../../server/protocol'
import { foldEvents } from '../feed-rows'
import { shortId, timeOfDay } from '../format'

/**
 * The live feed of manager events (server-sent).
 * @example <EventFeedCard events={events} connected={live} mine={state.session?.id ?? null} />
 */
export function EventFeedCard({ events, connected, mine }: { events: FeedEvent[]; connected: boolean; mine: string | null }) {
  const rows = foldEvents(events, 60)
  return (
    <section class="card feed-card" data-testid="event-feed">
      <div class="card-head">
        <h2>Live events</h2>
        <span class={`live ${connected ? 'on' : ''}`}>{connected ? 'live' : 'reconnecting'}</span>
      </div>
      <p class="hint">Every event the manager emits, over server-sent events. Ids, times and reasons only: never a token or data.</p>
      {rows.length === 0 ? (
        <p class="empty">No events yet. Sign in or add to the cart.</p>
      ) : (
        <ol class="feed">
          {rows.map(({ key, event, count }) => (
            <li key={key} class={event.sessionId !== null && event.sessionId === mine ? 'mine' : ''} data-testid="feed-item" data-type={event.type}>
              <span class="feed-time mono">{timeOfDay(event.at)}</span>
              <span class={`badge badge-${event.type}`}>{event.type}</span>
              <span class="feed-body">
                <span class="feed-user">{event.userId ?? 'guest'}</span>
                <span class="mono feed-id">{shortId(event.sessionId)}</span>
                {event.detail && <span class="feed-detail">{event.detail}</span>}
                {event.reason && event.reason !== event.type && <span class="feed-detail">{event.reason}</span>}
              </span>
              {count > 1 && <span class="feed-count">×{count}</span>}
              <span class="feed-store">{event.store}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
