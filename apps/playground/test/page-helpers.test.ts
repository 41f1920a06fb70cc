import { describe, expect, it } from 'vitest'
import { niceMax } from '../web/src/chart-scale'
import { foldEvents } from '../web/src/feed-rows'
import { ago, browserOf, clock } from '../web/src/format'
import type { FeedEvent } from '../server/protocol'
import { arrivedWithCookie } from '../server/session-layer'

const event = (seq: number, type: FeedEvent['type'], sessionId: string): FeedEvent => ({
  seq, type, at: seq, store: 'memory', sessionId, userId: 'ada', reason: null, detail: null,
})

describe('what the page shows', () => {
  it('folds a burst of one event on one session into a single counted row, newest first', () => {
    const rows = foldEvents([event(1, 'created', 'a'), event(2, 'updated', 'a'), event(3, 'updated', 'a'), event(4, 'updated', 'b'), event(5, 'updated', 'a')], 10)
    expect(rows.map((r) => [r.event.seq, r.event.type, r.count])).toEqual([
      [5, 'updated', 1],
      [4, 'updated', 1],
      [3, 'updated', 2],
      [1, 'created', 1],
    ])
    expect(foldEvents([event(1, 'created', 'a'), event(2, 'deleted', 'a'), event(3, 'created', 'b')], 2)).toHaveLength(2)
  })

  it('formats countdowns, ages and browsers', () => {
    expect(clock(95_000)).toBe('1:35')
    expect(clock(-3)).toBe('0:00')
    expect(ago(500)).toBe('just now')
    expect(ago(12_400)).toBe('12 s ago')
    expect(ago(3 * 60_000 + 5)).toBe('3 min ago')
    expect(browserOf('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36')).toBe('Chrome on Linux')
    expect(browserOf('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1')).toBe('Safari on iOS')
    expect(browserOf(null)).toBe('Unknown browser')
  })

  it('rounds the chart axis up to a readable number', () => {
    expect([0, 3, 4, 5, 7, 12, 38, 51, 130].map(niceMax)).toEqual([4, 4, 4, 5, 10, 20, 50, 100, 200])
  })

  it('tells a browser that lost its session from one that never had one', () => {
    expect(arrivedWithCookie(undefined)).toBe(false)
    expect(arrivedWithCookie('theme=dark')).toBe(false)
    expect(arrivedWithCookie('theme=dark; playground_sid=abc')).toBe(true)
    expect(arrivedWithCookie('xplayground_sid=abc')).toBe(false)
  })
})
