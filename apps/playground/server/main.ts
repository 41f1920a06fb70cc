/**
 * `npm run playground`: starts the playground on the memory store and prints its URL.
 * PORT (default 4173), HOST, PLAYGROUND_STORE and PLAYGROUND_STRATEGY choose where and how.
 */
import { isStoreName } from './backends'
import { startPlayground } from './playground'
import { isStrategyName } from './strategies'

const store = process.env.PLAYGROUND_STORE
const strategy = process.env.PLAYGROUND_STRATEGY

const port = Number(process.env.PORT ?? 4173)
const playground = await startPlayground({
  port,
  host: process.env.HOST ?? '127.0.0.1',
  store: isStoreName(store) ? store : 'memory',
  strategy: isStrategyName(strategy) ? strategy : 'hybrid',
}).catch((error: unknown) => {
  const code = (error as { code?: unknown }).code
  const message = code === 'EADDRINUSE' ? `port ${port} is in use: set PORT to another one (PORT=0 picks a free port)` : error instanceof Error ? error.message : String(error)
  console.error(`\n  The playground could not start: ${message}\n`)
  process.exit(1)
})

console.log(`\n  sessionkit playground  ${playground.url}\n`)
console.log(`  store: ${playground.runtime.store} · strategy: ${playground.runtime.strategy} · Ctrl+C to stop\n`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1)
    stopping = true
    void playground.close().then(() => process.exit(0))
  })
}
