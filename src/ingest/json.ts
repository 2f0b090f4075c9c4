/**
 * JSON and JSONL reading. JSON is an array of entries or `{ entries: [...] }` (row = index + 1);
 * JSONL has one entry per line (row = line number), and a bad line is reported, not fatal.
 */
import { createError } from '../errors.js'
import type { ImportIssue } from './types.js'

/** Raw JSON items with the row numbers to report them under. */
export interface JsonItems {
  inputs: unknown[]
  rowNumbers: number[]
  issues: ImportIssue[]
}

/**
 * Offset of a JSON.parse error in `text`. V8 says "at position N" for some errors and, for
 * "Unexpected token", quotes about 10 characters either side of the token instead.
 */
function errorOffset(text: string, message: string): number | undefined {
  const at = /position (\d+)/.exec(message)
  if (at) return Number(at[1])
  if (/Unexpected end of JSON input/.test(message)) return text.length
  const token = /Unexpected token '(.)', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON/.exec(message)
  if (!token) return undefined
  const [, ch, clipped, context] = token
  const start = text.indexOf(context!)
  if (start < 0) return undefined
  return clipped ? start + 10 : text.indexOf(ch!, start)
}

/** " at line L, column C" for a JSON.parse error, or "" when the position is unknown. */
function position(text: string, err: Error): string {
  const pos = errorOffset(text, err.message)
  if (pos === undefined) return ''
  const before = text.slice(0, pos)
  const line = before.split('\n').length
  const column = pos - before.lastIndexOf('\n')
  return ` at line ${line}, column ${column}`
}

/**
 * Parse a JSON document of entries. Throws KotaeError('FAQ_UNREADABLE') when the document is
 * not valid JSON or not an array / `{ entries: [...] }`.
 */
export function parseJsonEntries(text: string, source: string): JsonItems {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw createError(
      'FAQ_UNREADABLE',
      { source, reason: `invalid JSON${position(text, err as Error)}: ${(err as Error).message}`, hint: 'fix the JSON there, or save the entries as JSONL (one entry per line) so that one bad line does not stop the import' },
      { cause: err },
    )
  }
  const items = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object' && Array.isArray((doc as { entries?: unknown }).entries)
      ? (doc as { entries: unknown[] }).entries
      : undefined
  if (!items) {
    throw createError('FAQ_UNREADABLE', { source, reason: 'the JSON is neither an array of entries nor an object {"entries": [...]}', hint: 'wrap the entries in [ ] or in {"entries": [ ]}' })
  }
  return { inputs: items, rowNumbers: items.map((_, i) => i + 1), issues: [] }
}

/** Parse JSONL: one JSON value per non-blank line; a line that is not JSON becomes an error issue. */
export function parseJsonLines(text: string): JsonItems {
  const out: JsonItems = { inputs: [], rowNumbers: [], issues: [] }
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '') return
    try {
      out.inputs.push(JSON.parse(line))
      out.rowNumbers.push(i + 1)
    } catch (err) {
      const pos = errorOffset(line, (err as Error).message)
      const where = pos === undefined ? '' : ` at column ${pos + 1 + (raw.length - raw.trimStart().length)}`
      out.issues.push({ row: i + 1, severity: 'error', message: `not valid JSON${where}: ${(err as Error).message}` })
    }
  })
  return out
}
