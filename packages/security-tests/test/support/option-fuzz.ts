/**
 * Random option objects for a constructor: each known option is absent, valid or invalid, and
 * sometimes an unknown (misspelt) option is added. The oracle: with nothing invalid the
 * construction succeeds; otherwise it throws a `ConfigError` whose `option` names one of the
 * options that were wrong, never another error type and never an option that was fine.
 */
import fc from 'fast-check'
import { ConfigError } from '@sessionkit/core'
import { expect } from 'vitest'

export const OPTIONS_SEED = 8_2026
export const OPTIONS_RUNS = 10_000

/** What a valid and an invalid value of one option look like. */
export interface OptionSpec {
  valid: fc.Arbitrary<unknown>
  invalid: fc.Arbitrary<unknown>
}

interface Drawn {
  options: Record<string, unknown>
  wrong: Set<string>
}

/** Values that are wrong for almost every option: keep them small so shrinking is quick. */
export const junk = fc.constantFrom<unknown>(null, Number.NaN, -1, 1.5, '', 'x', {}, [], true, Symbol('s'), 10n)

const unknownName = fc.constantFrom('prefx', 'timeout_ms', 'maxsessions', 'tablename', 'secure ', '__proto__x', 'constructor')

/** Draws option objects from specs; `required` options are always present (valid or not). */
export function optionObjects(specs: Record<string, OptionSpec>, required: readonly string[] = []): fc.Arbitrary<Drawn> {
  const perOption = Object.entries(specs).map(([name, spec]) =>
    fc
      .oneof(
        { weight: required.includes(name) ? 0 : 2, arbitrary: fc.constant({ kind: 'absent' as const }) },
        { weight: 5, arbitrary: spec.valid.map((value) => ({ kind: 'valid' as const, value })) },
        { weight: 1, arbitrary: spec.invalid.map((value) => ({ kind: 'invalid' as const, value })) },
      )
      .map((choice) => [name, choice] as const),
  )
  return fc.tuple(fc.tuple(...perOption), fc.option(fc.tuple(unknownName, junk), { freq: 8, nil: null })).map(([choices, extra]) => {
    const options: Record<string, unknown> = {}
    const wrong = new Set<string>()
    for (const [name, choice] of choices) {
      if (choice.kind === 'absent') continue
      options[name] = choice.value
      if (choice.kind === 'invalid') wrong.add(name)
    }
    if (extra && !(extra[0] in options)) {
      Object.defineProperty(options, extra[0], { value: extra[1], enumerable: true, configurable: true, writable: true })
      wrong.add(extra[0])
    }
    return { options, wrong }
  })
}

/** Asserts the oracle for one construction; `build` returns something to close on success. */
export async function checkConstruction(drawn: Drawn, build: (options: Record<string, unknown>) => { close(): Promise<void> | void }): Promise<void> {
  let built: { close(): Promise<void> | void } | undefined
  let thrown: unknown
  try {
    built = build(drawn.options)
  } catch (error) {
    thrown = error
  }
  if (built) await built.close()
  const shown = `options ${describe(drawn.options)}`
  if (drawn.wrong.size === 0) {
    expect(thrown, shown).toBeUndefined()
    return
  }
  expect(thrown, shown).toBeInstanceOf(ConfigError)
  const named = (thrown as ConfigError).option.split(/[.[]/)[0]!
  expect([...drawn.wrong], `${shown}: the error named "${(thrown as ConfigError).option}"`).toContain(named)
}

function describe(options: Record<string, unknown>): string {
  return `{ ${Object.entries(options)
    .map(([k, v]) => `${k}: ${typeof v === 'symbol' || typeof v === 'bigint' ? String(v) : typeof v === 'function' ? 'fn' : JSON.stringify(v)}`)
    .join(', ')} }`
}
