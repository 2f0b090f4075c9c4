/**
 * The FAQ import stage: read CSV/TSV (any of the CJK encodings Excel writes), XLSX, JSON or
 * JSONL into validated FaqEntry values, with a report of every row that could not be imported.
 */
import { open, stat } from 'node:fs/promises'
import { extname } from 'node:path'
import { KotaeError } from '../errors.js'
import type { FaqEntry } from '../schema.js'
import { tableToEntries } from './columns.js'
import { decodeText } from './encoding.js'
import { parseJsonEntries, parseJsonLines, type JsonItems } from './json.js'
import { formatBytes, resolveImportLimits, type ImportLimits } from './limits.js'
import { formatImportReport, formatIssue } from './report.js'
import { chooseDelimiter, parseDelimited } from './tabular.js'
import { FAQ_FORMATS, type FaqFormat, type ImportResult, type ReadFaqOptions } from './types.js'
import { validateEntries } from './validate.js'

export type { FaqFormat, ImportIssue, ImportResult, ReadFaqOptions } from './types.js'
export { FAQ_FORMATS } from './types.js'
export { validateEntries } from './validate.js'
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

/** The format for a path: the explicit one, else from the extension; throws FAQ_UNREADABLE when unknown. */
function formatFor(path: string, explicit?: FaqFormat): FaqFormat {
  if (explicit) {
    if (!FAQ_FORMATS.includes(explicit)) {
      throw new KotaeError('FAQ_UNREADABLE', `${path}: unknown format "${explicit}"; use one of ${FAQ_FORMATS.join(', ')}`, { source: path })
    }
    return explicit
  }
  const ext = extname(path).toLowerCase()
  const format = EXTENSIONS[ext]
  if (format) return format
  const hint = ext === '.xls' ? ' (the old .xls format is not supported: save it as .xlsx or CSV)' : ''
  throw new KotaeError(
    'FAQ_UNREADABLE',
    `${path}: cannot tell the format from the extension "${ext || '(none)'}"${hint}; use .csv, .tsv, .xlsx, .json or .jsonl, or pass --format`,
    { source: path },
  )
}

/** KotaeError('FAQ_UNREADABLE') for data over `limits.maxFileBytes`; `bytes` undefined when only "more than" is known. */
function tooLarge(source: string, limits: Readonly<ImportLimits>, bytes?: number): KotaeError {
  const size = bytes === undefined ? `more than ${formatBytes(limits.maxFileBytes)}` : formatBytes(bytes)
  return new KotaeError(
    'FAQ_UNREADABLE',
    `${source}: the file is ${size}, over the import limit of ${formatBytes(limits.maxFileBytes)} (${limits.maxFileBytes.toLocaleString('en-US')} bytes): ` +
      'split it into several files, or raise limits.maxFileBytes',
    { source, bytes, limit: limits.maxFileBytes },
  )
}

/**
 * The bytes of a file, refusing it before reading when it is larger than `maxBytes`, and never
 * reading more than `maxBytes + 1` bytes (a file that grows, or a pipe whose size is unknown).
 */
async function readCapped(path: string, limits: Readonly<ImportLimits>): Promise<Buffer> {
  const max = limits.maxFileBytes
  const info = await stat(path)
  if (info.isDirectory()) throw new Error('it is a directory')
  if (info.size > max) throw tooLarge(path, limits, info.size)
  const handle = await open(path, 'r')
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
      if (total > max) throw tooLarge(path, limits)
      want = 1 << 20
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
  } finally {
    await handle.close()
  }
}

/**
 * Read an FAQ file into validated entries. Never throws for bad rows: they are reported in
 * `issues` (including rows over the import limits, see `options.limits`). Throws
 * KotaeError('FAQ_UNREADABLE') only when the file itself cannot be read or parsed (missing file,
 * a file larger than `limits.maxFileBytes` — refused before it is read —, unknown format, wrong
 * encoding, broken CSV, unreadable XLSX, unknown sheet), and KotaeError('INVALID_INPUT') for a
 * `columns` option that names an unknown field or a `limits` option that is not valid.
 */
export async function readFaq(path: string, options: ReadFaqOptions = {}): Promise<ImportResult> {
  const format = formatFor(path, options.format)
  const limits = resolveImportLimits(options.limits)
  let data: Buffer
  try {
    data = await readCapped(path, limits)
  } catch (err) {
    if (err instanceof KotaeError) throw err
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message
    throw new KotaeError('FAQ_UNREADABLE', `${path}: cannot read the FAQ file (${why})`, { source: path }, { cause: err })
  }
  return parseFaq(data, { ...options, limits, format, source: path })
}

/**
 * Parse FAQ data already in memory (an upload, a test). Same behaviour as {@link readFaq};
 * a string is taken as already-decoded text, a Buffer is decoded (or read as XLSX). Data larger
 * than `limits.maxFileBytes` (a string counted as UTF-8) throws KotaeError('FAQ_UNREADABLE').
 */
export async function parseFaq(data: Buffer | string, options: ReadFaqOptions & { format: FaqFormat; source?: string }): Promise<ImportResult> {
  const format = formatFor(options.source ?? '(input)', options.format)
  const source = options.source ?? '(input)'
  const limits = resolveImportLimits(options.limits)
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.length
  if (bytes > limits.maxFileBytes) throw tooLarge(source, limits, bytes)
  const result: ImportResult = { entries: [], issues: [], format, rowsRead: 0, source }
  const empty = typeof data === 'string' ? data.trim() === '' : data.length === 0 || (format !== 'xlsx' && data.toString('latin1').replace(/^\xef\xbb\xbf/, '').trim() === '')
  if (empty) {
    result.issues.push({ row: 0, severity: 'error', message: 'the file is empty: expected a header row and at least one entry' })
    return result
  }

  if (format === 'xlsx') {
    if (typeof data === 'string') throw new KotaeError('INVALID_INPUT', `${source}: XLSX data must be a Buffer, not a string`, { source })
    // exceljs is large: load it only when a spreadsheet is actually read.
    const { readXlsx } = await import('./xlsx.js')
    const table = await readXlsx(data, source, options.sheet)
    return finishTable(result, table, options, limits)
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
    return finishTable(result, table, options, limits)
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
function finishTable(result: ImportResult, table: Parameters<typeof tableToEntries>[0], options: ReadFaqOptions, limits: Readonly<ImportLimits>): ImportResult {
  if (table.header.length === 0) {
    result.issues.push({ row: 0, severity: 'error', message: 'the file is empty: expected a header row and at least one entry' })
    return result
  }
  const mapped = tableToEntries(table, options)
  const validated = validateEntries(mapped.inputs, mapped.rowNumbers, { limits })
  result.entries = validated.entries
  result.rowsRead = mapped.rowsRead
  result.issues = [...result.issues, ...mapped.issues, ...validated.issues].sort((a, b) => a.row - b.row)
  if (mapped.rowsRead === 0) {
    result.issues.push({ row: table.headerRow, severity: 'error', message: 'no entries: the file has a header row but no data rows' })
  }
  return result
}

/**
 * Read an FAQ file and insist that it is clean: returns the entries, or throws
 * KotaeError('EMPTY_FAQ') when there are no rows at all, KotaeError('FAQ_INVALID') when any row
 * has an error (message lists the first errors; `details.issues` has all of them).
 * Warnings do not fail it: use {@link loadFaqResult} to see them.
 */
export async function loadFaq(path: string, options: ReadFaqOptions = {}): Promise<FaqEntry[]> {
  return (await loadFaqResult(path, options)).entries
}

/**
 * {@link loadFaq} that returns the whole import result, so a caller can show the warnings
 * (conflicting questions, generated ids, a doubtful encoding) of a file that has no errors.
 */
export async function loadFaqResult(path: string, options: ReadFaqOptions = {}): Promise<ImportResult> {
  const result = await readFaq(path, options)
  const errors = result.issues.filter((i) => i.severity === 'error')
  if (result.rowsRead === 0) {
    throw new KotaeError('EMPTY_FAQ', `${path}: ${errors.map((e) => e.message).join('; ') || 'no entries'}`, { source: path, issues: result.issues })
  }
  if (errors.length > 0) {
    const shown = errors.slice(0, 10).map((e) => `  ${formatIssue(e)}`)
    const more = errors.length > 10 ? `\n  ... and ${errors.length - 10} more` : ''
    throw new KotaeError(
      'FAQ_INVALID',
      `${path}: ${errors.length} error(s) in the FAQ, ${result.entries.length} of ${result.rowsRead} row(s) importable:\n${shown.join('\n')}${more}`,
      { source: path, issues: result.issues, report: formatImportReport(result) },
    )
  }
  return result
}
