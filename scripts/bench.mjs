#!/usr/bin/env node
// `npm run bench` / `pnpm bench [group ...] [--quick]`: installs, builds what the benchmarks
// import, finds or starts Redis, and runs apps/bench (results in apps/bench/results/).
import { pnpm } from './pnpm.mjs'
import { ensureRedis } from './ensure-redis.mjs'

if (pnpm(['install']) !== 0) process.exit(1)
if (pnpm(['exec', 'turbo', 'run', 'build', '--filter=@sessionkit/bench^...', '--output-logs=errors-only']) !== 0) process.exit(1)
const redis = await ensureRedis()
const status = pnpm(['--filter', '@sessionkit/bench', 'run', 'bench', ...process.argv.slice(2)], { env: { ...process.env, REDIS_URL: redis.url } })
if (redis.started) {
  const { readFileSync } = await import('node:fs')
  try { process.kill(Number(readFileSync(redis.started.pidFile, 'utf8'))) } catch { /* gone */ }
}
process.exit(status)
