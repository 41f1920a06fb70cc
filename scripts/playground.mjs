#!/usr/bin/env node
// `npm run playground`: on a machine with only Node.js and npm, installs the dependencies with
// the pinned pnpm, builds the playground and the packages it uses, and starts it on the memory
// store (no set-up). The server prints its URL. PORT, HOST, PLAYGROUND_STORE,
// PLAYGROUND_STRATEGY, REDIS_URL, UPSTASH_REDIS_REST_URL/TOKEN and ZERODB_API_KEY/PROJECT_ID
// are passed through (see apps/playground/README.md).
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { pnpm, root } from './pnpm.mjs'

function step(label, args) {
  console.log(`[playground] ${label}`)
  const status = pnpm(args)
  if (status !== 0) {
    console.error(`[playground] ${label} failed (exit ${status})`)
    process.exit(status)
  }
}

step('installing dependencies', ['install'])
step('building', ['exec', 'turbo', 'run', 'build', '--filter=@sessionkit/playground...', '--output-logs=errors-only'])

const server = spawn(process.execPath, [join(root, 'apps/playground/dist/server.js')], {
  cwd: join(root, 'apps/playground'),
  stdio: 'inherit',
})
// Ctrl+C reaches the server through the terminal's process group; it closes its stores and exits.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal))
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
