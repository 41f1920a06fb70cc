import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import type { FeedEvent, StateView, StatsSample } from '../../../server/protocol'
import { api, ApiError } from '../api'
import { AnswerOrder } from '../answer-order'
import { useEventStream } from '../use-event-stream'
import { CartCard } from './cart-card'
import { DevicesCard } from './devices-card'
import { EventFeedCard } from './event-feed-card'
import { Header } from './header'
import { NoticeBar, type Notice } from './notice-bar'
import { SessionCard } from './session-card'
import { StatsCard } from './stats-card'

const KEEP_EVENTS = 200
const KEEP_SAMPLES = 150

/** Why this page's session ended, from the event that ended it. */
const ENDINGS: Partial<Record<FeedEvent['type'], string>> = {
  revoked: 'This device was signed out: its session was revoked from another device.',
  deleted: 'This device was signed out.',
  expired: 'Your session expired.',
  evicted: 'This device was signed out: the user has too many sessions and this was the oldest.',
}

/**
 * The page: state from `/api/state`, live events and stats from `/api/events`.
 * @example render(<App />, document.getElementById('app')!)
 */
export function App() {
  const [state, setState] = useState<StateView | null>(null)
  const [offset, setOffset] = useState(0)
  const [events, setEvents] = useState<FeedEvent[]>([])
  const [stats, setStats] = useState<StatsSample[]>([])
  const [notice, setNotice] = useState<Notice | null>(null)
  const [busy, setBusy] = useState(false)
  const current = useRef<StateView | null>(null)
  const ending = useRef<string | null>(null)
  const leaving = useRef(false)
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const pending = useRef<FeedEvent[]>([])
  const flushTimer = useRef<ReturnType<typeof setTimeout> | null>(null)

  const apply = useCallback((next: StateView) => {
    const before = current.current?.session
    if (before?.userId && next.session?.id !== before.id && !next.session?.userId && !leaving.current) {
      setNotice({ tone: 'warn', text: ending.current ?? 'This device was signed out: the session ended (revoked, expired or signed out elsewhere).' })
    }
    leaving.current = false
    ending.current = null
    current.current = next
    setState(next)
    setOffset(next.now - Date.now())
  }, [])

  // Answers may arrive out of order, and a reload racing a sign-out must not draw the session
  // again: AnswerOrder (answer-order.ts) decides which answers are drawn.
  const order = useRef(new AnswerOrder())

  const reload = useCallback(async (forTheAction = false) => {
    const ticket = order.current.send(forTheAction)
    try {
      const next = await api.state()
      if (order.current.mayDraw(ticket)) apply(next)
    } catch (error) {
      setNotice({ tone: 'error', text: error instanceof Error ? error.message : 'The server did not answer.' })
    }
  }, [apply])

  const reloadSoon = useCallback(() => {
    if (reloadTimer.current) return
    reloadTimer.current = setTimeout(() => {
      reloadTimer.current = null
      void reload()
    }, 200)
  }, [reload])

  /** Runs a user action: errors become a notice, a session that ended reloads the page's state. */
  const act = useCallback(
    async (work: () => Promise<StateView | unknown>, options: { leaving?: boolean } = {}) => {
      setBusy(true)
      leaving.current = options.leaving ?? false
      if (options.leaving) order.current.leavingStarted()
      const ticket = order.current.send(true)
      try {
        const result = await work()
        if (result && typeof result === 'object' && 'session' in result) {
          if (order.current.mayDraw(ticket)) apply(result as StateView)
        } else await reload(true)
      } catch (error) {
        if (error instanceof ApiError && error.code === 'signed_out') {
          await reload(true)
          setNotice({ tone: 'warn', text: ending.current ?? error.message })
        } else {
          // The server may know more now (a store marked unavailable, a cart saved before the error):
          // the page redraws from it, then says what went wrong, so the two never disagree.
          await reload(true)
          setNotice({ tone: 'error', text: error instanceof Error ? error.message : String(error) })
        }
      } finally {
        if (options.leaving) order.current.leavingDone()
        setBusy(false)
      }
    },
    [apply, reload],
  )

  useEffect(() => {
    void reload()
  }, [reload])

  // When the countdown reaches zero, ask the server, which will say the session is gone.
  const expiresAt = state?.session?.expiresAt ?? null
  useEffect(() => {
    if (expiresAt === null) return
    const timer = setTimeout(reloadSoon, Math.max(0, expiresAt - (Date.now() + offset)) + 500)
    return () => clearTimeout(timer)
  }, [expiresAt, offset, reloadSoon])

  const connected = useEventStream({
    hello: ({ events: recent, stats: samples }) => {
      setEvents(recent)
      setStats(samples)
    },
    session: (event) => {
      // A burst (fifty concurrent updates) is drawn once, not fifty times.
      pending.current.push(event)
      flushTimer.current ??= setTimeout(() => {
        flushTimer.current = null
        const batch = pending.current.splice(0)
        setEvents((list) => [...list, ...batch].slice(-KEEP_EVENTS))
      }, 100)
      const mine = current.current?.session
      if (!mine) return
      if (event.sessionId === mine.id && ENDINGS[event.type]) ending.current = ENDINGS[event.type]!
      // Something happened to this user's devices (another sign-in, a revoke): redraw.
      if (event.sessionId === mine.id || (mine.userId && event.userId === mine.userId)) reloadSoon()
    },
    stats: (sample) => setStats((list) => [...list, sample].slice(-KEEP_SAMPLES)),
    config: ({ store, strategy }) => {
      setNotice({ tone: 'info', text: `Now on the ${store} store with the ${strategy} strategy.` })
      reloadSoon()
    },
  })

  if (!state) {
    return <div class="loading">Loading the playground…</div>
  }

  return (
    <div class="page">
      <Header state={state} busy={busy} act={act} />
      <NoticeBar notice={notice} onClose={() => setNotice(null)} />
      <main class="columns">
        <div class="column">
          <SessionCard state={state} offset={offset} busy={busy} act={act} />
          <DevicesCard state={state} offset={offset} busy={busy} act={act} />
        </div>
        <div class="column">
          <CartCard state={state} busy={busy} act={act} />
          <StatsCard samples={stats} />
        </div>
        <div class="column">
          <EventFeedCard events={events} connected={connected} mine={state.session?.id ?? null} />
        </div>
      </main>
      <footer class="footer">
        Tokens never leave the cookie (HttpOnly); ids shown here are SHA-256 hashes of them. Data is sealed with AES-256-GCM in every store.
      </footer>
    </div>
  )
}

/** What a card calls to run an action; `leaving` marks a sign-out the user asked for. */
export type Act = (work: () => Promise<StateView | unknown>, options?: { leaving?: boolean }) => Promise<void>
