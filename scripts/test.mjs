#!/usr/bin/env node
// The one test command (README quick start, and .ci/run): installs dependencies with the pinned
// pnpm, finds or starts a Redis, then builds, lints, typechecks and tests every package through
// turbo, and prints one closing total for the whole repository.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { pnpm, root } from './pnpm.mjs'
import { ensureRedis } from './ensure-redis.mjs'
import { ensureChromium } from './ensure-chromium.mjs'

const workspaces = ['packages', 'apps'].flatMap((dir) =>
  existsSync(join(root, dir)) ? readdirSync(join(root, dir)).map((name) => join(root, dir, name)) : [],
)
const reports = workspaces.map((ws) => join(ws, 'test-results.json'))
for (const report of reports) rmSync(report, { force: true })

const frozen = process.env.CI ? ['--frozen-lockfile'] : []
if (pnpm(['install', ...frozen]) !== 0) {
  console.error('pnpm install failed')
  process.exit(1)
}

const redis = await ensureRedis()
console.log(`[test] Redis for the tests: ${redis.url}${redis.started ? ' (started for this run)' : ''}`)
// Only the playground's browser tests need Chromium.
const chromium = existsSync(join(root, 'apps/playground/test')) ? ensureChromium() : ''
if (chromium) console.log(`[test] Chromium for the end-to-end tests: ${chromium}`)

const env = { ...process.env, REDIS_URL: redis.url, CHROMIUM_PATH: chromium }
const tasks = (process.env.SESSIONKIT_TEST_TASKS ?? 'build lint typecheck test').split(/\s+/)
const status = pnpm(['exec', 'turbo', 'run', ...tasks, '--concurrency=2', ...process.argv.slice(2)], { env })

if (redis.started) {
  const pid = Number(readFileSync(redis.started.pidFile, 'utf8'))
  try { process.kill(pid) } catch { /* already gone */ }
}

let passed = 0, failed = 0, skipped = 0
for (const report of reports) {
  if (!existsSync(report)) continue
  const r = JSON.parse(readFileSync(report, 'utf8'))
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += r.numPendingTests + (r.numTodoTests ?? 0)
}
console.log('')
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
if (status === 0 && passed === 0) {
  console.error('No test ran: that is a failure, not a pass.')
  process.exit(1)
}
process.exit(status !== 0 ? status : failed > 0 ? 1 : 0)
