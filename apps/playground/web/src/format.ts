/**
 * Formatting for the page: small pure functions.
 */

/**
 * `95_000` → `1:35`; negative → `0:00`.
 * @example clock(95_000) // '1:35'
 */
export function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/**
 * How long ago, coarse: `just now`, `12 s ago`, `3 min ago`.
 * @example ago(12_400) // '12 s ago'
 */
export function ago(ms: number): string {
  if (ms < 2000) return 'just now'
  if (ms < 60_000) return `${Math.floor(ms / 1000)} s ago`
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`
  return `${Math.floor(ms / 3_600_000)} h ago`
}

/**
 * `83_000` → `1 min 23 s`.
 * @example duration(83_000) // '1 min 23 s'
 */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  return `${Math.floor(s / 60)} min ${s % 60} s`
}

/**
 * Wall-clock `14:03:07`.
 * @example timeOfDay(Date.now()) // '14:03:07'
 */
export function timeOfDay(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB', { hour12: false })
}

/**
 * Cents → `$14.50`.
 * @example money(1450) // '$14.50'
 */
export function money(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`
}

/**
 * The first characters of a session id: enough to tell sessions apart on screen.
 * @example shortId(session.id) // 'SMaNvq4Z'
 */
export function shortId(id: string | null): string {
  return id ? id.slice(0, 8) : '—'
}

/**
 * `Mozilla/5.0 (X11; Linux x86_64) … Chrome/156.0 …` → `Chrome on Linux`.
 * @example browserOf(navigator.userAgent) // 'Chrome on Linux'
 */
export function browserOf(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser'
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\/|Chromium\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : /curl|node|undici/i.test(userAgent)
            ? 'Script'
            : 'Browser'
  const os = /Windows/.test(userAgent)
    ? 'Windows'
    : /Android/.test(userAgent)
      ? 'Android'
      : /iPhone|iPad/.test(userAgent)
        ? 'iOS'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null
  return os ? `${browser} on ${os}` : browser
}
