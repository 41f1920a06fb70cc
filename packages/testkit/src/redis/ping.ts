import { createConnection } from 'node:net'

/**
 * Sends one inline command to a Redis on 127.0.0.1 and resolves its raw reply, or `null` when
 * nothing answers within `timeoutMs`. No client library, so no reconnect loop to tear down.
 * @example await rawCommand(6379, 'PING') // '+PONG\r\n'
 */
export function rawCommand(port: number, command: string, timeoutMs = 500): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let reply = ''
    const done = (value: string | null) => {
      socket.destroy()
      resolve(value)
    }
    socket.setTimeout(timeoutMs, () => done(reply || null))
    socket.on('error', () => done(null))
    socket.on('connect', () => socket.write(`${command}\r\n`))
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8')
      // Simple and error replies end at the first CRLF; bulk replies ($len) at their length.
      const bulk = /^\$(\d+)\r\n/.exec(reply)
      if (bulk ? reply.length >= bulk[0].length + Number(bulk[1]) + 2 : reply.endsWith('\r\n')) done(reply)
    })
  })
}

/**
 * Polls until `check` is true, every 50 ms, for at most `timeoutMs`; throws `message` after that.
 * @example await waitFor(async () => (await rawCommand(port, 'PING')) === '+PONG\r\n', 5000, 'no PONG')
 */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(message)
}
