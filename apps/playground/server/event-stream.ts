import type { Request, Response } from 'express'
import type { StreamMessages } from './protocol'

/**
 * Server-sent events to every open page. Hand-written rather than a library: the protocol is
 * four header lines and `event:`/`data:` frames, and the hub must close its clients on shutdown.
 * @example const stream = new EventStream(); stream.send('stats', sample)
 */
export class EventStream {
  readonly #clients = new Set<Response>()
  readonly #heartbeat: NodeJS.Timeout

  constructor(heartbeatMs = 15_000) {
    // A comment line keeps proxies from closing an idle stream.
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), heartbeatMs)
    this.#heartbeat.unref()
  }

  /**
   * Opens a stream for the request and sends `first` as its first message.
   * @example app.get('/api/events', (req, res) => stream.open(req, res, 'hello', { events, stats }))
   */
  open<E extends keyof StreamMessages>(req: Request, res: Response, event: E, first: StreamMessages[E]): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    })
    res.write(`retry: 2000\n\n`)
    res.write(frame(event, first))
    this.#clients.add(res)
    req.on('close', () => this.#clients.delete(res))
  }

  /**
   * Sends a message to every open page.
   * @example stream.send('stats', sample)
   */
  send<E extends keyof StreamMessages>(event: E, data: StreamMessages[E]): void {
    this.#write(frame(event, data))
  }

  /** How many pages listen. */
  get size(): number {
    return this.#clients.size
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    clearInterval(this.#heartbeat)
    for (const res of this.#clients) res.end()
    this.#clients.clear()
  }

  #write(text: string): void {
    for (const res of this.#clients) res.write(text)
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}
