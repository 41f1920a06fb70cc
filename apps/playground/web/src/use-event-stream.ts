import { useEffect, useRef, useState } from 'preact/hooks'
import type { StreamMessages } from '../../server/protocol'

type Handlers = { [E in keyof StreamMessages]: (data: StreamMessages[E]) => void }

/**
 * Listens to `/api/events` (server-sent events). The browser reconnects by itself; `connected`
 * says whether the stream is open right now.
 * @example const live = useEventStream({ hello, session, stats, config })
 */
export function useEventStream(handlers: Handlers): boolean {
  const latest = useRef(handlers)
  latest.current = handlers
  const [connected, setConnected] = useState(false)
  useEffect(() => {
    const source = new EventSource('/api/events')
    source.onopen = () => setConnected(true)
    source.onerror = () => setConnected(false)
    const names = ['hello', 'session', 'stats', 'config'] as const
    for (const name of names) {
      source.addEventListener(name, (message: MessageEvent<string>) => {
        const handler = latest.current[name] as (data: unknown) => void
        handler(JSON.parse(message.data))
      })
    }
    return () => source.close()
  }, [])
  return connected
}
