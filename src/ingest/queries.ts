/** Reading labelled queries (benchmark `queries.jsonl` / `calib.jsonl`, see shared/benchmark/FORMAT.md). */
import { readFile } from 'node:fs/promises'
import { createError, type RowProblem } from '../errors.js'
import { LabelledQuerySchema, type LabelledQuery } from '../schema.js'

/**
 * Read a JSONL file of labelled queries and validate every line with LabelledQuerySchema.
 * Throws `QUERIES_INVALID` naming the line (`row`) and field of each problem (the first ones in
 * the message, all in `details.problems`), or, as a problem of the whole file (row 0), when the
 * file cannot be read.
 */
export async function readLabelledQueries(path: string): Promise<LabelledQuery[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message
    throw createError('QUERIES_INVALID', { source: path, problems: [{ row: 0, message: `cannot read the labelled queries (${why}); check the path` }] }, { cause: err })
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const queries: LabelledQuery[] = []
  const problems: RowProblem[] = []
  text.split('\n').forEach((raw, i) => {
    const line = i + 1
    if (raw.trim() === '') return
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (err) {
      problems.push({ row: line, message: `not valid JSON: ${(err as Error).message}` })
      return
    }
    const parsed = LabelledQuerySchema.safeParse(value)
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.map(String).join('.') || undefined
        const missing = field !== undefined && value !== null && typeof value === 'object' && !(issue.path[0]! in (value as object))
        problems.push({ row: line, ...(field === undefined ? {} : { field }), message: missing ? `${field} is missing${field === 'expected' ? ' (use null for out-of-scope queries)' : ''}` : issue.message })
      }
      return
    }
    queries.push(parsed.data)
  })
  if (problems.length > 0) throw createError('QUERIES_INVALID', { source: path, problems })
  return queries
}
