/**
 * Plain types shared by the import stage. An import never silently drops a row: every rejected
 * or adjusted row becomes an {@link ImportIssue} with the row number a person sees in the file.
 */
import type { FaqEntry } from '../schema.js'
import type { ImportLimitsInput } from './limits.js'

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
  /** Where the data came from (a path, or the `source` given to `parseFaq`). */
  source: string
}

/** Options for reading an FAQ file. Everything is optional: the defaults read most files. */
export interface ReadFaqOptions {
  /** Overrides the format chosen from the file extension. */
  format?: FaqFormat
  /** Text encoding (e.g. `shift_jis`, `euc-kr`, `gb18030`); detected when absent. */
  encoding?: string
  /** XLSX: the sheet to read (default: the first sheet). */
  sheet?: string
  /** Language tag for rows that have none (no `lang` column, or an empty cell). */
  lang?: string
  /**
   * Explicit header → field mapping, e.g. `{ "FAQ本文": "answer" }`. Fields: id, lang, question,
   * answer, category, tags, updatedAt, variants (one per line or several columns), metadata, ignore.
   */
  columns?: Record<string, string>
  /**
   * Import limits to change (the others keep their default; see `DEFAULT_IMPORT_LIMITS`):
   * characters per text field, variants and tags per entry, metadata depth and size, file size.
   * An entry over a limit is an error issue on its row; a file over `maxFileBytes` is not read.
   */
  limits?: ImportLimitsInput
}

/** A table read from CSV/TSV/XLSX: header cells and data rows with their visible row numbers. */
export interface Table {
  header: string[]
  headerRow: number
  rows: { row: number; cells: unknown[] }[]
}
