/**
 * CSV/TSV parsing with csv-parse. Row numbers are the ones a spreadsheet shows (the header is
 * row 1, blank lines count), and an unclosed quote is reported at the line where it opened,
 * since that is where the person has to look.
 */
import { parse } from 'csv-parse/sync'
import { createError } from '../errors.js'
import type { Table } from './types.js'

/** The line where a quoted field opens and never closes, or undefined when all quotes close. */
export function findUnclosedQuote(text: string, delimiter: string): number | undefined {
  let line = 1
  let inQuote = false
  let openedAt = 0
  let atFieldStart = true
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inQuote) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++
        else inQuote = false
      } else if (ch === '\n') line++
      continue
    }
    if (ch === '"' && atFieldStart) {
      inQuote = true
      openedAt = line
      atFieldStart = false
    } else if (ch === delimiter) atFieldStart = true
    else if (ch === '\n') {
      line++
      atFieldStart = true
    } else if (ch !== '\r') atFieldStart = false
  }
  return inQuote ? openedAt : undefined
}

/**
 * Parse delimited text into a {@link Table}. Throws KotaeError('FAQ_UNREADABLE') with the line
 * when the text cannot be split into records at all (for example an unclosed quote).
 */
export function parseDelimited(text: string, delimiter: ',' | '\t', source: string): Table {
  let records: string[][]
  try {
    records = parse(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
      bom: true,
    }) as string[][]
  } catch (err) {
    const e = err as { code?: string; message?: string; lines?: number }
    const opened = e.code === 'CSV_QUOTE_NOT_CLOSED' ? findUnclosedQuote(text, delimiter) : undefined
    const line = opened ?? e.lines
    const what =
      opened !== undefined
        ? `a quoted field opened on line ${opened} is never closed (a missing " ends the file early)`
        : (e.message ?? String(err))
    throw createError(
      'FAQ_UNREADABLE',
      { source, reason: `broken ${delimiter === '\t' ? 'TSV' : 'CSV'}: ${what}`, line, hint: opened !== undefined ? 'close the quote (or double a " inside a quoted cell)' : 'check the quoting on that line' },
      { cause: err },
    )
  }
  // A trailing newline does not produce a record, but a blank line in the middle does (as ['']).
  let first = records.findIndex((r) => !isBlank(r))
  if (first < 0) return { header: [], headerRow: 1, rows: [] }
  const header = records[first]!.map((h) => h.trim())
  const rows: Table['rows'] = []
  for (let i = first + 1; i < records.length; i++) {
    rows.push({ row: i + 1, cells: records[i]! })
  }
  return { header, headerRow: first + 1, rows }
}

/** True when every cell of a record is empty or whitespace. */
export function isBlank(cells: unknown[]): boolean {
  return cells.every((c) => c === undefined || c === null || String(c).trim() === '')
}

/** Pick the delimiter: the format's own, unless a `.csv` header line clearly uses tabs. */
export function chooseDelimiter(text: string, format: 'csv' | 'tsv'): ',' | '\t' {
  if (format === 'tsv') return '\t'
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length)
  return firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ','
}
