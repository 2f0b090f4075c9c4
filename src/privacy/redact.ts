/**
 * Query redaction for the hit log: customers paste e-mail addresses, phone numbers, card numbers,
 * card security codes and order numbers into support chats, and none of that belongs in a log that
 * content editors read. Queries are masked before they are stored; a log may also keep only a
 * salted hash of the masked query.
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
 *   codes and postcodes are found in a small window after a keyword. {@link redactionCost} counts
 *   the work so tests can prove the bound without timing anything.
 * - Passes run in a fixed order (e-mail, postcodes, digit runs, order numbers, security codes);
 *   a later pass never looks inside a span an earlier pass masked, and treats it (or a mask
 *   already in the text) as a boundary, so redacting redacted text changes nothing.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { createError } from '../errors.js'
import { parseOptions } from '../schema.js'

/** A built-in detector: its name (as reported in {@link RedactedQuery.masked}), its mask and what it catches. */
export interface BuiltInRedaction {
  name: 'email' | 'card' | 'phone' | 'cvv' | 'order'
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
 * phone numbers and order-like numbers). For many queries, build a redactor once with
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

// ---------------------------------------------------------------------------------------------
// Folding: NFKC per code point, remembering where each folded code unit came from.

interface Meter {
  units: number
}

interface Folded {
  /** The folded text. */
  text: string
  /** For each code unit of `text` (and one past the end), the index in the original of the code point it came from. */
  origin: Int32Array
}

const foldCache = new Map<number, string | null>()
/** For BMP code points: 0 not yet seen, 1 unchanged by NFKC, 2 changed (see `foldCache`). */
const bmpFold = new Uint8Array(0x10000)

/** NFKC of one code point, or null when it is unchanged. Skips the big ranges NFKC leaves alone. */
function foldCodePoint(cp: number): string | null {
  if (cp < 0xa0) return null
  if (cp < 0x10000) {
    const st = bmpFold[cp]
    if (st === 1) return null
    if (st === 2) return foldCache.get(cp) ?? null
  }
  let f = foldCache.get(cp)
  if (f === undefined) {
    const s = String.fromCodePoint(cp)
    const n = s.normalize('NFKC')
    f = n === s ? null : n
    if (cp < 0x10000) {
      bmpFold[cp] = f === null ? 1 : 2
      if (f !== null) foldCache.set(cp, f)
    } else if (foldCache.size < 65_536) foldCache.set(cp, f)
  }
  return f
}

function fold(text: string, meter: Meter): Folded {
  const n = text.length
  let origin = new Int32Array(n + 1)
  let parts: string[] | null = null
  let flushed = 0
  let out = 0
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i)
    let cp = c
    let len = 1
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000
        len = 2
      }
    }
    const f = foldCodePoint(cp)
    if (f === null) {
      origin[out++] = i
      if (len === 2) origin[out++] = i
      i += len
      continue
    }
    // Room for this expansion and for the rest of the text unchanged.
    const need = out + f.length + (n - i - len) + 1
    if (need > origin.length) {
      const grown = new Int32Array(Math.max(need, origin.length * 2))
      grown.set(origin.subarray(0, out))
      origin = grown
    }
    parts ??= []
    if (flushed < i) parts.push(text.slice(flushed, i))
    parts.push(f)
    for (let k = 0; k < f.length; k++) origin[out++] = i
    i += len
    flushed = i
  }
  meter.units += n
  origin[out] = n
  let folded = text
  if (parts !== null) {
    if (flushed < n) parts.push(text.slice(flushed))
    folded = parts.join('')
  }
  return { text: folded, origin: origin.length === out + 1 ? origin : origin.subarray(0, out + 1) }
}

/** End (exclusive, in the original) of the code point starting at original index `o`. */
function originalEnd(original: string, o: number): number {
  const c = original.charCodeAt(o)
  if (c >= 0xd800 && c <= 0xdbff && o + 1 < original.length) {
    const d = original.charCodeAt(o + 1)
    if (d >= 0xdc00 && d <= 0xdfff) return o + 2
  }
  return o + 1
}

/** Applies one custom pattern to the folded text and writes its mask over the original spans; null when nothing matched. */
function applyPattern(text: string, re: RegExp, mask: string): string | null {
  const fo = fold(text, { units: 0 })
  const parts: string[] = []
  let cursor = 0
  let hit = false
  for (const m of fo.text.matchAll(re)) {
    if (m[0].length === 0) continue
    const s = m.index
    const os = fo.origin[s]
    const oe = originalEnd(text, fo.origin[s + m[0].length - 1])
    if (os >= cursor) {
      parts.push(text.slice(cursor, os), mask)
    }
    cursor = Math.max(cursor, oe)
    hit = true
  }
  if (!hit) return null
  parts.push(text.slice(cursor))
  return parts.join('')
}

// ---------------------------------------------------------------------------------------------
// Character classes on the folded text.

const NONE = 0
const MASKED = 1
const KEPT = 2

const K_EMAIL = 1
const K_CARD = 2
const K_PHONE = 3
const K_CVV = 4
const K_ORDER = 5
const KIND_NAME = ['', 'email', 'card', 'phone', 'cvv', 'order'] as const
const KIND_MASK = ['', '[email]', '[card]', '[phone]', '[cvv]', '[order]'] as const
/** Order of the names in {@link RedactedQuery.masked}. */
const REPORT_ORDER = [K_EMAIL, K_CARD, K_PHONE, K_CVV, K_ORDER]

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isAsciiLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)

/**
 * Separators people type between the digit groups of a phone or card number (after NFKC, so
 * full-width forms are already ASCII): spaces (the ideographic space folds to a space), hyphens
 * and dashes of every kind, the katakana prolonged sound mark ー, wave dashes and tildes, dots,
 * middle dots, slashes and parentheses. Newlines, commas and colons are not separators, so lists,
 * prices (¥4,000) and times (9:00–18:00) stay apart.
 */
function isSep(c: number): boolean {
  switch (c) {
    case 0x20: case 0x09: case 0x2d: case 0x2e: case 0x2f: case 0x28: case 0x29: case 0x7e:
    case 0xb7: case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015:
    case 0x2043: case 0x2053: case 0x2212: case 0x223c: case 0x2500: case 0x2501:
    case 0x301c: case 0x3030: case 0x30fb: case 0x30fc:
      return true
    default:
      return false
  }
}

// Script classes for e-mail scanning: a local part or a top-level domain is one script, so the
// Japanese particle after `...@example.com` or before `taro@` is not swallowed.
const C_NONE = 0
const C_LATIN = 1
const C_HAN = 2
const C_HIRA = 3
const C_KATA = 4
const C_HANGUL = 5
const C_MARK = 6
const C_NUM = 7
const SCRIPT_TESTS: [RegExp, number][] = [
  [/\p{Script=Latin}/u, C_LATIN],
  [/\p{Script=Han}/u, C_HAN],
  [/\p{Script=Hiragana}/u, C_HIRA],
  [/\p{Script=Katakana}/u, C_KATA],
  [/\p{Script=Hangul}/u, C_HANGUL],
  [/\p{Script=Cyrillic}/u, 10],
  [/\p{Script=Greek}/u, 11],
  [/\p{Script=Arabic}/u, 12],
  [/\p{Script=Hebrew}/u, 13],
  [/\p{Script=Thai}/u, 14],
  [/\p{Script=Devanagari}/u, 15],
]
const classCache = new Map<number, number>()

/** Letter/digit class of a code point for e-mail scanning (C_NONE: not part of a word). */
function charClass(cp: number): number {
  if (cp < 0x80) return isDigit(cp) || isAsciiLetter(cp) ? C_LATIN : C_NONE
  if (cp >= 0x4e00 && cp <= 0x9fff) return C_HAN
  if (cp >= 0xac00 && cp <= 0xd7a3) return C_HANGUL
  if (cp >= 0x3041 && cp <= 0x3096) return C_HIRA
  if ((cp >= 0x30a1 && cp <= 0x30fa) || cp === 0x30fc) return C_KATA
  let k = classCache.get(cp)
  if (k === undefined) {
    const s = String.fromCodePoint(cp)
    if (/\p{M}/u.test(s)) k = C_MARK
    else if (/\p{N}/u.test(s)) k = C_NUM
    else if (/\p{L}/u.test(s)) {
      k = 16
      for (const [re, v] of SCRIPT_TESTS) {
        if (re.test(s)) {
          k = v
          break
        }
      }
    } else k = C_NONE
    if (classCache.size < 65_536) classCache.set(cp, k)
  }
  return k
}

function cpAt(s: string, i: number): number {
  return s.codePointAt(i) ?? 0
}
function cpLen(cp: number): number {
  return cp > 0xffff ? 2 : 1
}
/** The code point ending just before index `j`. */
function cpBefore(s: string, j: number): number {
  const c = s.charCodeAt(j - 1)
  if (c >= 0xdc00 && c <= 0xdfff && j >= 2) {
    const h = s.charCodeAt(j - 2)
    if (h >= 0xd800 && h <= 0xdbff) return (h - 0xd800) * 0x400 + (c - 0xdc00) + 0x10000
  }
  return c
}

// ---------------------------------------------------------------------------------------------
// The scan state: which folded positions are masked or kept, and the spans to write.

class Scan {
  readonly n: number
  /** NONE, MASKED (inside a span: later passes skip it) or KEPT (a date or postcode: not masked). */
  readonly cover: Uint8Array
  /** At a span's start: its end (exclusive); 0 elsewhere. */
  readonly spanEnd: Int32Array
  readonly spanKind: Uint8Array
  found = 0

  constructor(
    readonly f: string,
    readonly meter: Meter,
  ) {
    this.n = f.length
    this.cover = new Uint8Array(this.n)
    this.spanEnd = new Int32Array(this.n)
    this.spanKind = new Uint8Array(this.n)
  }

  mask(s: number, e: number, kind: number): void {
    this.spanEnd[s] = e
    this.spanKind[s] = kind
    this.cover.fill(MASKED, s, e)
    this.found |= 1 << kind
    this.meter.units += e - s
  }

  keep(s: number, e: number): void {
    for (let k = s; k < e; k++) if (this.cover[k] === NONE) this.cover[k] = KEPT
    this.meter.units += e - s
  }

  code(i: number): number {
    return i >= 0 && i < this.n ? this.f.charCodeAt(i) : -1
  }
}

function redactBuiltIn(query: string, meter: Meter): { text: string; masked: string[] } {
  if (query.length === 0) return { text: query, masked: [] }
  const fo = fold(query, meter)
  const sc = new Scan(fo.text, meter)
  scanEmails(sc)
  scanPostcodes(sc)
  scanDigitRuns(sc)
  scanOrders(sc)
  scanCvv(sc)
  if (sc.found === 0) return { text: query, masked: [] }
  // Write the original text with each span replaced by its mask.
  const parts: string[] = []
  let cursor = 0
  for (let i = 0; i < sc.n; i++) {
    const e = sc.spanEnd[i]
    if (e === 0) continue
    const os = fo.origin[i]
    if (os > cursor) parts.push(query.slice(cursor, os))
    parts.push(KIND_MASK[sc.spanKind[i]])
    cursor = Math.max(cursor, originalEnd(query, fo.origin[e - 1]))
    i = e - 1
  }
  parts.push(query.slice(cursor))
  meter.units += sc.n
  return { text: parts.join(''), masked: REPORT_ORDER.filter((k) => sc.found & (1 << k)).map((k) => KIND_NAME[k]) }
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses: a bounded scan around each '@'.

const MAX_LOCAL = 64
const MAX_DOMAIN = 255
/** Han characters that end a Chinese lead-in (我的邮箱是…) rather than belong to a local part. */
const HAN_STOPS = new Set([...'是为為给給到至即'].map((c) => c.codePointAt(0)!))
/**
 * Non-ASCII top-level domains, so that `用户@例子.中国的` stops after 中国. Longest first. An unknown
 * non-ASCII TLD runs to the end of its script (テスト in `…@例え.テストです`).
 */
const IDN_TLDS = [
  '中文网', '新加坡', '我爱你', 'ファッション', 'クラウド', 'ポイント', 'ストア', 'セール', 'みんな', 'コム', 'テスト', '中国', '中國', '香港', '台湾', '台灣', '澳門', '澳门',
  '公司', '网络', '網絡', '网址', '網址', '网店', '网站', '在线', '商城', '商店', '集团', '移动', '手机', '游戏', '企业', '娱乐', '购物', '信息', '世界', '时尚', '通販',
  '書籍', '测试', '測試', '닷컴', '닷넷', '한국', '삼성', '테스트', 'онлайн', 'испытание', 'сайт', 'рус', 'рф', 'δοκιμή', 'परीक्षा',
].sort((a, b) => b.length - a.length)

/** Local-part punctuation: . _ % + - */
const isLocalPunct = (c: number): boolean => c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d

function scanEmails(sc: Scan): void {
  const f = sc.f
  let lastEnd = 0
  for (let at = f.indexOf('@'); at !== -1; at = f.indexOf('@', at + 1)) {
    sc.meter.units++
    if (at < lastEnd) continue
    const local = localStart(sc, at)
    if (local < 0) continue
    const end = domainEnd(sc, at)
    if (end < 0) continue
    sc.mask(local, end, K_EMAIL)
    lastEnd = end
  }
}

/** Start of the local part ending at '@' (index `at`), or -1. */
function localStart(sc: Scan, at: number): number {
  const f = sc.f
  let j = at
  let mode = -1
  for (let count = 0; j > 0 && count < MAX_LOCAL; count++) {
    if (sc.cover[j - 1] === MASKED) break
    const cp = cpBefore(f, j)
    sc.meter.units++
    let ok = false
    if (cp < 0x80) {
      if (isLocalPunct(cp)) ok = true
      else if (isDigit(cp)) {
        ok = true
        if (mode === -1) mode = C_LATIN
      } else if (isAsciiLetter(cp)) {
        ok = mode === -1 || mode === C_LATIN
        if (ok) mode = C_LATIN
      }
    } else {
      const k = charClass(cp)
      if (k === C_MARK) ok = true
      else if (k !== C_NONE && k !== C_NUM && !(k === C_HAN && HAN_STOPS.has(cp))) {
        ok = mode === -1 || mode === k
        if (ok) mode = k
      }
    }
    if (!ok) break
    j -= cpLen(cp)
  }
  // A local part does not start with punctuation or a combining mark.
  while (j < at) {
    const cp = cpAt(f, j)
    if (cp < 0x80 ? isLocalPunct(cp) : charClass(cp) === C_MARK) j += cpLen(cp)
    else break
  }
  return j < at ? j : -1
}

const isDomainChar = (cp: number): boolean => cp === 0x2d || (cp < 0x80 ? isDigit(cp) || isAsciiLetter(cp) : charClass(cp) !== C_NONE)

/** End of the domain after '@' (index `at`), ending with a plausible top-level domain, or -1. */
function domainEnd(sc: Scan, at: number): number {
  const f = sc.f
  const n = sc.n
  const labels: number[] = []
  let pos = at + 1
  let total = 0
  while (pos < n && total < MAX_DOMAIN) {
    const s = pos
    while (pos < n && total < MAX_DOMAIN && sc.cover[pos] !== MASKED) {
      const cp = cpAt(f, pos)
      if (!isDomainChar(cp)) break
      pos += cpLen(cp)
      total++
      sc.meter.units++
    }
    if (pos === s) break
    labels.push(s, pos)
    if (pos + 1 < n && f.charCodeAt(pos) === 0x2e && sc.cover[pos + 1] !== MASKED && isDomainChar(cpAt(f, pos + 1)) && f.charCodeAt(pos + 1) !== 0x2d) {
      pos++
      total++
      continue
    }
    break
  }
  if (labels.length < 4 || f.charCodeAt(at + 1) === 0x2d) return -1
  // The last label may run into the next word ("comです"); cut it to a plausible TLD, or fall
  // back to the label before it.
  while (labels.length >= 4) {
    const e = tldEnd(sc, labels[labels.length - 2], labels[labels.length - 1])
    if (e >= 0) return e
    labels.length -= 2
  }
  return -1
}

function tldEnd(sc: Scan, s: number, e: number): number {
  const f = sc.f
  const c0 = f.charCodeAt(s)
  if (c0 < 0x80) {
    if (!isAsciiLetter(c0)) return -1
    let k = s
    if (/^xn--/i.test(f.slice(s, s + 4))) {
      while (k < e && (isAsciiLetter(f.charCodeAt(k)) || isDigit(f.charCodeAt(k)) || f.charCodeAt(k) === 0x2d)) k++
      return k - s > 4 ? k : -1
    }
    while (k < e && isAsciiLetter(f.charCodeAt(k))) k++
    return k - s >= 2 ? k : -1
  }
  for (const t of IDN_TLDS) if (s + t.length <= e && f.startsWith(t, s)) return s + t.length
  const k0 = charClass(cpAt(f, s))
  if (k0 === C_MARK || k0 === C_NUM || k0 === C_NONE) return -1
  let k = s
  let count = 0
  while (k < e) {
    const cp = cpAt(f, k)
    const kk = charClass(cp)
    if (kk !== k0 && kk !== C_MARK) break
    k += cpLen(cp)
    count++
  }
  return count >= 2 ? k : -1
}

// ---------------------------------------------------------------------------------------------
// Card security codes and postcodes: a small window next to a keyword.

/** Card security words. Literal alternatives only (no nested quantifiers), so matching stays linear. */
const CVV_WORDS = /cvv2?|cvc2?|cvn2?|csc|cid|security\s?code|card\s?verification(?:\s?(?:code|value|number))?|セキュリティー?コード|セキュリティー?番号|보안\s?코드|보안\s?번호|카드\s?인증\s?번호|安全码|安全碼|卡验证码|卡驗證碼/giu
/** Postcode words; the number after one is kept, not masked as an order number. */
const POSTCODE_WORDS = /〒|郵便番号|邮编|邮政编码|郵遞區號|郵政編碼|우편\s?번호|post\s?code|postal\s?code|zip\s?code|zip/giu
const CVV_AFTER = 24
const CVV_BEFORE = 16
const POSTCODE_AFTER = 12

/** An ASCII keyword must be a whole word (`cid` in "decide" is not one). */
function wholeWord(sc: Scan, s: number, e: number): boolean {
  const a = sc.code(s)
  if (a < 0x80 && isAsciiLetter(a) && isAsciiLetter(sc.code(s - 1))) return false
  const b = sc.code(e - 1)
  if (b < 0x80 && isAsciiLetter(b) && isAsciiLetter(sc.code(e))) return false
  return true
}

/** A digit that no earlier pass masked or kept (a date or postcode next to a code does not make it part of a longer number). */
const liveDigit = (sc: Scan, i: number): boolean => isDigit(sc.code(i)) && sc.cover[i] === NONE

/** A digit group [q, r) that is not part of a longer grouped number (4111 1111 …). */
function standalone(sc: Scan, q: number, r: number): boolean {
  if (liveDigit(sc, q - 1) || liveDigit(sc, r)) return false
  if (isSep(sc.code(q - 1)) && liveDigit(sc, q - 2)) return false
  if (isSep(sc.code(r)) && liveDigit(sc, r + 1)) return false
  return true
}

/** Postcode words: the number after one is kept (not masked as an order number). Runs before the digit runs. */
function scanPostcodes(sc: Scan): void {
  for (const m of sc.f.matchAll(POSTCODE_WORDS)) {
    const ks = m.index
    const ke = ks + m[0].length
    sc.meter.units += m[0].length
    if (!wholeWord(sc, ks, ke) || sc.cover[ks] === MASKED) continue
    postcodeAfter(sc, ke)
  }
}

/**
 * Card security words: the 3–4 digit code after (or else before) one is masked. Runs last, so a
 * card or order number next to the word is already masked and does not count as a digit group.
 */
function scanCvv(sc: Scan): void {
  for (const m of sc.f.matchAll(CVV_WORDS)) {
    const ks = m.index
    const ke = ks + m[0].length
    sc.meter.units += m[0].length
    if (!wholeWord(sc, ks, ke) || sc.cover[ks] === MASKED) continue
    if (!cvvAfter(sc, ke)) cvvBefore(sc, ks)
  }
}

/** Length of a built-in mask written at q ("[card]"), or 0: the window treats it like the span it replaced. */
function maskLiteralAt(f: string, q: number): number {
  if (f.charCodeAt(q) !== 0x5b) return 0
  for (let k = 1; k < KIND_MASK.length; k++) if (f.startsWith(KIND_MASK[k], q)) return KIND_MASK[k].length
  return 0
}
function maskLiteralBefore(f: string, r: number): number {
  if (f.charCodeAt(r - 1) !== 0x5d) return 0
  for (let k = 1; k < KIND_MASK.length; k++) if (f.endsWith(KIND_MASK[k], r)) return KIND_MASK[k].length
  return 0
}

/** The window after a security word: CVV_AFTER steps, a masked span or a mask counting as one step. */
function cvvAfter(sc: Scan, from: number): boolean {
  const f = sc.f
  for (let q = from, steps = 0; q < sc.n && steps < CVV_AFTER; steps++) {
    sc.meter.units++
    const c = f.charCodeAt(q)
    if (c === 0x0a || c === 0x0d) return false
    if (sc.cover[q] === MASKED) {
      const from = q
      while (q < sc.n && sc.cover[q] === MASKED) q++
      sc.meter.units += q - from
      continue
    }
    const lit = maskLiteralAt(f, q)
    if (lit > 0 || !isDigit(c)) {
      q += lit || 1
      continue
    }
    let r = q
    while (liveDigit(sc, r)) r++
    sc.meter.units += r - q
    const len = r - q
    if ((len === 3 || len === 4) && standalone(sc, q, r)) {
      sc.mask(q, r, K_CVV)
      return true
    }
    if (len > 2) return false
    q = r // a 1–2 digit number such as "3桁" ("3 digits"): look further
  }
  return false
}

/** The window before a security word ("123 is the CVV"), CVV_BEFORE steps. */
function cvvBefore(sc: Scan, to: number): void {
  const f = sc.f
  for (let r = to, steps = 0; r > 0 && steps < CVV_BEFORE; steps++) {
    sc.meter.units++
    const c = f.charCodeAt(r - 1)
    if (c === 0x0a || c === 0x0d) return
    if (sc.cover[r - 1] === MASKED) {
      const from = r
      while (r > 0 && sc.cover[r - 1] === MASKED) r--
      sc.meter.units += from - r
      continue
    }
    const lit = maskLiteralBefore(f, r)
    if (lit > 0 || !isDigit(c)) {
      r -= lit || 1
      continue
    }
    let q = r
    while (liveDigit(sc, q - 1)) q--
    sc.meter.units += r - q
    if ((r - q === 3 || r - q === 4) && standalone(sc, q, r)) sc.mask(q, r, K_CVV)
    return
  }
}

const isDashLike = (c: number): boolean => c === 0x2d || (c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0x30fc

function postcodeAfter(sc: Scan, from: number): void {
  const lim = Math.min(sc.n, from + POSTCODE_AFTER)
  let q = from
  while (q < lim && !isDigit(sc.f.charCodeAt(q))) {
    const c = sc.f.charCodeAt(q)
    if (c === 0x0a || sc.cover[q] === MASKED) return
    q++
  }
  if (q >= lim) return
  let r = q
  while (r < sc.n && r - q < 8 && isDigit(sc.f.charCodeAt(r))) r++
  const a = r - q
  let end = r
  let b = 0
  if (isDashLike(sc.code(r)) && isDigit(sc.code(r + 1))) {
    let t = r + 1
    while (t < sc.n && t - r < 6 && isDigit(sc.f.charCodeAt(t))) t++
    b = t - r - 1
    end = t
  }
  sc.meter.units += end - q
  // JP 123-4567 / 1234567, KR and US 12345, CN 123456, US ZIP+4 12345-6789; nothing glued after.
  const shape = b === 0 ? a === 5 || a === 6 || a === 7 : (a === 3 && b === 4) || (a === 5 && b === 4)
  if (!shape || isDigit(sc.code(end)) || (isDashLike(sc.code(end)) && isDigit(sc.code(end + 1)))) return
  for (let k = q; k < end; k++) if (sc.cover[k] === MASKED) return
  sc.keep(q, end)
}

// ---------------------------------------------------------------------------------------------
// Digit runs: digits with short separator runs between them, classified as dates (kept), card
// numbers, phone numbers, or nothing.

/** At most this many separator characters between two digit groups ("4111  1111", ") "). */
const MAX_SEP = 3

function scanDigitRuns(sc: Scan): void {
  const f = sc.f
  const n = sc.n
  const cover = sc.cover
  const run = new DigitRun(sc)
  let visits = 0
  for (let i = 0; i < n; ) {
    visits++
    if (cover[i] !== NONE) {
      i++
      continue
    }
    const c = f.charCodeAt(i)
    let k = i
    if (c === 0x28 && i + 1 < n && cover[i + 1] === NONE && f.charCodeAt(i + 1) === 0x2b) k = i + 2
    else if (c === 0x28 || c === 0x2b) k = i + 1
    else if (c < 0x30 || c > 0x39) {
      i++
      continue
    }
    if (k >= n || !isDigit(f.charCodeAt(k)) || cover[k] !== NONE) {
      i++
      continue
    }
    const plus = k > i && f.charCodeAt(k - 1) === 0x2b
    let groups = 0
    let digits = 0
    for (;;) {
      const s = k
      while (k < n && cover[k] === NONE && isDigit(f.charCodeAt(k))) k++
      groups = run.push(s, k, groups)
      digits += k - s
      let t = k
      while (t < n && t - k <= MAX_SEP && cover[t] === NONE && isSep(f.charCodeAt(t))) t++
      if (t > k && t - k <= MAX_SEP && t < n && cover[t] === NONE && isDigit(f.charCodeAt(t))) {
        k = t
        continue
      }
      break
    }
    visits += k - i
    if (digits >= 6) run.classify(i, plus, groups)
    i = k
  }
  sc.meter.units += visits
}

/** Whether an ASCII letter (or a letter and a dash) is glued to a digit run at p: TEL090…, AA10123…, ORD-2024…. */
function letterBefore(sc: Scan, p: number): boolean {
  const c = sc.code(p)
  if (isAsciiLetter(c)) return sc.cover[p] === NONE
  return (c === 0x2d || c === 0x5f) && isAsciiLetter(sc.code(p - 1)) && sc.cover[p - 1] === NONE
}
function letterAfter(sc: Scan, p: number): boolean {
  const c = sc.code(p)
  if (isAsciiLetter(c)) return sc.cover[p] === NONE
  return (c === 0x2d || c === 0x5f) && isAsciiLetter(sc.code(p + 1)) && sc.cover[p + 1] === NONE
}

function groupValue(f: string, s: number, e: number): number {
  let v = 0
  for (let k = s; k < e && k < s + 6; k++) v = v * 10 + (f.charCodeAt(k) - 48)
  return v
}

function luhn(f: string, gs: Int32Array, ge: Int32Array, i: number, j: number): boolean {
  let sum = 0
  let double = false
  for (let g = j; g >= i; g--) {
    for (let k = ge[g] - 1; k >= gs[g]; k--) {
      let d = f.charCodeAt(k) - 48
      if (double) {
        d *= 2
        if (d > 9) d -= 9
      }
      sum += d
      double = !double
    }
  }
  return sum % 10 === 0
}

const isYear = (v: number, l: number): boolean => l === 4 && v >= 1900 && v <= 2100
const dateSep = (c: number): boolean => c === 0x2d || c === 0x2f || c === 0x2e

/** One run of digit groups being classified; reused for every run of a query. */
class DigitRun {
  f = ''
  G = 0
  runStart = 0
  plus = false
  /** The run is glued to ASCII letters at its start / end and written as one token: an identifier, not a phone number. */
  idStart = false
  idEnd = false
  /** Start and end (exclusive) of each digit group, in the folded text. */
  gs = new Int32Array(64)
  ge = new Int32Array(64)
  taken = new Uint8Array(64)

  constructor(readonly sc: Scan) {
    this.f = sc.f
  }

  len(g: number): number {
    return this.ge[g] - this.gs[g]
  }
  digit(g: number, o: number): number {
    return o < this.ge[g] - this.gs[g] ? this.f.charCodeAt(this.gs[g] + o) - 48 : -1
  }
  value(g: number): number {
    return groupValue(this.f, this.gs[g], this.ge[g])
  }
  /** The separator before group g when it is a single character, else -1. */
  sepChar(g: number): number {
    return this.gs[g] - this.ge[g - 1] === 1 ? this.f.charCodeAt(this.ge[g - 1]) : -1
  }
  small(g: number, lo: number, hi: number): boolean {
    const v = this.value(g)
    return this.len(g) <= 2 && v >= lo && v <= hi
  }
  take(i: number, j: number): void {
    this.taken.fill(1, i, j + 1)
  }

  /** Appends a digit group (growing the buffers as needed) and returns the new group count. */
  push(s: number, e: number, count: number): number {
    if (count === this.gs.length) {
      const gs = new Int32Array(count * 2)
      gs.set(this.gs)
      this.gs = gs
      const ge = new Int32Array(count * 2)
      ge.set(this.ge)
      this.ge = ge
    }
    this.gs[count] = s
    this.ge[count] = e
    return count + 1
  }

  classify(runStart: number, plus: boolean, groups: number): void {
    const sc = this.sc
    const G = (this.G = groups)
    this.runStart = runStart
    this.plus = plus
    // A run glued to ASCII letters is an identifier when the order rule will mask it whole, i.e.
    // when its separators are ASCII dashes (ORD-20240315, B0312345678). With other separators
    // (090‐1234‐5678a) the order rule would not see one token, so the phone rules still apply.
    let dashes = true
    for (let g = 1; g < G && dashes; g++) for (let k = this.ge[g - 1]; k < this.gs[g] && dashes; k++) dashes = this.f.charCodeAt(k) === 0x2d
    this.idStart = dashes && letterBefore(sc, runStart - 1)
    this.idEnd = dashes && letterAfter(sc, this.ge[G - 1])
    if (this.taken.length < G) this.taken = new Uint8Array(G * 2)
    this.taken.fill(0, 0, G)
    // 1. Dates (kept), left to right.
    for (let i = 0; i < G; ) {
      const d = this.dateAt(i)
      if (d > 0) {
        sc.keep(this.gs[i], this.ge[i + d - 1])
        this.take(i, i + d - 1)
        i += d
      } else i++
    }
    // 2. Luhn-valid card numbers.
    for (let i = 0; i < G; i++) {
      if (this.taken[i]) continue
      const c = this.cardAt(i)
      if (c >= 0) {
        sc.mask(this.gs[i], this.ge[c], K_CARD)
        this.take(i, c)
        i = c
      }
    }
    // 3. Phone numbers by the specific rules.
    for (let i = 0; i < G; i++) {
      if (this.taken[i]) continue
      const j = this.phoneAt(i)
      if (j >= 0) {
        this.maskPhone(i, j)
        i = j
      }
    }
    // 4. Card-shaped numbers failing the Luhn check are not card numbers (a 16-digit order
    // number, or a mistyped card). They are set aside here so that the generic phone rule below
    // does not mask a part of one; written as one token (1234-5678-9012-3456, 1234567890123456)
    // the order rule still masks it as [order], but with spaces between the groups it stays.
    for (let i = 0; i < G; i++) {
      if (this.taken[i]) continue
      const c = this.cardAt(i)
      if (c <= -2) {
        this.take(i, -c - 2)
        i = -c - 2
      }
    }
    // 5. Any other phone-like grouping.
    for (let i = 0; i < G; i++) {
      if (this.taken[i]) continue
      const j = this.genericPhoneAt(i)
      if (j >= 0) {
        this.maskPhone(i, j)
        i = j
      }
    }
  }

  /** Whether the separator before group g equals the one before group h (card numbers are typed with one separator). */
  sameSep(g: number, h: number): boolean {
    const a = this.ge[g - 1]
    const la = this.gs[g] - a
    const b = this.ge[h - 1]
    if (this.gs[h] - b !== la) return false
    for (let k = 0; k < la; k++) if (this.f.charCodeAt(a + k) !== this.f.charCodeAt(b + k)) return false
    return true
  }

  /** Groups in a date at g (2026-04-01, 2026/4/1, 01.04.2026, 04/01/2026, 2026-04): 0 if none. */
  dateAt(g: number): number {
    const G = this.G
    if (g + 2 < G) {
      const s1 = this.sepChar(g + 1)
      if (dateSep(s1) && s1 === this.sepChar(g + 2)) {
        if (isYear(this.value(g), this.len(g)) && this.small(g + 1, 1, 12) && this.small(g + 2, 1, 31)) return 3
        if (isYear(this.value(g + 2), this.len(g + 2)) && this.small(g, 1, 31) && this.small(g + 1, 1, 31) && (this.small(g, 1, 12) || this.small(g + 1, 1, 12))) return 3
      }
    }
    if (g + 1 < G && dateSep(this.sepChar(g + 1)) && isYear(this.value(g), this.len(g)) && this.small(g + 1, 1, 12)) return 2
    return 0
  }

  /** A card-like group layout: one group, groups of 4 (the last may be shorter), or 4-6-5 / 4-6-4. */
  natural(i: number, j: number): boolean {
    if (i === j) return true
    if (j - i === 2 && this.len(i) === 4 && this.len(i + 1) === 6 && (this.len(j) === 5 || this.len(j) === 4)) return true
    for (let g = i; g < j; g++) if (this.len(g) !== 4) return false
    return this.len(j) <= 4
  }

  /**
   * A card number starting at group i: 13–19 digits, no leading 0 or '+', one separator style
   * throughout, every group but the last of 3+ digits, passing the Luhn check; a natural layout
   * first, then the longest. (A run holding a phone number and a card typed with the same
   * separator, 080 8181 2443 4111 1111 1111 1111, is ambiguous: cards are taken first.) Returns
   * its last group, -1 if none, or -(last group) - 2 for a natural card-shaped number that fails
   * the Luhn check.
   */
  cardAt(i: number): number {
    if ((i === 0 && this.plus) || this.digit(i, 0) === 0) return -1
    let t = 0
    let bestNatural = -1
    let bestAny = -1
    let shaped = -1
    for (let j = i; j < this.G && j < i + 19; j++) {
      if (this.taken[j] || (j > i + 1 && !this.sameSep(i + 1, j))) break
      t += this.len(j)
      if (t > 19) break
      this.sc.meter.units++
      if (t >= 13) {
        const nat = this.natural(i, j)
        if (luhn(this.f, this.gs, this.ge, i, j)) {
          if (nat) bestNatural = j
          bestAny = j
        } else if (nat && (i === j || t === 14 || t === 15 || t === 16 || t === 19)) shaped = j
      }
      if (this.len(j) < 3) break // only the last group may be shorter than 3 digits
    }
    if (bestNatural >= 0) return bestNatural
    if (bestAny >= 0) return bestAny
    return shaped >= 0 ? -shaped - 2 : -1
  }

  /** A phone number starting at group i by one of the specific rules: its last group, or -1. */
  phoneAt(i: number): number {
    if (i === 0 && this.idStart) return -1
    const d0 = this.digit(i, 0)
    const d1 = this.digit(i, 1)
    const d2 = this.digit(i, 2)
    const l0 = this.len(i)
    let t = 0
    let best = -1
    let laterShort = false // a 1-digit group after the first
    for (let j = i; j < this.G && j < i + 8; j++) {
      if (this.taken[j]) break
      t += this.len(j)
      if (t > 17) break
      this.sc.meter.units++
      if (j > i && this.len(j) < 2) laterShort = true
      if (j === this.G - 1 && this.idEnd) break
      const groups = j - i + 1
      const ok =
        // +81 90-1234-5678, +82 10 1234 5678, +86 138 1234 5678, +1 (555) 123-4567, +44 20 7946 0958
        (i === 0 && this.plus && t >= 8 && t <= 15) ||
        // 0081-90-1234-5678: the international prefix 00 and a country code
        (d0 === 0 && d1 === 0 && d2 > 0 && l0 <= 4 && t >= 10 && t <= 17) ||
        // national with a trunk 0: JP 0X0-XXXX-XXXX, 0X-XXXX-XXXX, 0120-XXX-XXX; KR 010-XXXX-XXXX, 02-XXX-XXXX; CN 010-XXXXXXXX, 0755-XXXXXXXX
        (d0 === 0 && d1 !== 0 && t >= 9 && t <= 12 && !laterShort) ||
        // CN mobile 1[3-9]X XXXX XXXX
        (d0 === 1 && d1 >= 3 && t === 11 && (groups === 1 || l0 === 3)) ||
        // North America: (555) 123-4567, 555-123-4567, 555 1234567, 1-800-555-0199
        (t === 10 && d0 >= 2 && l0 === 3 && ((groups === 3 && this.len(i + 1) === 3) || (groups === 2 && this.len(j) === 7))) ||
        (t === 11 && d0 === 1 && l0 === 1 && groups === 4 && this.len(i + 1) === 3 && this.len(i + 2) === 3)
      if (ok) best = j
    }
    return best
  }

  /** Any other grouped number that looks like a phone: 3–5 groups of 2–4 digits, the last 3–4, 9–15 digits. */
  genericPhoneAt(i: number): number {
    if (i === 0 && this.idStart) return -1
    let t = 0
    let best = -1
    let dotsOnly = true
    let short = true
    for (let j = i; j < this.G && j < i + 5; j++) {
      const l = this.len(j)
      if (this.taken[j] || l < 2 || l > 4) break
      t += l
      if (j > i && this.sepChar(j) !== 0x2e) dotsOnly = false
      if (l > 3) short = false
      this.sc.meter.units++
      if (j === this.G - 1 && this.idEnd) break
      // 192.168.100.200 or 10.0.12.1 is an address, not a phone number
      if (j - i >= 2 && l >= 3 && t >= 9 && t <= 15 && !(dotsOnly && short)) best = j
    }
    return best
  }

  /** Masks groups i..j as a phone number, with a leading '+' or '(' and a matching ')'. */
  maskPhone(i: number, j: number): void {
    const f = this.f
    let s = this.gs[i]
    if (i === 0) s = this.runStart
    else if (f.charCodeAt(s - 1) === 0x28) s--
    let e = this.ge[j]
    let open = 0
    for (let k = s; k < e; k++) {
      const c = f.charCodeAt(k)
      if (c === 0x28) open++
      else if (c === 0x29) open--
    }
    if (open > 0 && this.sc.code(e) === 0x29 && this.sc.cover[e] === NONE) e++
    this.sc.mask(s, e, K_PHONE)
    this.take(i, j)
  }
}

// ---------------------------------------------------------------------------------------------
// Order numbers: a token of ASCII letters, digits and dashes holding 6+ digits, or # and 4+ digits.

const isTokenChar = (c: number): boolean => isDigit(c) || isAsciiLetter(c) || c === 0x2d

function scanOrders(sc: Scan): void {
  const f = sc.f
  const n = sc.n
  const cover = sc.cover
  let visits = 0
  for (let i = 0; i < n; ) {
    visits++
    const c = f.charCodeAt(i)
    if (cover[i] === MASKED || !(c === 0x23 || isTokenChar(c))) {
      i++
      continue
    }
    if (c === 0x23) {
      let k = i + 1
      while (k < n && cover[k] === NONE && isDigit(f.charCodeAt(k))) k++
      if (k - i - 1 >= 4) {
        sc.mask(i, k, K_ORDER)
        i = k
      } else i++
      continue
    }
    let k = i
    let digits = 0
    while (k < n && cover[k] !== MASKED) {
      const d = f.charCodeAt(k)
      if (!isTokenChar(d)) break
      if (isDigit(d)) digits++
      k++
    }
    visits += k - i
    if (digits >= 6) {
      let a = i
      let b = k
      while (a < b && f.charCodeAt(a) === 0x2d) a++
      while (b > a && f.charCodeAt(b - 1) === 0x2d) b--
      // A token that is exactly a date or a postcode (2026-04-01, 〒150-0001) is kept.
      let kept = true
      for (let t = a; t < b && kept; t++) kept = cover[t] === KEPT
      if (!kept) sc.mask(a, b, K_ORDER)
    }
    i = k
  }
  sc.meter.units += visits
}
