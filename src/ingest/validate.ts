/**
 * Validation of raw entries with the shared FaqEntrySchema. Used for every imported row and
 * for entries that arrive from elsewhere (a CMS via the API), so both paths report problems
 * the same way: row, field, reason. Duplicate ids are caught here.
 */
import { z } from 'zod'
import { FaqEntrySchema, type FaqEntry } from '../schema.js'
import { findQuestionConflicts } from './conflicts.js'
import { entryLimitIssues, forbiddenKeyMessage, ImportLimitsSchema, isForbiddenKey, parseOptionsWithLimits } from './limits.js'
import type { ImportIssue } from './types.js'

/** Options of {@link validateEntries}. */
export const ValidateEntriesOptionsSchema = z.strictObject({
  /**
   * Report entries of one base language whose questions are identical or near-identical while their
   * answers differ, as warnings (default true; false when the entries were already checked on import).
   */
  questionConflicts: z.boolean().default(true),
  /** Import limits each entry is held to (default `DEFAULT_IMPORT_LIMITS`; give only the ones to change). */
  limits: ImportLimitsSchema.prefault({}),
})
/** Options of {@link validateEntries}, as a caller writes them. */
export type ValidateEntriesOptions = z.input<typeof ValidateEntriesOptionsSchema>

/** The issue for a second entry with an id already used on an earlier row. */
function duplicateIdIssue(id: string, first: number, row: number): ImportIssue {
  return { row, field: 'id', severity: 'error', message: `duplicate id "${id}": row ${first} already uses it (rows ${first} and ${row})` }
}

/** The id and both rows of a duplicate-id issue written by {@link validateEntries}; undefined for any other issue. */
export function duplicateIdOf(issue: ImportIssue): { id: string; firstRow: number; row: number } | undefined {
  if (issue.field !== 'id' || issue.severity !== 'error') return undefined
  const m = /^duplicate id "(.*)": row (\d+) already uses it \(rows \d+ and (\d+)\)$/s.exec(issue.message)
  return m ? { id: m[1]!, firstRow: Number(m[2]), row: Number(m[3]) } : undefined
}

const KNOWN_KEYS = new Set(Object.keys(FaqEntrySchema.shape))

/** `variants.2` → `variants[3]` style paths are confusing; show `variants #3` for array items. */
function fieldName(path: PropertyKey[]): string {
  if (path.length === 0) return ''
  const [head, ...rest] = path
  let name = String(head)
  for (const p of rest) name += typeof p === 'number' ? ` #${p + 1}` : `.${String(p)}`
  return name
}

/** Read the value at a zod issue path, to tell "missing" from "wrong". */
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v: unknown = input
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[p]
  }
  return v
}

/**
 * Validate raw entries. `rowNumbers[i]` is the row shown in issues for `inputs[i]` (default
 * i + 1). Keys the schema does not know are moved into `metadata` instead of being dropped.
 * A second entry with an id already seen is rejected, naming both rows.
 *
 * Entries of one base language whose questions or variants are identical or near-identical
 * while their answers differ are *warnings* (see ./conflicts.ts): the entries are still returned.
 * Pass `{ questionConflicts: false }` to skip that check (e.g. when the entries were already
 * checked on import).
 *
 * Before the schema, every entry is held to the import limits (`options.limits`, default
 * `DEFAULT_IMPORT_LIMITS`, see ./limits.ts): text length per field, number of variants and tags, metadata
 * depth and size. An entry over a limit, or with a `__proto__`, `constructor` or `prototype` key at
 * its top level or anywhere in its metadata, is rejected with an error naming the row and field;
 * such keys are never copied into an object (see `FORBIDDEN_KEYS` in ./limits.ts).
 */
export function validateEntries(inputs: unknown[], rowNumbers?: number[], options: ValidateEntriesOptions = {}): { entries: FaqEntry[]; issues: ImportIssue[] } {
  const { limits, questionConflicts } = parseOptionsWithLimits(ValidateEntriesOptionsSchema, options, 'validateEntries')
  const entries: FaqEntry[] = []
  const entryRows: number[] = []
  const issues: ImportIssue[] = []
  const seen = new Map<string, number>()
  inputs.forEach((input, i) => {
    const row = rowNumbers?.[i] ?? i + 1
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      issues.push({ row, severity: 'error', message: `expected an entry object, got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}` })
      return
    }
    // Read the raw keys first: a forbidden key is reported and never assigned anywhere.
    const rejected: ImportIssue[] = []
    const known: [string, unknown][] = []
    const extra: [string, unknown][] = []
    for (const [k, v] of Object.entries(input)) {
      if (isForbiddenKey(k)) rejected.push({ row, field: k, severity: 'error', message: forbiddenKeyMessage(k, 'an entry key') })
      else (KNOWN_KEYS.has(k) ? known : extra).push([k, v])
    }
    const candidate: Record<string, unknown> = Object.fromEntries(known)
    rejected.push(...entryLimitIssues(candidate, extra, row, limits))
    if (rejected.length > 0) {
      issues.push(...rejected)
      return
    }
    if (extra.length > 0) {
      const own = candidate.metadata
      const extras = Object.fromEntries(extra)
      candidate.metadata = own && typeof own === 'object' && !Array.isArray(own) ? { ...extras, ...own } : own === undefined ? extras : own
    }
    const parsed = FaqEntrySchema.safeParse(candidate)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = fieldName(issue.path)
        const missing = issue.path.length > 0 && valueAt(candidate, issue.path) === undefined
        issues.push({
          row,
          field: field || undefined,
          severity: 'error',
          message: missing ? `${field} is missing` : issue.message,
        })
      }
      return
    }
    const entry = parsed.data
    const first = seen.get(entry.id)
    if (first !== undefined) {
      issues.push(duplicateIdIssue(entry.id, first, row))
      return
    }
    seen.set(entry.id, row)
    entries.push(entry)
    entryRows.push(row)
  })
  if (!questionConflicts) return { entries, issues }
  const conflicts = findQuestionConflicts(entries, entryRows)
  if (conflicts.length === 0) return { entries, issues }
  // Stable merge by row: a row's own errors stay in their order, its warnings follow.
  return { entries, issues: [...issues, ...conflicts].sort((a, b) => a.row - b.row) }
}
