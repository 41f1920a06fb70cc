/**
 * Random damage to a persisted payload: truncation, flipped, inserted and deleted characters,
 * and wholesale replacement by other JSON (which, unencrypted, may still parse as a payload).
 */
import fc from 'fast-check'

/** One way of damaging a string; `apply` is pure so a failing case replays exactly. */
export interface Corruption {
  kind: string
  apply(original: string): string
}

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true })
const junk = fc.string({ minLength: 1, maxLength: 8, unit: fc.oneof(fc.constantFrom('"', '{', '}', '.', ',', ':', '\\', '=', ' ', '\0', 'A', '0', '_', '-'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' })) })
const at = (s: string, p: number) => Math.floor(p * s.length)

/** Backends store UTF-8: a lone surrogate would not survive the round trip, so make it U+FFFD first. */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

/** The damage arbitrary. Every value changes the string (a no-op corruption proves nothing). */
export const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  position.map((p) => ({ kind: `truncate@${p.toFixed(3)}`, apply: (s: string) => s.slice(0, at(s, p)) })),
  fc.tuple(position, junk).map(([p, j]) => ({
    kind: `overwrite@${p.toFixed(3)}:${JSON.stringify(j)}`,
    apply: (s: string) => s.slice(0, at(s, p)) + j + s.slice(at(s, p) + j.length),
  })),
  fc.tuple(position, junk).map(([p, j]) => ({ kind: `insert@${p.toFixed(3)}:${JSON.stringify(j)}`, apply: (s: string) => s.slice(0, at(s, p)) + j + s.slice(at(s, p)) })),
  fc.tuple(position, fc.integer({ min: 1, max: 16 })).map(([p, n]) => ({ kind: `delete@${p.toFixed(3)}x${n}`, apply: (s: string) => s.slice(0, at(s, p)) + s.slice(at(s, p) + n) })),
  fc.tuple(position, fc.integer({ min: 0, max: 6 })).map(([p, bit]) => ({
    kind: `bitflip@${p.toFixed(3)}b${bit}`,
    apply: (s: string) => {
      const i = at(s, p)
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << bit)) + s.slice(i + 1)
    },
  })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ kind: `json:${JSON.stringify(v).slice(0, 60)}`, apply: () => JSON.stringify(v) })),
  fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.option(fc.string(), { nil: undefined })).map(([d, i]) => ({
    kind: 'payload-shaped json',
    apply: () => JSON.stringify(i === undefined ? { d } : { d, i }),
  })),
)

/** What the unencrypted payload decoder may legitimately accept: JSON of the shape `{ d, i?, u?, x? }`. */
export function parsesAsPayload(text: string): { d: unknown; i?: unknown; u?: unknown } | null {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && 'd' in value ? (value as { d: unknown }) : null
  } catch {
    return null
  }
}
