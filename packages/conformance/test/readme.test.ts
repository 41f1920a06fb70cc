import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const examplePath = 'test/fixtures/adapter/test/conformance.fixture.ts'

/** The code block right after the `<!-- adapter-example: … -->` marker in the README. */
function readmeExample(): string {
  const readme = readFileSync(`${root}README.md`, 'utf8')
  const match = /<!-- adapter-example: ([^ ]+) -->\n```ts\n([\s\S]*?)```/.exec(readme)
  if (!match) throw new Error('the README has no adapter-example block')
  expect(match[1]).toBe(examplePath)
  return match[2]!
}

/**
 * Typechecks `source` as if it were the file at `fileName`, with the package's tsconfig
 * (strict; `@sessionkit/conformance` mapped to `src/`). Reuses the previous program so the
 * second check costs little.
 */
function typecheck(fileName: string, source: string, previous?: ts.Program): { program: ts.Program; errors: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })
  if (!config) throw new Error('tsconfig.json did not parse')
  // vitest's real types cost seconds of CPU per check and are not what this check is about.
  const options = { ...config.options, noEmit: true, paths: { ...config.options.paths, vitest: ['./test/fixtures/vitest-types-stub.d.ts'] } }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, version) => (name === fileName ? ts.createSourceFile(name, source, version) : getSourceFile(name, version))
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (name) => name === fileName || fileExists(name)
  const program = ts.createProgram([fileName], options, host, previous)
  // Only the example's own diagnostics: the package's typecheck covers the rest, and this is cheaper.
  const file = program.getSourceFile(fileName)!
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]
  const errors = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  return { program, errors }
}

describe('the README adapter example', () => {
  it('is exactly the fixture the tests compile and run', () => {
    expect(readmeExample()).toBe(readFileSync(`${root}${examplePath}`, 'utf8'))
  })

  it('typechecks strictly against the package’s own entry point, and a wrong one does not', () => {
    const good = typecheck(`${root}${examplePath}`, readmeExample())
    expect(good.errors).toEqual([])
    // The example resolves the suite's real entry point, not some other module.
    expect(good.program.getSourceFiles().map((f) => f.fileName)).toContain(`${root}src/index.ts`)
    // The check can fail: the same example with a misnamed factory argument is rejected.
    const broken = readmeExample().replace('({ namespace })', '({ prefix })')
    const bad = typecheck(`${root}test/fixtures/adapter/test/broken-example.ts`, broken, good.program)
    expect(bad.errors.join('\n')).toMatch(/prefix/)
  }, 60_000)
})
