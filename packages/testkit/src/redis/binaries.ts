import { spawnSync } from 'node:child_process'

const INSTALL_HINT =
  'install Redis 7 (Debian/Ubuntu: `apt-get install redis-server redis-tools`; macOS: `brew install redis`) ' +
  'so that redis-server and redis-cli are on PATH'

/**
 * Throws, saying what to install, unless every named binary is on PATH. Tests that need a real
 * server fail with this message rather than skip.
 * @example requireBinaries('redis-server', 'redis-cli')
 */
export function requireBinaries(...names: string[]): void {
  const missing = names.filter((name) => spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0)
  if (missing.length > 0) {
    throw new Error(`${missing.join(' and ')} not found on PATH: ${INSTALL_HINT}.`)
  }
}
