import type { FactRow, Row } from './harness'
import { targetsMarkdown, type TargetResult } from './targets'

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/**
 * The results as markdown: the targets this run met or missed (see `checkTargets`), then one
 * table per group, ratios against the named baseline.
 */
export function toMarkdown(rows: Row[], facts: FactRow[], meta: Record<string, string>, targets: readonly TargetResult[] = []): string {
  const out: string[] = ['# sessionkit benchmarks', '']
  for (const [k, v] of Object.entries(meta)) out.push(`- ${k}: ${v}`)
  out.push('')
  out.push(...targetsMarkdown(targets))
  const groups = [...new Set(rows.map((r) => `${r.group}\u0000${r.concurrency}`))]
  for (const key of groups) {
    const [group, concurrency] = key.split('\u0000') as [string, string]
    const mine = rows.filter((r) => r.group === group && String(r.concurrency) === concurrency)
    out.push(`## ${group} (concurrency ${concurrency})`, '')
    out.push('| case | ops/s | p50 µs | p99 µs | ratio | vs |', '|---|---:|---:|---:|---:|---|')
    for (const r of mine) {
      out.push(
        `| ${r.peer ? '' : '**'}${r.name}${r.peer ? ` (${r.tag ?? 'peer'})` : '**'} | ${fmt(r.opsPerSec)} | ${fmt(r.p50us, 1)} | ${fmt(r.p99us, 1)} | ${r.ratio === null ? '' : `${fmt(r.ratio, 2)}x`} | ${r.baseline ?? ''} |`,
      )
    }
    out.push('')
  }
  const factGroups = [...new Set(facts.map((f) => f.group))]
  for (const group of factGroups) {
    out.push(`## ${group}`, '', '| case | value | ratio | vs | note |', '|---|---:|---:|---|---|')
    for (const f of facts.filter((x) => x.group === group)) {
      out.push(`| ${f.peer ? '' : '**'}${f.name}${f.peer ? ` (${f.tag ?? 'peer'})` : '**'} | ${fmt(f.value, 1)} ${f.unit} | ${f.ratio === null ? '' : `${fmt(f.ratio, 2)}x`} | ${f.baseline ?? ''} | ${f.note ?? ''} |`)
    }
    out.push('')
  }
  return out.join('\n')
}
