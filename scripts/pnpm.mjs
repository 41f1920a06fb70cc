#!/usr/bin/env node
// Runs the pinned pnpm (from package.json's packageManager) on a machine that has only Node.js
// and npm: a global pnpm of the same version is used when present, else npx fetches it from
// the npm registry once and caches it.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1]

function globalPnpmMatches() {
  const r = spawnSync('pnpm', ['--version'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() === pinned
}

/** Runs pnpm with the given arguments in the repository root; returns the exit code. */
export function pnpm(args, options = {}) {
  const [cmd, pre] = globalPnpmMatches() ? ['pnpm', []] : ['npx', ['--yes', `pnpm@${pinned}`]]
  const r = spawnSync(cmd, [...pre, ...args], { cwd: root, stdio: 'inherit', ...options })
  if (r.error) throw r.error
  return r.status ?? 1
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(pnpm(process.argv.slice(2)))
}
