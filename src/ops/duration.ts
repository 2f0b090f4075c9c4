/** Parsing of human durations such as `30d`, `12h`, `2w` for `--since` and friends. */
import { KotaeError } from '../errors.js'

const UNITS: Record<string, number> = { m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 }

/**
 * Parse a duration (`90m`, `12h`, `30d`, `2w`) into milliseconds. Throws `INVALID_INPUT` with
 * the accepted forms when the text is not one of them.
 */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text > 0) return text
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$/i.exec(text)
    if (m) return Number(m[1]) * UNITS[m[2].toLowerCase()]
  }
  throw new KotaeError('INVALID_INPUT', `${what} "${text}" is not a duration: use a number and a unit, m (minutes), h (hours), d (days) or w (weeks), e.g. 30d`, { value: text })
}
