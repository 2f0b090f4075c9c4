/**
 * Parsing of human durations such as `30d`, `12h`, `2w`: the report's `since` option and the ops
 * commands' `--since`. It stays in ops because only they read durations (it is option parsing,
 * not text analysis, so it does not belong in `src/text/`).
 */
import { createError } from '../errors.js'

const UNITS: Record<string, number> = { m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 }

/**
 * Parse a duration (`90m`, `12h`, `30d`, `2w`) into milliseconds; a positive number is taken as
 * milliseconds. Throws `INVALID_DURATION` (naming `what`, the option, and the accepted forms)
 * when the text is not one of them.
 */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text > 0) return text
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$/i.exec(text)
    if (m) return Number(m[1]) * UNITS[m[2].toLowerCase()]
  }
  throw createError('INVALID_DURATION', { option: what, text: String(text) })
}
