import { defineConfig, type UserConfig } from 'vitest/config'

/**
 * Shared test settings. Every package writes a JSON report next to its package.json so the
 * root test command can print one total for the whole repository.
 */
export function packageTests(overrides: UserConfig['test'] = {}): UserConfig {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
      testTimeout: 20_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  })
}
