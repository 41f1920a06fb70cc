import type { ExpirationOptions } from '@sessionkit/core'

/** The three expiry strategies of sessionkit, by name. */
export type StrategyName = ExpirationOptions['strategy']

export const STRATEGY_NAMES: readonly StrategyName[] = ['fixed', 'sliding', 'hybrid']

/**
 * Short lifetimes so the countdown visibly moves and a session can be watched expiring; the
 * ratios are those of a real app (idle far shorter than absolute).
 */
export const DEMO_EXPIRATION: Readonly<Record<StrategyName, ExpirationOptions>> = {
  fixed: { strategy: 'fixed', ttl: 180 },
  sliding: { strategy: 'sliding', ttl: 90 },
  hybrid: { strategy: 'hybrid', idleTtl: 90, absoluteTtl: 300 },
}

/** One line per strategy for the page. */
export const STRATEGY_SUMMARY: Readonly<Record<StrategyName, string>> = {
  fixed: 'Expires 3 min after sign-in, whatever you do.',
  sliding: 'Expires after 90 s without a request; every request pushes it back.',
  hybrid: 'Slides by 90 s on each request, never past 5 min after sign-in.',
}

/**
 * True when `name` is one of the three strategies.
 * @example isStrategyName('hybrid') // true
 */
export function isStrategyName(name: unknown): name is StrategyName {
  return typeof name === 'string' && (STRATEGY_NAMES as readonly string[]).includes(name)
}
