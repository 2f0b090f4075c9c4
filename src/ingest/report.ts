/** Human-readable import reports, for the CLI and for error messages. */
import type { ImportIssue, ImportResult } from './types.js'

/** One issue as a line: `row 7, field answer: must not be empty` (row 0 is the whole file). */
export function formatIssue(issue: ImportIssue): string {
  const where = issue.row === 0 ? 'file' : `row ${issue.row}`
  const field = issue.field ? `, field ${issue.field}` : ''
  const tag = issue.severity === 'warning' ? 'warning: ' : ''
  return `${where}${field}: ${tag}${issue.message}`
}

/**
 * A report a person can act on: what was read, how many entries were imported and rejected,
 * then one line per issue, errors first, each in row order.
 */
export function formatImportReport(result: ImportResult): string {
  const errors = result.issues.filter((i) => i.severity === 'error')
  const warnings = result.issues.filter((i) => i.severity === 'warning')
  const rejectedRows = Math.max(0, result.rowsRead - result.entries.length)
  const how = [result.format.toUpperCase(), result.encoding].filter(Boolean).join(', ')
  const lines = [
    `${result.source} (${how}): ${result.rowsRead} row(s) read, ${result.entries.length} entr${result.entries.length === 1 ? 'y' : 'ies'} imported, ` +
      `${rejectedRows} row(s) not imported, ${errors.length} error(s), ${warnings.length} warning(s)`,
  ]
  const byRow = (a: ImportIssue, b: ImportIssue) => a.row - b.row
  for (const issue of [...errors].sort(byRow)) lines.push(`  ${formatIssue(issue)}`)
  for (const issue of [...warnings].sort(byRow)) lines.push(`  ${formatIssue(issue)}`)
  return lines.join('\n')
}
