/** The shared flag parsers (src/cli/options.ts): every bad value is CLI_USAGE naming the command, the flag, what was typed and an example. */
import { describe, expect, it } from 'vitest'
import { collectColumn, flagParsers, importOptions } from '../../src/cli/options.js'
import { isKotaeError } from '../../src/errors.js'

const flags = flagParsers('report')

/** The error `fn` throws (fails the test if it does not). */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('flagParsers', () => {
  it('wholeNumber: integers in range; anything else is CLI_USAGE with an example', () => {
    const minHits = flags.wholeNumber('--min-hits', 1)
    expect(minHits('3', 0)).toBe(3)
    for (const bad of ['0', '1.5', 'three', '', ' ']) {
      const error = thrown(() => minHits(bad, 0))
      expect(isKotaeError(error, 'CLI_USAGE'), bad).toBe(true)
      expect((error as Error).message).toBe(`kotae report: --min-hits must be a whole number ≥ 1, got "${bad}". For example --min-hits 1.`)
    }
    expect((thrown(() => flags.wholeNumber('--seed', 0, 100)('101', 0)) as Error).message).toContain('a whole number from 0 to 100')
  })

  it('numberBetween: numbers in range, ends included', () => {
    const p = flags.numberBetween('--low-confidence', 0, 1, 0.3)
    expect([p('0', 0), p('0.25', 0), p('1', 0)]).toEqual([0, 0.25, 1])
    expect(thrown(() => p('1.01', 0))).toMatchObject({ code: 'CLI_USAGE', details: { command: 'report', problem: '--low-confidence must be a number from 0 to 1, got "1.01"', hint: 'for example --low-confidence 0.3' } })
    expect(thrown(() => p('NaN', 0))).toMatchObject({ code: 'CLI_USAGE' })
  })

  it('duration: 90m, 12h, 30d, 2w as milliseconds; anything else says how to write one', () => {
    const since = flags.duration('--since')
    expect(since('90m', 0)).toBe(90 * 60_000)
    expect(since('2w', 0)).toBe(14 * 86_400_000)
    expect((thrown(() => since('last month', 0)) as Error).message).toMatch(/^--since "last month" is not a duration: use a number and a unit/)
  })

  it('dateTime: ISO 8601 as milliseconds', () => {
    const now = flags.dateTime('--now')
    expect(now('2026-04-01T12:00:00Z', 0)).toBe(Date.UTC(2026, 3, 1, 12))
    expect(thrown(() => now('yesterday', 0))).toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('--now 2026-04-01T12:00:00Z') })
  })
})

describe('--column and the import options', () => {
  it('collects header=field pairs (the last = splits, so a header may contain =) and refuses anything else', () => {
    const collect = collectColumn('check')
    expect(collect('a=b=question', collect('質問文=question', {}))).toEqual({ 質問文: 'question', 'a=b': 'question' })
    for (const bad of ['question', '=question', '質問文=']) expect(thrown(() => collect(bad, {})), bad).toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('--column expects header=field') })
  })

  it('maps the flags onto the importer options; no --column is no mapping', () => {
    expect(importOptions({ format: 'csv', encoding: 'shift_jis', lang: 'ja', column: {} })).toEqual({ format: 'csv', encoding: 'shift_jis', sheet: undefined, lang: 'ja', columns: undefined })
    expect(importOptions({ column: { 質問文: 'question' } }).columns).toEqual({ 質問文: 'question' })
  })
})
