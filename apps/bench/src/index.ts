// `pnpm bench [group ...] [--quick]`: runs each group in its own process, one after the other,
// then prints the targets the run met or missed and one markdown table per group. A run of every
// default group writes results/latest.md and results/latest.json; a run of named groups writes
// results/<group+group>.md (and .json), so it never replaces the full run. `instructions` (valgrind, about 15 minutes) runs only when named.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FactRow, Row } from './harness'
import { toMarkdown } from './report'
import { checkTargets } from './targets'

const here = dirname(fileURLToPath(import.meta.url))
const ALL = ['memory', 'redis', 'express', 'round-trips', 'scaling']
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const chosen = args.filter((a) => !a.startsWith('--'))
const groups = chosen.length ? chosen : ALL

const rows: Row[] = []
const facts: FactRow[] = []
for (const group of groups) {
  const out = join(tmpdir(), `sessionkit-bench-${process.pid}-${group}.json`)
  console.error(`[bench] ${group}${quick ? ' (quick)' : ''} ...`)
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', join(here, 'run-group.ts'), group, out, quick ? 'quick' : 'full'],
    { stdio: ['ignore', 'inherit', 'inherit'], env: process.env },
  )
  if (r.status !== 0) {
    console.error(`[bench] group ${group} failed (exit ${r.status})`)
    process.exit(1)
  }
  const result = JSON.parse(readFileSync(out, 'utf8')) as { rows: Row[]; facts: FactRow[] }
  rows.push(...result.rows)
  facts.push(...result.facts)
}

const meta = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`,
  mode: quick
    ? 'quick (smoke: numbers not meaningful)'
    : groups.every((g) => g === 'instructions')
      ? 'callgrind: instructions per request, counted over a fixed number of requests per route after a warm-up'
      : 'full: warm-up, rounds interleaved (5; Express: 3 processes per app, 3 rounds of 2 s each), medians, ratios paired per round',
  command: `pnpm bench ${args.join(' ')}`.trim(),
}
// A quick run is a smoke test: its numbers say nothing about the targets.
const targets = quick ? [] : checkTargets(rows, facts)
const markdown = toMarkdown(rows, facts, meta, targets)
console.log(markdown)
const dir = join(here, '..', 'results')
mkdirSync(dir, { recursive: true })
const name = quick ? 'quick' : chosen.length ? chosen.join('+') : 'latest'
writeFileSync(join(dir, `${name}.md`), markdown)
writeFileSync(join(dir, `${name}.json`), JSON.stringify({ meta, targets, rows, facts }, null, 2))
