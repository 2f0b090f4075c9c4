/**
 * The flag parsers and flag groups the commands share, each written once: whole numbers,
 * numbers in a range (fractions, precisions), durations, date-times, `--column header=field`,
 * and the import flags of `build` and `check`. A value a parser refuses is a `CLI_USAGE` error
 * naming the command, the flag, what was typed and what to type instead (a duration is
 * `INVALID_DURATION`), so every bad flag reads the same way whichever command it belongs to.
 */
import { Option, type Command } from 'commander'
import { createError } from '../errors.js'
import { FAQ_FORMATS, type ImportFaqFileOptions } from '../ingest/index.js'
import { parseDuration } from '../ops/index.js'

/** A commander value parser: the text typed after a flag → the value the action receives. */
export type FlagParser<T> = (value: string, previous: T) => T

/** Parsers for the flags of one command (the command is named in every error they throw). */
export interface FlagParsers {
  /** A whole number from `min` to `max` (`--min-hits 3`, `--lock-timeout 5000`). */
  wholeNumber(flag: string, min?: number, max?: number): FlagParser<number>
  /** Any number from `min` to `max` (`--target-precision 0.95`, `--calib-fraction 0.3`); `example` is shown in the hint. */
  numberBetween(flag: string, min: number, max: number, example: number): FlagParser<number>
  /** A duration such as `90m`, `12h`, `30d`, `2w`, as milliseconds. */
  duration(flag: string): FlagParser<number>
  /** An ISO 8601 date or date-time (`2026-04-01T12:00:00Z`), as milliseconds since the epoch. */
  dateTime(flag: string): FlagParser<number>
}

const count = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 6 })

/** The flag parsers of `command` (e.g. `flagParsers('report')`). */
export function flagParsers(command: string): FlagParsers {
  const usage = (flag: string, value: string, expected: string, hint: string) => createError('CLI_USAGE', { command, problem: `${flag} must be ${expected}, got "${value}"`, hint })
  return {
    wholeNumber: (flag, min = 0, max = Number.MAX_SAFE_INTEGER) => (value) => {
      const n = Number(value)
      if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${count(min)}` : `from ${count(min)} to ${count(max)}`
        throw usage(flag, value, `a whole number ${range}`, `for example ${flag} ${Math.max(min, Math.min(max, 1))}`)
      }
      return n
    },
    numberBetween: (flag, min, max, example) => (value) => {
      const n = Number(value)
      if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
        throw usage(flag, value, `a number from ${count(min)} to ${count(max)}`, `for example ${flag} ${count(example)}`)
      }
      return n
    },
    duration: (flag) => (value) => parseDuration(value, flag),
    dateTime: (flag) => (value) => {
      const t = Date.parse(value)
      if (Number.isNaN(t)) throw usage(flag, value, 'an ISO 8601 date-time', `for example ${flag} 2026-04-01T12:00:00Z`)
      return t
    },
  }
}

/** `--column header=field`, repeatable: the header → field mapping of the import options. */
export function collectColumn(command: string): FlagParser<Record<string, string>> {
  return (value, previous) => {
    const at = value.lastIndexOf('=')
    if (at <= 0 || at === value.length - 1) {
      throw createError('CLI_USAGE', { command, problem: `--column expects header=field, got "${value}"`, hint: 'for example --column 質問文=question (repeat the flag for each column)' })
    }
    return { ...previous, [value.slice(0, at)]: value.slice(at + 1) }
  }
}

/** The import flags of `build` and `check`: how to read the FAQ file. */
export function withImportOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices([...FAQ_FORMATS]))
    .option('--encoding <name>', 'text encoding of CSV/TSV (default: detected; e.g. utf-8, shift_jis, euc-kr, gb18030)')
    .option('--sheet <name>', 'XLSX sheet (default: the first)')
    .option('--lang <tag>', 'language of rows that have no lang column (ja, ko, en, zh, zh-TW...)')
    .addOption(
      new Option('--column <header=field...>', 'map a header to a field, e.g. --column 質問文=question --column 備考=ignore (repeatable)').argParser(collectColumn(command.name())).default({}, 'none'),
    )
}

/** The import options the flags of {@link withImportOptions} ask for. */
export function importOptions(opts: Record<string, unknown>): ImportFaqFileOptions {
  const columns = opts.column as Record<string, string> | undefined
  return {
    format: opts.format as ImportFaqFileOptions['format'],
    encoding: opts.encoding as string | undefined,
    sheet: opts.sheet as string | undefined,
    lang: opts.lang as string | undefined,
    columns: columns && Object.keys(columns).length > 0 ? columns : undefined,
  }
}
