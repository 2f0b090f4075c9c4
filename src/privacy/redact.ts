/**
 * Query redaction for the hit log: customers paste e-mail addresses, phone numbers, card numbers,
 * card security codes, order numbers and postal addresses into support chats, and none of that
 * belongs in a log that content editors read. Queries are masked before they are stored; a log may also keep only a
 * salted hash of the masked query.
 *
 * This file is the public face (options, redactors, mask checks); `fold.ts` does the folding and
 * `detect.ts` the built-in detectors.
 *
 * How it works, and why it is not a list of regular expressions:
 * - Detection runs on the NFKC-folded text, one code point at a time, so the full-width forms that
 *   Japanese, Chinese and Korean keyboards produce (`０９０－１２３４`, `ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ`,
 *   the ideographic space) look like their ASCII forms. Every folded character remembers where it
 *   came from, so the stored text is the customer's original text with only the sensitive spans
 *   replaced: nothing else is rewritten.
 * - Every built-in detector is a hand-written scanner that is linear in the length of the query
 *   (queries are untrusted input, and the old regular expressions took 6.7 s on 100k characters):
 *   one pass collects runs of digits and separators and classifies each run (dates, Luhn-checked
 *   cards, phone numbers); e-mail addresses are found by a bounded scan around each `@` (local part
 *   at most 64 code points, domain at most 255); order numbers are whole tokens; card security
 *   codes and postcodes are found in a small window after a keyword; postal addresses in a
 *   bounded window around each number (the place names before it, the room, city and ZIP after
 *   it). {@link redactionCost} counts the work so tests can prove the bound without timing anything.
 * - Passes run in a fixed order (e-mail, postcodes, addresses, digit runs, order numbers, security codes);
 *   a later pass never looks inside a span an earlier pass masked, and treats it (or a mask
 *   already in the text) as a boundary, so redacting redacted text changes nothing.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { createError } from '../errors.js'
import { parseOptions } from '../schema.js'
import { redactBuiltIn } from './detect.js'
import { applyPattern } from './fold.js'

/** A built-in detector: its name (as reported in {@link RedactedQuery.masked}), its mask and what it catches. */
export interface BuiltInRedaction {
  name: 'email' | 'card' | 'phone' | 'cvv' | 'order' | 'address'
  mask: string
  description: string
}

/**
 * The built-in detectors, in the order their names are reported in {@link RedactedQuery.masked}.
 * They are scanners, not regular expressions, so they cannot be passed as `patterns`; this list
 * documents them and their masks (see also {@link containsMask}).
 */
export const DEFAULT_REDACTION_PATTERNS: readonly BuiltInRedaction[] = Object.freeze([
  { name: 'email', mask: '[email]', description: 'e-mail addresses, including full-width forms and internationalised local parts and domains (用户@例子.中国)' },
  { name: 'card', mask: '[card]', description: '13–19 digit card numbers with any separators between the groups, Luhn-checked' },
  { name: 'phone', mask: '[phone]', description: 'phone numbers: +country forms, Japanese/Korean/Chinese national forms with a leading 0, Chinese mobiles, North American numbers, grouped numbers; any common separator (ー － ‐ - 〜 ~ spaces . / parentheses)' },
  { name: 'cvv', mask: '[cvv]', description: 'a 3–4 digit code shortly after (or before) a card security word: CVV, CVC, security code, セキュリティコード, 보안코드, 安全码' },
  { name: 'order', mask: '[order]', description: 'order-like tokens: letters, digits and dashes holding 6+ digits (ORD-20240315, 1Z999AA10123456784), or # and 4+ digits' },
  { name: 'address', mask: '[address]', description: 'postal addresses with a house or block number: Japanese (〒, prefecture, 市区町村, 丁目/番地/号 or 1-2-3, a glued building and room), Korean road and lot addresses (시/도/군/구, …로/…길 + building number, 층/호/동; …동 N번지), Chinese (省/市/区/县, 路/街/道/巷/弄 + N号, 栋/单元/室), English (house number, street and suffix such as St/Ave/Pkwy, unit, city, state and ZIP or UK postcode). A postcode alone is not masked' },
] as const satisfies readonly BuiltInRedaction[])

/** The masks the built-in detectors write. */
export const BUILT_IN_MASKS: readonly string[] = Object.freeze(DEFAULT_REDACTION_PATTERNS.map((d) => d.mask))

/** One extra masking rule: every match of `pattern` is replaced by `mask`. */
export const RedactionPatternSchema = z.object({
  /** Short name, used in reports of what was masked (e.g. `member`). */
  name: z.string().min(1),
  /**
   * A regular expression (a string is compiled with the `gu` flags; a RegExp without `g` gets it).
   * It is matched against the NFKC-folded text after the built-in masks, so write it for ASCII
   * forms (`\d` also catches full-width digits). It runs on untrusted input: keep it linear (no
   * nested quantifiers such as `(a+)+`).
   */
  pattern: z.union([z.instanceof(RegExp), z.string().min(1)]),
  /** Replacement text, inserted literally, e.g. `[member]`. */
  mask: z.string(),
})
/** One extra masking rule (see {@link RedactionPatternSchema}). */
export type RedactionPattern = z.input<typeof RedactionPatternSchema>

/** How queries are stored: masked text (the default), only a salted hash of the masked text, or verbatim. */
export const RedactionModeSchema = z.enum(['mask', 'hash', 'none'])
/** How queries are stored (see {@link RedactionModeSchema}). */
export type RedactionMode = z.infer<typeof RedactionModeSchema>

/**
 * Options of {@link redactQuery}, {@link createRedactor} and the hit log, without the salt rule:
 * for a caller that fills in the salt itself, such as the hit log, which generates one per log
 * file and stores it. Everyone else validates with {@link RedactionOptionsSchema}.
 */
export const UnsaltedRedactionOptionsSchema = z.object({
  /** `mask`: store the query with sensitive parts masked; `hash`: store only a salted hash; `none`: store verbatim. */
  mode: RedactionModeSchema.default('mask'),
  /** Extra patterns, applied after the built-in detectors (or instead of them with `replaceDefaults`). */
  patterns: z.array(RedactionPatternSchema).default([]),
  /** Use only `patterns`, not the built-in detectors. */
  replaceDefaults: z.boolean().default(false),
  /**
   * Secret salt (HMAC key) for `hash` mode, required there: without it a phone number can be
   * recovered from its hash by enumeration in milliseconds. Use {@link generateSalt} once per log
   * and keep using the same salt for that log, so equal queries keep equal hashes.
   */
  salt: z.string().min(1, { message: 'salt must not be empty (omit it, or use generateSalt())' }).optional(),
})

/** Options of {@link redactQuery} and {@link createRedactor}: `hash` mode needs a non-empty salt. */
export const RedactionOptionsSchema = UnsaltedRedactionOptionsSchema.superRefine((o, ctx) => {
  if (o.mode === 'hash' && !(o.salt && o.salt.trim())) {
    ctx.addIssue({
      code: 'custom',
      path: ['salt'],
      message: 'mode "hash" needs a non-empty secret salt, or the hashes can be reversed by enumeration; pass one created once with generateSalt() and reuse it for the same log',
    })
  }
})
/** Options of redaction, as a caller writes them. */
export type RedactionOptions = z.input<typeof UnsaltedRedactionOptionsSchema>
/** Options of redaction with the defaults applied. */
export type ResolvedRedactionOptions = z.output<typeof UnsaltedRedactionOptionsSchema>
/** The defaults of redaction: mask with the built-in detectors, no extra patterns. */
export const DEFAULT_REDACTION_OPTIONS: ResolvedRedactionOptions = Object.freeze(UnsaltedRedactionOptionsSchema.parse({}))

/**
 * A new random salt for `hash` mode (32 random bytes, base64url). Call it once when a log is
 * created and store it with that log: hashes are only comparable within one salt.
 */
export function generateSalt(): string {
  return randomBytes(32).toString('base64url')
}

/** The result of redacting one query. */
export interface RedactedQuery {
  /** The text to store: the query with sensitive spans masked, or `null` in `hash` mode. */
  text: string | null
  /**
   * `hash` mode: HMAC-SHA-256 keyed by the salt (first 32 hex digits) of the masked query,
   * NFKC-normalised, trimmed and lower-cased. The sensitive spans are masked before hashing, so
   * they cannot be recovered even by someone who holds the salt.
   */
  hash: string | null
  /** Names of the detectors that matched (in the order of {@link DEFAULT_REDACTION_PATTERNS}), then of the custom patterns that matched; empty when nothing was masked. */
  masked: string[]
}

/** A compiled redactor; build it once with {@link createRedactor} and reuse it for every query. */
export type Redactor = (query: string) => RedactedQuery

function compile(p: RedactionPattern): RegExp {
  if (p.pattern instanceof RegExp) {
    return p.pattern.global ? p.pattern : new RegExp(p.pattern.source, p.pattern.flags + 'g')
  }
  try {
    return new RegExp(p.pattern, 'gu')
  } catch (err) {
    throw createError('INVALID_PATTERN', { name: p.name, pattern: p.pattern, reason: (err as Error).message }, { cause: err })
  }
}

/**
 * Compiles redaction options into a function. Validates the options: throws `INVALID_PATTERN` for
 * a pattern that is not a regular expression, `INVALID_OPTIONS` for an unknown mode or `hash`
 * mode without a salt.
 */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  const opts = parseOptions(RedactionOptionsSchema, options, 'redaction')
  const mode = opts.mode
  const defaults = !opts.replaceDefaults
  const rules = opts.patterns.map((p) => ({ name: p.name, re: compile(p), mask: p.mask }))
  const salt = opts.salt ?? ''
  const maskText = (query: string): { text: string; masked: string[] } => {
    let text = query
    const masked: string[] = []
    if (defaults) {
      const r = redactBuiltIn(query, { units: 0 })
      text = r.text
      masked.push(...r.masked)
    }
    for (const r of rules) {
      const next = applyPattern(text, r.re, r.mask)
      if (next !== null) {
        masked.push(r.name)
        text = next
      }
    }
    return { text, masked }
  }
  return (query: string) => {
    if (mode === 'none') return { text: query, hash: null, masked: [] }
    const { text, masked } = maskText(query)
    if (mode === 'hash') {
      const h = createHmac('sha256', salt).update(text.normalize('NFKC').trim().toLowerCase()).digest('hex').slice(0, 32)
      return { text: null, hash: h, masked }
    }
    return { text, hash: null, masked }
  }
}

/**
 * Redacts one query with the given options (default: mask e-mails, card numbers, security codes,
 * phone numbers, order-like numbers and postal addresses). For many queries, build a redactor once with
 * {@link createRedactor}.
 */
export function redactQuery(query: string, options: RedactionOptions = {}): RedactedQuery {
  return createRedactor(options)(query)
}

/**
 * Whether a text contains a mask written by redaction: the built-in masks plus `extraMasks` (the
 * masks of custom patterns, see {@link redactionMasks}). A stored query with a mask makes a poor
 * FAQ variant, so a suggestion built from one must never be accepted without a human editing it.
 */
export function containsMask(text: string, extraMasks: readonly string[] = []): boolean {
  for (const m of BUILT_IN_MASKS) if (text.includes(m)) return true
  for (const m of extraMasks) if (m && text.includes(m)) return true
  return false
}

/** The masks a redaction configuration can write (built-in ones unless `replaceDefaults`, plus the custom patterns'). */
export function redactionMasks(options: RedactionOptions = {}): string[] {
  const opts = parseOptions(UnsaltedRedactionOptionsSchema, options, 'redactionMasks')
  return [...(opts.replaceDefaults ? [] : BUILT_IN_MASKS), ...opts.patterns.map((p) => p.mask)]
}

/**
 * Whether a text still contains something the built-in detectors would mask (a phone number, a
 * card number...). Use it on text that was stored before redaction caught that form, e.g. rows of
 * an older hit log: such text must not be published as an FAQ variant either.
 */
export function containsPii(text: string): boolean {
  return redactBuiltIn(text, { units: 0 }).masked.length > 0
}

/**
 * The work the built-in detectors do on a query, in character visits (folding, every scanner
 * step, writing the output). It is at most a small constant times the query length for any input,
 * which the tests check on adversarial inputs instead of timing them.
 */
export function redactionCost(query: string): number {
  const meter = { units: 0 }
  redactBuiltIn(query, meter)
  return meter.units
}
