/**
 * Import limits: how large an FAQ file, a text cell, a list of variants or a metadata object may
 * be, and which object keys are refused. FAQ files come from spreadsheets, CMS exports and
 * uploads, so a broken export (a whole document pasted into one cell, metadata nested ten
 * thousand levels deep) or a hostile file must become a row-level issue a person can act on, not a
 * stack overflow or an out-of-memory crash minutes into `kotae build`.
 *
 * Every check here is bounded: strings are measured, never copied or split; metadata is walked
 * with an explicit stack (no recursion, so no depth can overflow the call stack) and the walk
 * stops after {@link METADATA_NODE_BUDGET} values.
 */
import { z } from 'zod'
import { createError } from '../errors.js'
import { parseOptions } from '../schema.js'
import type { ImportIssue } from './types.js'

const positiveInt = () => z.number().int().positive()

/**
 * The limits of one import, each with its default. Pass a partial object as the `limits`
 * option of an import (or of `validateEntries`) to change some; the rest keep their default.
 *
 * Characters are Unicode code points counted after trimming (a kana, a Hangul syllable, a letter
 * or an emoji is one). The defaults are far above any real FAQ entry (the longest answers of
 * the bundled shop FAQ are under 400 characters) and far below the sizes that make a build
 * slow: each phrasing is embedded and analysed, so a 2,000-character question is already as
 * long as a page.
 */
export const ImportLimitsSchema = z.strictObject({
  /** Characters of the question (default 2,000: a question is what a customer types). */
  maxQuestionChars: positiveInt().default(2_000),
  /** Characters of each variant (default 2,000: a variant is another way to ask the question). */
  maxVariantChars: positiveInt().default(2_000),
  /** Characters of the answer (default 20,000: about ten pages of text; longer belongs in a document, linked from the answer). */
  maxAnswerChars: positiveInt().default(20_000),
  /** Characters of the id, the category, each tag, the lang tag and updatedAt (default 1,000: they are labels). */
  maxLabelChars: positiveInt().default(1_000),
  /** Variants of one entry (default 1,000: each is embedded and indexed; the bundled FAQs have at most a few dozen). */
  maxVariants: positiveInt().default(1_000),
  /** Tags of one entry (default 1,000, like variants). */
  maxTags: positiveInt().default(1_000),
  /**
   * Nesting levels of metadata, the metadata object itself being level 1 (default 8:
   * `{"shop": {"hours": {"sat": "10-18"}}}` is 3; metadata holds labels and filter values).
   */
  maxMetadataDepth: positiveInt().default(8),
  /** Characters of an entry's metadata serialised as JSON (default 10,000: labels, ids and filter values, not documents). */
  maxMetadataChars: positiveInt().default(10_000),
  /** Bytes of an FAQ file read (default 200 MB, about a million entries; larger files are refused before they are read). */
  maxFileBytes: positiveInt().default(200 * 1024 * 1024),
})

/** Import limits with every value set (see {@link ImportLimitsSchema}). */
export type ImportLimits = z.infer<typeof ImportLimitsSchema>
/** Import limits as a caller passes them: any subset. */
export type ImportLimitsInput = z.input<typeof ImportLimitsSchema>

/** The default import limits (see {@link ImportLimitsSchema} for each value and why). */
export const DEFAULT_IMPORT_LIMITS: Readonly<ImportLimits> = Object.freeze(ImportLimitsSchema.parse({}))

/**
 * Parse options that carry `limits` (the import options, `validateEntries`' options): throws
 * `INVALID_OPTIONS` naming `where` and each bad field. A misspelt limit is named together with
 * the limits that exist, since a typo there would otherwise silently keep the default.
 */
export function parseOptionsWithLimits<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const limits = input !== null && typeof input === 'object' ? (input as { limits?: unknown }).limits : undefined
  if (limits !== null && typeof limits === 'object' && !Array.isArray(limits)) {
    const unknown = Object.keys(limits).filter((key) => !(key in DEFAULT_IMPORT_LIMITS))
    if (unknown.length > 0) {
      const known = Object.keys(DEFAULT_IMPORT_LIMITS).join(', ')
      throw createError('INVALID_OPTIONS', { where, problems: unknown.map((key) => ({ path: `limits.${key}`, message: `is not an import limit; the limits are ${known}` })) })
    }
  }
  return parseOptions(schema, input, where)
}

/**
 * Object keys refused anywhere in an entry (top level, metadata at any depth) and as the header of a
 * column that would become a metadata key. Assigning `__proto__` replaces an object's prototype,
 * so the key silently vanished and, in code that merges objects, could change every object of the
 * process; `constructor` and `prototype` read through to built-ins on a plain object. No FAQ needs
 * them, and a file that has them is broken or hostile, so the entry (or, for a header, the file)
 * is an error that says to rename the key: they are never dropped silently.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** True for a key in {@link FORBIDDEN_KEYS}. */
export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key)
}

/** Why a forbidden key is refused and what to do, for issue messages. */
export function forbiddenKeyMessage(key: string, where: string): string {
  return `"${key}" is not allowed as ${where}: ${[...FORBIDDEN_KEYS].join(', ')} are JavaScript object internals and are refused so that a file cannot change how objects behave; rename it`
}

/** Values of metadata looked at at most; beyond it, sizes are reported as "at least". */
export const METADATA_NODE_BUDGET = 200_000

/** `12345` → `12,345`. */
function n(value: number): string {
  return value.toLocaleString('en-US')
}

/** Characters (code points) of `text` after trimming, counted only when its length exceeds `max` (else undefined). */
export function charsOver(text: string, max: number): number | undefined {
  if (text.length <= max) return undefined // code points ≤ UTF-16 length
  const t = text.trim()
  if (t.length <= max) return undefined
  let count = 0
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i)
    if (c < 0xdc00 || c > 0xdfff) count++ // low surrogates belong to the previous character
  }
  return count > max ? count : undefined
}

/** A key as shown in a field path: long keys are cut. */
function shownKey(key: string): string {
  return key.length > 40 ? `${key.slice(0, 37)}...` : key
}

const TEXT_ADVICE = {
  question: 'shorten it to what a customer would ask (details belong in the answer)',
  variant: 'shorten it: a variant is another way to ask the question, not an explanation',
  answer: 'shorten it or link to a longer document from the answer',
  label: 'shorten it: it is a label',
} as const

/**
 * Row-level issues for the parts of a raw entry that exceed the limits: text too long, too many
 * variants or tags, metadata too deep, too large, with a forbidden key or a value JSON cannot hold.
 * Only values of the expected type are measured (a question that is not a string is left to the
 * schema). Top-level forbidden keys are reported by the caller. `extra` are the entry's unknown
 * top-level keys, which are kept in metadata and so count towards its limits, under their own name.
 */
export function entryLimitIssues(
  input: Record<string, unknown>,
  extra: [string, unknown][],
  row: number,
  limits: Readonly<ImportLimits>,
): ImportIssue[] {
  const issues: ImportIssue[] = []
  const error = (field: string, message: string) => issues.push({ row, field, severity: 'error', message })
  const text = (field: string, value: unknown, max: number, limitName: keyof ImportLimits, advice: string) => {
    if (typeof value !== 'string') return
    const over = charsOver(value, max)
    if (over !== undefined) error(field, `${field} is ${n(over)} characters long, more than the limit of ${n(max)}: ${advice}, or raise limits.${limitName}`)
  }
  text('id', input.id, limits.maxLabelChars, 'maxLabelChars', TEXT_ADVICE.label)
  text('question', input.question, limits.maxQuestionChars, 'maxQuestionChars', TEXT_ADVICE.question)
  text('answer', input.answer, limits.maxAnswerChars, 'maxAnswerChars', TEXT_ADVICE.answer)
  text('category', input.category, limits.maxLabelChars, 'maxLabelChars', TEXT_ADVICE.label)
  text('lang', input.lang, limits.maxLabelChars, 'maxLabelChars', TEXT_ADVICE.label)
  text('updatedAt', input.updatedAt, limits.maxLabelChars, 'maxLabelChars', TEXT_ADVICE.label)
  const list = (name: 'variants' | 'tags', max: number, limitName: 'maxVariants' | 'maxTags', maxChars: number, charsName: keyof ImportLimits, advice: string) => {
    const value = input[name]
    if (!Array.isArray(value)) return
    if (value.length > max) {
      error(
        name,
        `${n(value.length)} ${name}, more than the limit of ${n(max)} per entry: ${name === 'variants' ? 'keep the phrasings customers really use or split the entry' : 'keep the tags you filter on'}, or raise limits.${limitName}`,
      )
      return // each item is not measured: the count already rejects the entry
    }
    let first: number | undefined
    let firstChars = 0
    let more = 0
    for (let i = 0; i < value.length; i++) {
      const item = value[i]
      const over = typeof item === 'string' ? charsOver(item, maxChars) : undefined
      if (over === undefined) continue
      if (first === undefined) [first, firstChars] = [i, over]
      else more++
    }
    if (first !== undefined) {
      const field = `${name} #${first + 1}`
      const others = more > 0 ? ` (${n(more)} more of its ${name} ${more === 1 ? 'is' : 'are'} too long as well)` : ''
      error(field, `${field} is ${n(firstChars)} characters long, more than the limit of ${n(maxChars)}${others}: ${advice}, or raise limits.${charsName}`)
    }
  }
  list('variants', limits.maxVariants, 'maxVariants', limits.maxVariantChars, 'maxVariantChars', TEXT_ADVICE.variant)
  list('tags', limits.maxTags, 'maxTags', limits.maxLabelChars, 'maxLabelChars', TEXT_ADVICE.label)
  issues.push(...metadataIssues(input.metadata, extra, row, limits))
  return issues
}

/** One value to look at: where it is (field path) and at which level of metadata it sits. */
interface Frame {
  value: unknown
  /** Set on the marker pushed below an object's children: leaving that object. */
  leaving?: boolean
  path: string[]
  level: number
  /** The top-level metadata key it belongs to (for the size breakdown). */
  top: string
}

/**
 * Issues for an entry's metadata: its own `metadata` object (when it is a plain object; other
 * types are left to the schema) plus the unknown top-level keys that will be merged into it.
 * Walked iteratively, at most {@link METADATA_NODE_BUDGET} values, reporting the first forbidden
 * key, the first value nested deeper than the limit (with the depth reached), the first value JSON
 * cannot hold (a bigint, a function, an object that contains itself), and the serialised size when
 * it is over the limit (with its largest part).
 */
export function metadataIssues(metadata: unknown, extra: [string, unknown][], row: number, limits: Readonly<ImportLimits>): ImportIssue[] {
  const issues: ImportIssue[] = []
  const stack: Frame[] = []
  const own = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) && !(metadata instanceof Date)
  // The merged metadata is one object: {"extra": ..., ...own}. Its braces count once.
  let size = 2
  let keys = 0
  const addKey = (key: string, top: string, sizes: Map<string, number>) => {
    const cost = (keys++ > 0 ? 1 : 0) + JSON.stringify(key).length + 1
    size += cost
    sizes.set(top, (sizes.get(top) ?? 0) + cost)
  }
  const topSizes = new Map<string, number>()
  const roots: Frame[] = []
  // Objects from the root to the current value: meeting one again is a cycle.
  const onPath = new Set<object>()
  if (own) onPath.add(metadata)
  for (const [key, value] of extra) {
    addKey(key, shownKey(key), topSizes)
    roots.push({ value, path: [shownKey(key)], level: 2, top: shownKey(key) })
  }
  if (own) {
    for (const key of Object.keys(metadata)) {
      if (isForbiddenKey(key)) {
        issues.push({ row, field: `metadata.${key}`, severity: 'error', message: forbiddenKeyMessage(key, 'a metadata key') })
        continue
      }
      addKey(key, `metadata.${shownKey(key)}`, topSizes)
      roots.push({ value: (metadata as Record<string, unknown>)[key], path: ['metadata', shownKey(key)], level: 2, top: `metadata.${shownKey(key)}` })
    }
  }
  // Depth first with an explicit stack, in document order (pushed in reverse).
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]!)
  let deepest: { path: string[]; level: number } | undefined
  let visited = 0
  let nonJson: ImportIssue | undefined
  let forbidden: ImportIssue | undefined
  const cost = (top: string, c: number) => {
    size += c
    topSizes.set(top, (topSizes.get(top) ?? 0) + c)
  }
  const remaining = () => Math.max(0, limits.maxMetadataChars - size)
  while (stack.length > 0 && visited < METADATA_NODE_BUDGET) {
    const { value, path, level, top, leaving } = stack.pop()!
    if (leaving) {
      onPath.delete(value as object)
      continue
    }
    visited++
    if (value === null || typeof value === 'number' || typeof value === 'boolean') {
      cost(top, value === null || (typeof value === 'number' && !Number.isFinite(value)) ? 4 : String(value).length)
      continue
    }
    if (typeof value === 'string') {
      // Exact JSON length (escapes included) while it matters; the plain length once over anyway.
      cost(top, value.length <= remaining() ? JSON.stringify(value).length : value.length + 2)
      continue
    }
    if (value === undefined) continue
    if (typeof value !== 'object') {
      nonJson ??= {
        row,
        field: path.join('.'),
        severity: 'error',
        message: `${path.join('.')} is a ${typeof value}, which JSON cannot store: use a string, a number, true/false, null, a list or an object`,
      }
      continue
    }
    if (value instanceof Date) {
      cost(top, 26)
      continue
    }
    if (onPath.has(value)) {
      nonJson ??= {
        row,
        field: path.join('.'),
        severity: 'error',
        message: `${path.join('.')} contains itself (an object that refers back to one that holds it), which JSON cannot store: pass plain data`,
      }
      continue
    }
    onPath.add(value)
    stack.push({ value, path, level, top, leaving: true })
    // An object or array at `level`: too deep when level > max. Keep measuring the chain (the
    // depth reached is part of the message), but report only the first path.
    if (level > limits.maxMetadataDepth && (!deepest || level > deepest.level)) {
      deepest = { path: deepest?.path ?? path, level }
    }
    if (Array.isArray(value)) {
      cost(top, 2 + Math.max(0, value.length - 1))
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], path: level <= limits.maxMetadataDepth ? [...path, `#${i + 1}`] : path, level: level + 1, top })
      }
      continue
    }
    const objectKeys = Object.keys(value)
    cost(top, 2 + Math.max(0, objectKeys.length - 1))
    let here: ImportIssue | undefined // reverse order: ends at this object's first forbidden key
    for (let k = objectKeys.length - 1; k >= 0; k--) {
      const key = objectKeys[k]!
      const where = level <= limits.maxMetadataDepth ? [...path, shownKey(key)] : path
      if (isForbiddenKey(key)) {
        here = { row, field: [...path, key].slice(0, limits.maxMetadataDepth + 1).join('.'), severity: 'error', message: forbiddenKeyMessage(key, 'a metadata key') }
        continue
      }
      cost(top, JSON.stringify(key).length + 1)
      stack.push({ value: (value as Record<string, unknown>)[key], path: where, level: level + 1, top })
    }
    forbidden ??= here
  }
  const cut = stack.some((f) => !f.leaving) // the budget ran out
  if (forbidden) issues.push(forbidden)
  if (deepest) {
    const shown = deepest.path.slice(0, limits.maxMetadataDepth + 1)
    const field = shown.slice(0, 2).join('.')
    issues.push({
      row,
      field,
      severity: 'error',
      message:
        `${field} is nested ${cut ? 'at least ' : ''}${n(deepest.level)} levels deep (at ${shown.join('.')}), more than the limit of ${n(limits.maxMetadataDepth)}` +
        ': flatten it (metadata is for labels and filter values), or raise limits.maxMetadataDepth',
    })
  }
  if (nonJson) issues.push(nonJson)
  if (size > limits.maxMetadataChars) {
    let largest: [string, number] | undefined
    for (const entry of topSizes) if (!largest || entry[1] > largest[1]) largest = entry
    const part = largest && topSizes.size > 1 ? `; the largest part is ${largest[0]} (${n(largest[1])})` : ''
    issues.push({
      row,
      field: 'metadata',
      severity: 'error',
      message:
        `metadata is ${cut ? 'at least ' : ''}${n(size)} characters as JSON, more than the limit of ${n(limits.maxMetadataChars)}${part}: ` +
        'keep long text out of metadata (put it in the answer, or map that column to ignore), or raise limits.maxMetadataChars',
    })
  }
  return issues
}

/** `209715200` → `200 MB`, `1536` → `1.5 KB`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  const shown = unit === 0 ? String(value) : value.toFixed(value >= 100 || Number.isInteger(value) ? 0 : 1)
  return `${shown} ${units[unit]}`
}
