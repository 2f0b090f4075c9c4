/**
 * Query redaction for the hit log: customers paste e-mail addresses, phone numbers, card numbers
 * and order numbers into support chats, and none of that belongs in a log that content editors
 * read. Queries are masked before they are stored; a log may also keep only a hash.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { KotaeError } from '../errors.js'

/** One masking rule: every match of `pattern` is replaced by `mask`. */
export interface RedactionPattern {
  /** Short name, used in reports of what was masked (e.g. `email`). */
  name: string
  /** A global regular expression (a string is compiled with the `gu` flags). */
  pattern: RegExp | string
  /** Replacement text, e.g. `[email]`. */
  mask: string
}

/** How queries are stored: masked text (default), only a salted hash, or verbatim. */
export type RedactionMode = 'mask' | 'hash' | 'none'

/** Options for {@link redactQuery} and the hit log. */
export interface RedactionOptions {
  /** `mask` (default): store the query with sensitive parts masked; `hash`: store only a hash; `none`: store verbatim. */
  mode?: RedactionMode
  /** Extra patterns, applied after the defaults (or instead of them with `replaceDefaults`). */
  patterns?: RedactionPattern[]
  /** Use only `patterns`, not the built-in ones. */
  replaceDefaults?: boolean
  /** Salt for `hash` mode, so that hashes of short queries cannot be looked up in a table. */
  salt?: string
}

// Digits and separators, including full-width forms typed on Japanese, Chinese and Korean keyboards.
const D = '[0-9０-９]'
const SEP = '[ \\-‐－.．]'

/**
 * The built-in patterns, applied in this order (the most specific first): e-mail addresses,
 * card-like numbers (13–19 digits, optionally grouped), phone numbers (international or
 * national, 9+ digits in groups), order-like numbers (6+ digits, optionally with a short
 * letter prefix such as `ORD-`, or `#` and 4+ digits).
 */
export const DEFAULT_REDACTION_PATTERNS: readonly RedactionPattern[] = Object.freeze([
  { name: 'email', pattern: /[\p{L}\p{N}._%+-]+[@＠][\p{L}\p{N}.-]+\.[A-Za-z]{2,}/gu, mask: '[email]' },
  { name: 'card', pattern: new RegExp(`(?<![0-9０-９])(?:${D}${SEP}?){12,18}${D}(?![0-9０-９])`, 'gu'), mask: '[card]' },
  {
    name: 'phone',
    pattern: new RegExp(
      `(?<![0-9０-９])(?:(?:[+＋]${D}{1,3}${SEP}?(?:[(（]${D}{1,4}[)）]${SEP}?)?|[(（]${D}{1,4}[)）]${SEP}?)(?:${D}{2,4}${SEP}){1,2}${D}{3,4}|${D}{2,4}${SEP}${D}{2,4}${SEP}${D}{3,4})(?![0-9０-９])`,
      'gu',
    ),
    mask: '[phone]',
  },
  {
    // A token of letters, digits and dashes holding 6+ digits (ORD-20240315, 1Z999AA10123456784), or # and 4+ digits.
    name: 'order',
    pattern: /(?<![A-Za-z0-9０-９])(?=[A-Za-z0-9０-９-]*?[0-9０-９](?:[A-Za-z-]*[0-9０-９]){5})[A-Za-z0-9０-９][A-Za-z0-9０-９-]*[A-Za-z0-9０-９]|[#＃][0-9０-９]{4,}/gu,
    mask: '[order]',
  },
])

const PatternSchema = z.object({
  name: z.string().min(1),
  pattern: z.union([z.instanceof(RegExp), z.string().min(1)]),
  mask: z.string(),
})
/** Validates {@link RedactionOptions} at the boundary. */
export const RedactionOptionsSchema = z.object({
  mode: z.enum(['mask', 'hash', 'none']).optional(),
  patterns: z.array(PatternSchema).optional(),
  replaceDefaults: z.boolean().optional(),
  salt: z.string().optional(),
})

/** The result of redacting one query. */
export interface RedactedQuery {
  /** The text to store: masked query, or `null` in `hash` mode. */
  text: string | null
  /** Salted SHA-256 (first 32 hex digits) of the NFKC-normalised, lower-cased raw query: present in `hash` mode. */
  hash: string | null
  /** Names of the patterns that matched (empty when nothing was masked). */
  masked: string[]
}

function compile(p: RedactionPattern): RegExp {
  if (p.pattern instanceof RegExp) {
    return p.pattern.global ? p.pattern : new RegExp(p.pattern.source, p.pattern.flags + 'g')
  }
  try {
    return new RegExp(p.pattern, 'gu')
  } catch (err) {
    throw new KotaeError('INVALID_INPUT', `redaction pattern "${p.name}" is not a valid regular expression: ${(err as Error).message}`, { pattern: p.pattern }, { cause: err })
  }
}

/** A compiled redactor; build it once with {@link createRedactor} and reuse it for every query. */
export type Redactor = (query: string) => RedactedQuery

/** Compiles redaction options into a function (validates the options; throws `INVALID_INPUT`). */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  const parsed = RedactionOptionsSchema.safeParse(options)
  if (!parsed.success) {
    throw new KotaeError('INVALID_INPUT', `invalid redaction options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
  }
  const mode = options.mode ?? 'mask'
  const rules = [...(options.replaceDefaults ? [] : DEFAULT_REDACTION_PATTERNS), ...(options.patterns ?? [])].map((p) => ({ name: p.name, re: compile(p), mask: p.mask }))
  const salt = options.salt ?? ''
  return (query: string) => {
    if (mode === 'hash') {
      const h = createHash('sha256').update(salt).update('\u0000').update(query.normalize('NFKC').trim().toLowerCase()).digest('hex').slice(0, 32)
      return { text: null, hash: h, masked: [] }
    }
    if (mode === 'none') return { text: query, hash: null, masked: [] }
    let text = query
    const masked: string[] = []
    for (const r of rules) {
      r.re.lastIndex = 0
      const next = text.replace(r.re, r.mask)
      if (next !== text) masked.push(r.name)
      text = next
    }
    return { text, hash: null, masked }
  }
}

/**
 * Redacts one query with the given options (default: mask e-mails, phones, card-like and
 * order-like numbers). For many queries, build a redactor once with {@link createRedactor}.
 */
export function redactQuery(query: string, options: RedactionOptions = {}): RedactedQuery {
  return createRedactor(options)(query)
}

/** Whether a stored query contains a mask produced by redaction (such text makes a poor FAQ variant). */
export function containsMask(text: string): boolean {
  return /\[(?:email|card|phone|order)\]/.test(text)
}
