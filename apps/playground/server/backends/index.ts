import { memoryBackend } from './memory'
import { redisBackend } from './redis'
import { upstashBackend } from './upstash'
import { zerodbBackend } from './zerodb'
import type { BackendDefinition, StoreName } from './types'

/** The switcher's stores, in the order the page shows them. */
export const BACKENDS: readonly BackendDefinition[] = [memoryBackend, redisBackend, upstashBackend, zerodbBackend]

/**
 * True when `name` is a store the switcher offers.
 * @example isStoreName('memory') // true
 */
export function isStoreName(name: unknown): name is StoreName {
  return typeof name === 'string' && BACKENDS.some((b) => b.name === name)
}

/**
 * The backend called `name`.
 * @example backendNamed('memory').label // 'Memory'
 */
export function backendNamed(name: StoreName): BackendDefinition {
  const backend = BACKENDS.find((b) => b.name === name)
  if (!backend) throw new Error(`unknown store ${name}`)
  return backend
}
