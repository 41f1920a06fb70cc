import type { FeedEvent } from '../../server/protocol'

/** One row of the feed: an event, and how many like it in a row. */
export interface FeedRow {
  key: number
  event: FeedEvent
  count: number
}

/**
 * Newest first, with runs of the same event on the same session folded into one row (`×12`),
 * so fifty concurrent updates do not push everything else out of sight.
 * @example foldEvents(events, 60).map((row) => `${row.event.type} ×${row.count}`)
 */
export function foldEvents(events: readonly FeedEvent[], limit: number): FeedRow[] {
  const rows: FeedRow[] = []
  for (let i = events.length - 1; i >= 0 && rows.length <= limit; i--) {
    const event = events[i]!
    const last = rows[rows.length - 1]
    if (last && last.event.type === event.type && last.event.sessionId === event.sessionId) last.count++
    else rows.push({ key: event.seq, event, count: 1 })
  }
  return rows.slice(0, limit)
}
