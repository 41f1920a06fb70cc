import type { Options } from 'tsup'

/**
 * The one build every runtime package shares: ESM and CJS side by side, with `.d.ts` and
 * `.d.cts` so both module systems get their own types (arethetypeswrong checks this).
 */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    ...overrides,
  }
}
