import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** One test of the child run, as vitest's JSON reporter writes it. */
export interface FixtureResult {
  suite: string
  title: string
  fullName: string
  status: string
}

interface JsonReport {
  testResults: { assertionResults: { ancestorTitles: string[]; title: string; fullName: string; status: string }[] }[]
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url))

/**
 * Runs the fixture suites in a child vitest (a real, separate run: their failures are the
 * data) and returns every test's outcome. Bounded: the child is killed after `timeoutMs`.
 */
export async function runFixtures(timeoutMs = 150_000): Promise<FixtureResult[]> {
  const require = createRequire(import.meta.url)
  const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs')
  const dir = mkdtempSync(join(tmpdir(), 'sk-conformance-fixtures-'))
  const output = join(dir, 'report.json')
  try {
    const child = spawn(
      process.execPath,
      [vitest, 'run', '--config', 'test/fixtures/vitest.fixtures.config.ts', '--reporter=json', `--outputFile=${output}`],
      { cwd: packageRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'test' } },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    await new Promise<void>((resolve) => child.on('close', () => resolve()))
    clearTimeout(timer)
    let report: JsonReport
    try {
      report = JSON.parse(readFileSync(output, 'utf8')) as JsonReport
    } catch (cause) {
      throw new Error(`the fixture run wrote no report:\n${stderr.slice(-4000)}`, { cause })
    }
    return report.testResults.flatMap((file) =>
      file.assertionResults.map((t) => ({ suite: t.ancestorTitles[0] ?? '', title: t.title, fullName: t.fullName, status: t.status })),
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
