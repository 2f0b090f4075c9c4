/** Reading labelled queries (benchmark `queries.jsonl` / `calib.jsonl`, see shared/benchmark/FORMAT.md). */
import { readFile } from 'node:fs/promises'
import { KotaeError } from '../errors.js'
import { LabelledQuerySchema, type LabelledQuery } from '../schema.js'

/**
 * Read a JSONL file of labelled queries and validate every line with LabelledQuerySchema.
 * Throws KotaeError('INVALID_INPUT') naming the line and field of each problem (first ones in
 * the message, all in `details.problems`), or when the file cannot be read.
 */
export async function readLabelledQueries(path: string): Promise<LabelledQuery[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new KotaeError('INVALID_INPUT', `${path}: cannot read labelled queries (${(err as Error).message})`, { path }, { cause: err })
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const queries: LabelledQuery[] = []
  const problems: { line: number; field?: string; message: string }[] = []
  text.split('\n').forEach((raw, i) => {
    const line = i + 1
    if (raw.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (err) {
      problems.push({ line, message: `not valid JSON: ${(err as Error).message}` })
      return
    }
    const parsed = LabelledQuerySchema.safeParse(value)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.map(String).join('.') || undefined
        const missing = field !== undefined && value !== null && typeof value === 'object' && !(issue.path[0]! in (value as object))
        problems.push({ line, field, message: missing ? `${field} is missing${field === 'expected' ? ' (use null for out-of-scope queries)' : ''}` : issue.message })
      }
      return
    }
    queries.push(parsed.data)
  })
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).map((p) => `line ${p.line}${p.field ? `, field ${p.field}` : ''}: ${p.message}`)
    const more = problems.length > 5 ? `\n  ... and ${problems.length - 5} more` : ''
    throw new KotaeError('INVALID_INPUT', `${path}: ${problems.length} invalid labelled quer${problems.length === 1 ? 'y' : 'ies'}:\n  ${shown.join('\n  ')}${more}`, {
      path,
      line: problems[0]!.line,
      field: problems[0]!.field,
      problems,
    })
  }
  return queries
}
