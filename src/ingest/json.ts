/**
 * JSON and JSONL reading. JSON is an array of entries or `{ entries: [...] }` (row = index + 1);
 * JSONL has one entry per line (row = line number), and a bad line is reported, not fatal.
 */
import { KotaeError } from '../errors.js'
import type { ImportIssue } from './types.js'

/** Raw JSON items with the row numbers to report them under. */
export interface JsonItems {
  inputs: unknown[]
  rowNumbers: number[]
  issues: ImportIssue[]
}

/** Line and column of a JSON.parse error position, when the message has one. */
function position(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message)
  if (!m) return ''
  const pos = Number(m[1])
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
    throw new KotaeError('FAQ_UNREADABLE', `${source}: invalid JSON${position(text, err as Error)}: ${(err as Error).message}`, { source }, { cause: err })
  }
  const items = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object' && Array.isArray((doc as { entries?: unknown }).entries)
      ? (doc as { entries: unknown[] }).entries
      : undefined
  if (!items) {
    throw new KotaeError('FAQ_UNREADABLE', `${source}: expected a JSON array of entries or an object {"entries": [...]}`, { source })
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
      const message = (err as Error).message.replace(/at position (\d+)/, (_, pos: string) => `at column ${Number(pos) + 1}`)
      out.issues.push({ row: i + 1, severity: 'error', message: `not valid JSON: ${message}` })
    }
  })
  return out
}
