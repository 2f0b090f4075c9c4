/**
 * The FAQ import stage: read CSV/TSV (any of the CJK encodings Excel writes), XLSX, JSON or
 * JSONL into validated FaqEntry values, with a report of every row that could not be imported.
 *
 * One function per job: {@link importFaqFile} reads a file and {@link importFaq} data already in
 * memory, both returning every issue without throwing for bad rows (what `kotae check` shows);
 * {@link throwOnImportErrors} turns a result with errors into the error a caller can branch on,
 * and {@link loadFaqEntries} does both for callers that only want clean entries (`kotae build`).
 */
import { open, stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { createError, KotaeError } from '../errors.js'
import type { FaqEntry } from '../schema.js'
import { tableToEntries } from './columns.js'
import { decodeText } from './encoding.js'
import { parseJsonEntries, parseJsonLines, type JsonItems } from './json.js'
import { formatBytes, parseOptionsWithLimits, type ImportLimits } from './limits.js'
import { chooseDelimiter, parseDelimited } from './tabular.js'
import { ImportFaqFileOptionsSchema, ImportFaqOptionsSchema, type ImportFaqFileOptions, type ImportFaqOptions } from './options.js'
import { FAQ_FORMATS, type FaqFormat, type ImportResult } from './types.js'
import { duplicateIdOf, validateEntries } from './validate.js'

export type { FaqFormat, ImportIssue, ImportResult } from './types.js'
export { FAQ_FORMATS } from './types.js'
export { ColumnMappingSchema, DEFAULT_IMPORT_OPTIONS, ImportFaqFileOptionsSchema, ImportFaqOptionsSchema, type ColumnMapping, type ImportFaqFileOptions, type ImportFaqOptions } from './options.js'
export { validateEntries, ValidateEntriesOptionsSchema, type ValidateEntriesOptions } from './validate.js'
export { formatImportReport, formatIssue } from './report.js'
export { readLabelledQueries } from './queries.js'
export { detectEncoding, type DetectedEncoding } from './encoding.js'
export { HEADER_NAMES, COLUMN_FIELDS, type ColumnField } from './columns.js'
export { DEFAULT_IMPORT_LIMITS, FORBIDDEN_KEYS, ImportLimitsSchema, type ImportLimits, type ImportLimitsInput } from './limits.js'

const EXTENSIONS: Record<string, FaqFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.xlsx': 'xlsx',
  '.xlsm': 'xlsx',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
}

/** The format of a file: the explicit one, else the one its extension says; throws FAQ_UNREADABLE when the extension says none. */
function formatFor(path: string, explicit?: FaqFormat): FaqFormat {
  if (explicit) return explicit
  const ext = extname(path).toLowerCase()
  const format = EXTENSIONS[ext]
  if (format) return format
  throw createError('FAQ_UNREADABLE', {
    source: path,
    reason: `cannot tell the format from the extension "${ext || '(none)'}"${ext === '.xls' ? ' (the old .xls format is not supported)' : ''}`,
    hint: ext === '.xls' ? 'save it from Excel as .xlsx or CSV' : 'use .csv, .tsv, .xlsx, .json or .jsonl, or pass the format (CLI: --format)',
  })
}

/** FAQ_TOO_LARGE for data over `limits.maxFileBytes`; `bytes` is what was seen (for a file that grows, only "more than" the limit). */
function tooLarge(source: string, limits: Readonly<ImportLimits>, bytes: number): KotaeError<'FAQ_TOO_LARGE'> {
  return createError('FAQ_TOO_LARGE', {
    source,
    limit: 'the file size (bytes)',
    value: bytes,
    max: limits.maxFileBytes,
    hint: `split it into files of at most ${formatBytes(limits.maxFileBytes)}, or raise limits.maxFileBytes`,
  })
}

/** FAQ_UNREADABLE for a file that cannot be opened or read. */
function cannotRead(path: string, why: string, cause?: unknown): KotaeError<'FAQ_UNREADABLE'> {
  return createError('FAQ_UNREADABLE', { source: path, reason: `cannot read the FAQ file (${why})`, hint: 'check the path' }, cause === undefined ? undefined : { cause })
}

/**
 * The bytes of a file, refusing it before reading when it is larger than `maxBytes`, and never
 * reading more than `maxBytes + 1` bytes (a file that grows, or a pipe whose size is unknown).
 */
async function readCapped(path: string, limits: Readonly<ImportLimits>): Promise<Buffer> {
  const max = limits.maxFileBytes
  let info: Awaited<ReturnType<typeof stat>>
  let handle: Awaited<ReturnType<typeof open>>
  try {
    info = await stat(path)
    if (!info.isDirectory() && info.size <= max) handle = await open(path, 'r')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw cannotRead(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message, err)
  }
  if (info.isDirectory()) throw cannotRead(path, 'it is a directory')
  if (info.size > max) throw tooLarge(path, limits, info.size)
  handle = handle!
  try {
    const chunks: Buffer[] = []
    let total = 0
    let want = Math.min(max + 1, Math.max(info.size + 1, 64 * 1024))
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(want, max + 1 - total))
      const { bytesRead } = await handle.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      chunks.push(buf.subarray(0, bytesRead))
      total += bytesRead
      if (total > max) throw tooLarge(path, limits, total)
      want = 1 << 20
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
  } catch (err) {
    if (err instanceof KotaeError) throw err
    throw cannotRead(path, (err as Error).message, err)
  } finally {
    await handle.close()
  }
}

/**
 * Import an FAQ file: validated entries and every issue. Never throws for bad rows: they are
 * reported in `issues` (including rows over the import limits, see `options.limits`). Throws
 * `FAQ_UNREADABLE` only when the file itself cannot be read or parsed (missing file, unknown
 * format, wrong encoding, broken CSV/JSON, unreadable XLSX, unknown sheet), `FAQ_TOO_LARGE` for
 * a file larger than `limits.maxFileBytes` (refused before it is read), `UNKNOWN_COLUMN_FIELD`
 * for a `columns` mapping to a field kotae does not have, and `INVALID_OPTIONS` for options that
 * are not valid.
 */
export async function importFaqFile(path: string, options: ImportFaqFileOptions = {}): Promise<ImportResult> {
  const { format, ...rest } = parseOptionsWithLimits(ImportFaqFileOptionsSchema, options, 'importFaqFile')
  const source = rest.source ?? path
  const fileFormat = formatFor(path, format)
  const data = await readCapped(path, rest.limits)
  return importParsed(data, fileFormat, { ...rest, source })
}

/**
 * Import FAQ data already in memory (an upload, a test), as {@link importFaqFile} does a file:
 * a string is taken as already-decoded text, a Buffer is decoded (or read as XLSX, which must be
 * a Buffer). Data larger than `limits.maxFileBytes` (a string counted as UTF-8) is `FAQ_TOO_LARGE`.
 */
export async function importFaq(data: Buffer | string, format: FaqFormat, options: ImportFaqOptions = {}): Promise<ImportResult> {
  if (!FAQ_FORMATS.includes(format)) {
    throw createError('INVALID_ARGUMENT', { where: 'importFaq', argument: 'format', expected: `one of ${FAQ_FORMATS.join(', ')}`, received: JSON.stringify(format) ?? String(format) })
  }
  if (format === 'xlsx' && typeof data === 'string') {
    throw createError('INVALID_ARGUMENT', { where: 'importFaq', argument: 'data', expected: 'a Buffer for XLSX (a workbook is binary)', received: 'a string' })
  }
  return importParsed(data, format, parseOptionsWithLimits(ImportFaqOptionsSchema, options, 'importFaq'))
}

/** The import proper, on validated options. */
async function importParsed(data: Buffer | string, format: FaqFormat, options: ParsedImportOptions): Promise<ImportResult> {
  const source = options.source ?? '(input)'
  const limits = options.limits
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length
  if (bytes > limits.maxFileBytes) throw tooLarge(source, limits, bytes)
  const result: ImportResult = { entries: [], issues: [], format, rowsRead: 0, source }
  const empty = typeof data === 'string' ? data.trim() === '' : data.length === 0 || (format !== 'xlsx' && data.toString('latin1').replace(/^\xef\xbb\xbf/, '').trim() === '')
  if (empty) {
    result.issues.push({ row: 0, severity: 'error', message: 'the file is empty: expected a header row and at least one entry' })
    return result
  }

  if (format === 'xlsx') {
    // exceljs is large: load it only when a spreadsheet is actually read.
    const { readXlsx } = await import('./xlsx.js')
    const table = await readXlsx(data as Buffer, source, options.sheet)
    return finishTable(result, table, options)
  }

  let text: string
  if (typeof data === 'string') text = data.charCodeAt(0) === 0xfeff ? data.slice(1) : data
  else {
    const decoded = decodeText(data, source, options.encoding)
    text = decoded.text
    result.encoding = decoded.encoding
    for (const message of decoded.warnings) result.issues.push({ row: 0, severity: 'warning', message })
  }

  if (format === 'csv' || format === 'tsv') {
    const table = parseDelimited(text, chooseDelimiter(text, format), source)
    return finishTable(result, table, options)
  }

  const items: JsonItems = format === 'json' ? parseJsonEntries(text, source) : parseJsonLines(text)
  if (options.lang !== undefined) {
    for (const item of items.inputs) {
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        const rec = item as Record<string, unknown>
        if (rec.lang === undefined || rec.lang === null || rec.lang === '') rec.lang = options.lang
      }
    }
  }
  const validated = validateEntries(items.inputs, items.rowNumbers, { limits })
  for (const issue of validated.issues) {
    if (issue.field === 'lang' && issue.message === 'lang is missing') issue.message = 'lang is missing: add "lang" to the entry or pass --lang (for example --lang ja)'
  }
  result.entries = validated.entries
  result.issues = [...result.issues, ...items.issues, ...validated.issues].sort((a, b) => a.row - b.row)
  result.rowsRead = items.inputs.length + items.issues.length
  if (result.rowsRead === 0) result.issues.push({ row: 0, severity: 'error', message: 'the file has no entries' })
  return result
}

/** Map, validate and report the rows of a CSV/TSV/XLSX table. */
function finishTable(result: ImportResult, table: Parameters<typeof tableToEntries>[0], options: ParsedImportOptions): ImportResult {
  if (table.header.length === 0) {
    result.issues.push({ row: 0, severity: 'error', message: 'the file is empty: expected a header row and at least one entry' })
    return result
  }
  const mapped = tableToEntries(table, options)
  const validated = validateEntries(mapped.inputs, mapped.rowNumbers, { limits: options.limits })
  result.entries = validated.entries
  result.rowsRead = mapped.rowsRead
  result.issues = [...result.issues, ...mapped.issues, ...validated.issues].sort((a, b) => a.row - b.row)
  if (mapped.rowsRead === 0) {
    result.issues.push({ row: table.headerRow, severity: 'error', message: 'no entries: the file has a header row but no data rows' })
  }
  return result
}

/**
 * A clean import, or the error that says why it is not: `EMPTY_FAQ` when no rows were read at all,
 * `DUPLICATE_ID` when the only errors are ids used twice, `FAQ_INVALID` for any other row error
 * (`details.problems` lists every one). Warnings (conflicting questions, generated ids, a doubtful
 * encoding) do not fail it; the result is returned as it came, so a caller can show them.
 */
export function throwOnImportErrors(result: ImportResult): ImportResult {
  const errors = result.issues.filter((i) => i.severity === 'error')
  if (result.rowsRead === 0) throw createError('EMPTY_FAQ', { source: result.source })
  if (errors.length === 0) return result
  const duplicates = errors.map(duplicateIdOf)
  if (duplicates.every((d) => d !== undefined)) {
    const ids = [...new Set(duplicates.map((d) => d!.id))]
    const rows = [...new Set(duplicates.flatMap((d) => [d!.firstRow, d!.row]))].sort((a, b) => a - b)
    throw createError('DUPLICATE_ID', { source: result.source, ids, rows })
  }
  throw createError('FAQ_INVALID', { source: result.source, problems: errors.map(({ row, field, message }) => (field === undefined ? { row, message } : { row, field, message })) })
}

/**
 * The entries of an FAQ file that imports cleanly: {@link importFaqFile}, then
 * {@link throwOnImportErrors} (`EMPTY_FAQ`, `DUPLICATE_ID`, `FAQ_INVALID`, plus the errors of the
 * import itself). Warnings do not fail it: use those two to see them.
 */
export async function loadFaqEntries(path: string, options: ImportFaqFileOptions = {}): Promise<FaqEntry[]> {
  return throwOnImportErrors(await importFaqFile(path, options)).entries
}

/** Validated import options (every default applied). */
type ParsedImportOptions = ReturnType<typeof ImportFaqOptionsSchema.parse>
