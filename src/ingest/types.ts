/**
 * Plain types shared by the import stage. An import never silently drops a row: every rejected
 * or adjusted row becomes an {@link ImportIssue} with the row number a person sees in the file.
 */
import type { FaqEntry } from '../schema.js'

/** The file formats the importer understands. */
export const FAQ_FORMATS = ['csv', 'tsv', 'xlsx', 'json', 'jsonl'] as const
/** One of {@link FAQ_FORMATS}. */
export type FaqFormat = (typeof FAQ_FORMATS)[number]

/**
 * One problem found while importing. `row` is the row a person sees: the header is row 1 in
 * CSV/TSV/XLSX, the line number in JSONL, the array index + 1 in JSON; 0 means the file as a whole.
 */
export interface ImportIssue {
  row: number
  field?: string
  message: string
  severity: 'error' | 'warning'
}

/** What an import produced: the valid entries, every issue, and how the file was read. */
export interface ImportResult {
  entries: FaqEntry[]
  issues: ImportIssue[]
  format: FaqFormat
  /** The text encoding used to decode the file (absent for XLSX and for string input). */
  encoding?: string
  /** Data rows (or JSON items) read, not counting the header or blank rows. */
  rowsRead: number
  /** Where the data came from (a path, or the `source` option). */
  source: string
}

/** A table read from CSV/TSV/XLSX: header cells and data rows with their visible row numbers. */
export interface Table {
  header: string[]
  headerRow: number
  rows: { row: number; cells: unknown[] }[]
}
