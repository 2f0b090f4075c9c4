/**
 * Header → field mapping for tabular files. FAQ sheets are written by support teams in their
 * own language, so the default mapping knows English, Japanese, Korean and Chinese header
 * names; anything it does not know is kept in `metadata` rather than dropped.
 */
import { createError } from '../errors.js'
import type { ImportIssue, Table } from './types.js'
import { forbiddenKeyMessage, isForbiddenKey } from './limits.js'
import { isBlank } from './tabular.js'

/** Fields a column can map to. `variants` columns may repeat; `ignore` drops the column on purpose. */
export const COLUMN_FIELDS = ['id', 'lang', 'question', 'answer', 'category', 'tags', 'updatedAt', 'skill', 'variants', 'metadata', 'ignore'] as const
/** One of {@link COLUMN_FIELDS}. */
export type ColumnField = (typeof COLUMN_FIELDS)[number]

/** Header names understood by default, per field (compared after {@link normalizeHeader}). */
export const HEADER_NAMES: Record<Exclude<ColumnField, 'metadata' | 'ignore'>, string[]> = {
  id: ['id', 'faqid', 'entryid', 'key', '識別子', '아이디', '编号', '編號'],
  lang: ['lang', 'language', 'locale', '言語', '언어', '语言', '語言'],
  question: ['question', 'q', '質問', '質問文', '問い', '질문', '问题', '問題'],
  answer: ['answer', 'a', '回答', '答え', '回答文', '답변', '대답', '답', '答案'],
  category: ['category', 'カテゴリ', 'カテゴリー', '分類', '카테고리', '분류', '分类', '类别', '類別'],
  tags: ['tags', 'tag', 'タグ', '태그', '标签', '標籤', 'キーワード'],
  skill: ['skill', 'スキル', '連携', '스킬', '연동', '技能', '技能名'],
  updatedAt: ['updatedat', 'updated', 'lastupdated', 'modified', '更新日', '更新日時', '最終更新日', '수정일', '업데이트', '更新日期', '更新时间', '更新時間'],
  variants: [
    'variants', 'variant', 'paraphrases', 'paraphrase', 'alternatequestions', 'alternatives', 'altquestions',
    '言い換え', '類似質問', '別の聞き方', '유사질문', '다른표현', '相似问题', '类似问题', '相似問題', '類似問題',
  ],
}

/** Header text for comparison: NFKC (full-width → ASCII), lower case, no spaces, `_`, `-` or `.`. */
export function normalizeHeader(header: string): string {
  return header.normalize('NFKC').toLowerCase().replace(/[\s_\-.・]/g, '')
}

const BY_NAME = new Map<string, ColumnField>()
for (const [field, names] of Object.entries(HEADER_NAMES)) for (const n of names) BY_NAME.set(normalizeHeader(n), field as ColumnField)

/** Default field for a header: a known name, or a numbered variant column (`variant2`, `言い換え3`). */
function defaultField(header: string): ColumnField | undefined {
  const key = normalizeHeader(header)
  const direct = BY_NAME.get(key)
  if (direct) return direct
  const numbered = /^(.*?)[(\[]?\d+[)\]]?$/.exec(key)
  if (numbered && BY_NAME.get(numbered[1]!) === 'variants') return 'variants'
  return undefined
}

/** Language names people type instead of tags, mapped to tags. */
const LANGUAGE_NAMES: Record<string, string> = {
  japanese: 'ja', 日本語: 'ja', 일본어: 'ja', 日语: 'ja', 日語: 'ja',
  korean: 'ko', 韓国語: 'ko', 한국어: 'ko', 韩语: 'ko', 韓語: 'ko', 한글: 'ko',
  english: 'en', 英語: 'en', 영어: 'en', 英语: 'en',
  chinese: 'zh', 中国語: 'zh', 중국어: 'zh', 中文: 'zh', 简体中文: 'zh-CN', 繁體中文: 'zh-TW', 繁体中文: 'zh-TW',
}

/** How each column of a table is used. */
export interface ColumnPlan {
  fields: (ColumnField | undefined)[]
  issues: ImportIssue[]
  /** True when the required columns are present and rows can be imported. */
  usable: boolean
  hasId: boolean
  hasLang: boolean
}

/** Decide the field of every column; report conflicts, unused `columns` keys and missing columns. Throws UNKNOWN_COLUMN_FIELD for a mapping to a field kotae does not have. */
export function planColumns(header: string[], headerRow: number, columns: Record<string, string> = {}): ColumnPlan {
  const issues: ImportIssue[] = []
  const explicit = new Map<string, ColumnField>()
  for (const [h, f] of Object.entries(columns)) {
    const field = COLUMN_FIELDS.find((c) => c.toLowerCase() === f.toLowerCase().replace(/^variant\d*$/, 'variants'))
    if (!field) {
      throw createError('UNKNOWN_COLUMN_FIELD', { header: h, field: f, allowed: [...COLUMN_FIELDS] })
    }
    explicit.set(normalizeHeader(h), field)
  }
  const used = new Set<string>()
  const fields: (ColumnField | undefined)[] = header.map((h) => {
    const key = normalizeHeader(h)
    if (explicit.has(key)) {
      used.add(key)
      return explicit.get(key)
    }
    return undefined
  })
  for (const key of explicit.keys()) {
    if (!used.has(key)) {
      const name = Object.keys(columns).find((h) => normalizeHeader(h) === key)
      issues.push({ row: headerRow, field: explicit.get(key), severity: 'warning', message: `columns option names "${name}", but the header has no such column` })
    }
  }
  const taken = new Map<ColumnField, number>()
  fields.forEach((f, i) => f && f !== 'variants' && f !== 'metadata' && f !== 'ignore' && taken.set(f, i))
  header.forEach((h, i) => {
    if (fields[i] !== undefined || h === '') return
    const f = defaultField(h)
    if (!f) return
    if (f !== 'variants' && taken.has(f)) {
      issues.push({
        row: headerRow,
        field: f,
        severity: 'warning',
        message: `columns "${header[taken.get(f)!]}" and "${h}" both look like ${f}; using "${header[taken.get(f)!]}" and keeping "${h}" in metadata (pass columns to choose)`,
      })
      return
    }
    fields[i] = f
    if (f !== 'variants') taken.set(f, i)
  })
  const missing = (['question', 'answer'] as const).filter((f) => !fields.includes(f))
  for (const f of missing) {
    issues.push({
      row: headerRow,
      field: f,
      severity: 'error',
      message: `no ${f} column: expected a header named one of ${HEADER_NAMES[f].join(', ')} (found: ${header.filter((h) => h).join(', ') || 'nothing'}); or pass columns to map yours`,
    })
  }
  return { fields, issues, usable: missing.length === 0, hasId: fields.includes('id'), hasLang: fields.includes('lang') }
}

/** Split a tags cell on commas, semicolons (ASCII, full-width or 、) and newlines. */
export function splitTags(cell: string): string[] {
  return cell
    .split(/[,;，；、\r\n]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '')
}

/** Split a variants cell: one variant per line. */
export function splitLines(cell: string): string[] {
  return cell
    .split(/\r?\n|\r/)
    .map((t) => t.trim())
    .filter((t) => t !== '')
}

/** A language cell as a tag: `ja`, `zh-TW`, or a language name such as 日本語 mapped to its tag. */
export function languageTag(cell: string): string {
  const t = cell.trim()
  return LANGUAGE_NAMES[t.toLowerCase()] ?? LANGUAGE_NAMES[t] ?? t
}

/** The raw entries of a table, with row numbers, ready for validation. */
export interface TableEntries {
  inputs: Record<string, unknown>[]
  rowNumbers: number[]
  issues: ImportIssue[]
  rowsRead: number
}

/**
 * Turn table rows into raw entry objects using the column plan. Blank rows are skipped; rows
 * with more cells than the header (an unquoted delimiter in the text) are rejected. An unmapped
 * column headed `__proto__`, `constructor` or `prototype` is an error on the header row and its
 * cells are not read (see `FORBIDDEN_KEYS` in ./limits.ts).
 */
export function tableToEntries(table: Table, options: { columns?: Record<string, string>; lang?: string }): TableEntries {
  const plan = planColumns(table.header, table.headerRow, options.columns)
  const issues = [...plan.issues]
  const dataRows = table.rows.filter((r) => !isBlank(r.cells))
  if (!plan.usable) return { inputs: [], rowNumbers: [], issues, rowsRead: dataRows.length }
  if (!plan.hasId && dataRows.length > 0) {
    issues.push({
      row: table.headerRow,
      field: 'id',
      severity: 'warning',
      message: `no id column: generated ids from row numbers (row-${dataRows[0]!.row}, ...); they change when rows move, so add an id column for stable ids`,
    })
  }
  // A column that would become a metadata key named __proto__, constructor or prototype is not read
  // (its cells never become keys) and is an error on the header row: never silently dropped.
  const refused = new Set<number>()
  table.header.forEach((h, i) => {
    const field = plan.fields[i]
    if ((field === undefined || field === 'metadata') && isForbiddenKey(h)) {
      refused.add(i)
      issues.push({
        row: table.headerRow,
        field: h,
        severity: 'error',
        message: `column ${i + 1}: ${forbiddenKeyMessage(h, 'a column header (unknown columns become metadata keys)')}, or skip the column with columns {"${h}": "ignore"} (CLI: --column ${h}=ignore)`,
      })
    }
  })
  // Metadata keys are the headers; an empty header becomes `column7`, a repeated one `memo (2)`.
  const metadataKeys: string[] = []
  const seenKeys = new Set<string>()
  table.header.forEach((h, i) => {
    let key = h || `column${i + 1}`
    for (let n = 2; seenKeys.has(key); n++) key = `${h || `column${i + 1}`} (${n})`
    seenKeys.add(key)
    metadataKeys.push(key)
  })
  const inputs: Record<string, unknown>[] = []
  const rowNumbers: number[] = []
  for (const { row, cells } of dataRows) {
    const extra = cells.slice(table.header.length)
    if (extra.some((c) => String(c ?? '').trim() !== '')) {
      issues.push({
        row,
        severity: 'error',
        message: `${cells.length} cells but the header has ${table.header.length}: a text probably contains an unquoted delimiter; quote that cell`,
      })
      continue
    }
    const entry: Record<string, unknown> = {}
    const variants: string[] = []
    const metadata: Record<string, string> = {}
    plan.fields.forEach((field, i) => {
      const cell = String(cells[i] ?? '')
      switch (field) {
        case 'ignore':
          return
        case 'variants':
          variants.push(...splitLines(cell))
          return
        case 'tags':
          entry.tags = splitTags(cell)
          return
        case 'lang':
          if (cell.trim() !== '') entry.lang = languageTag(cell)
          return
        case 'category':
        case 'updatedAt':
        case 'skill':
          if (cell.trim() !== '') entry[field] = cell
          return
        case 'id':
        case 'question':
        case 'answer':
          entry[field] = cell
          return
        default:
          if (cell.trim() !== '' && !refused.has(i)) metadata[metadataKeys[i]!] = cell
      }
    })
    if (!plan.hasId) entry.id = `row-${row}`
    if (entry.lang === undefined) {
      if (options.lang !== undefined) entry.lang = options.lang
      else {
        issues.push({
          row,
          field: 'lang',
          severity: 'error',
          message: plan.hasLang
            ? 'lang is empty: fill in the cell (ja, ko, en or zh) or pass --lang for rows without one'
            : 'lang is missing: the file has no lang/language column; pass --lang (for example --lang ja)',
        })
        continue
      }
    }
    entry.variants = variants
    entry.metadata = metadata
    inputs.push(entry)
    rowNumbers.push(row)
  }
  return { inputs, rowNumbers, issues, rowsRead: dataRows.length }
}
