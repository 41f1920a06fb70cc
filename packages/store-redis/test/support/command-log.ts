import { Redis } from 'ioredis'

/**
 * Records the commands a Redis server receives from clients, through MONITOR. Commands a Lua
 * script runs arrive with the source `lua` and are left out: they are not round trips.
 */
export interface CommandLog {
  /** Runs `action`, then returns the client commands the server received meanwhile (lowercase names). */
  during(action: () => Promise<unknown>): Promise<string[]>
  close(): Promise<void>
}

/**
 * Starts a MONITOR on the server at `url`. Each measurement ends with an `ECHO <marker>` sent on
 * a separate connection: MONITOR is ordered, so once the marker shows up, every command sent
 * before it has been seen.
 * @example const log = await monitorCommands(server.url); expect(await log.during(() => store.get(id, now))).toEqual(['get'])
 */
export async function monitorCommands(url: string): Promise<CommandLog> {
  const marker = new Redis(url)
  const monitor = await new Redis(url).monitor()
  let seen: string[] = []
  let waiting: { marker: string; resolve: () => void } | null = null
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const name = String(args[0]).toLowerCase()
    if (name === 'echo' && waiting && args[1] === waiting.marker) return waiting.resolve()
    if (source !== 'lua' && name !== 'echo') seen.push(name)
  })
  let n = 0
  const sync = async () => {
    const tag = `sessionkit-marker-${n++}`
    await new Promise<void>((resolve) => {
      waiting = { marker: tag, resolve }
      void marker.echo(tag)
    })
    waiting = null
  }
  return {
    async during(action) {
      // Let the lines of earlier, unmeasured commands arrive first.
      await sync()
      seen = []
      await action()
      await sync()
      return seen
    },
    async close() {
      monitor.disconnect()
      await marker.quit()
    },
  }
}
