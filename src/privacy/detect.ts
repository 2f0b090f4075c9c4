/**
 * The built-in detectors of redaction: hand-written scanners over the NFKC-folded text, each
 * linear in the length of the query (queries are untrusted input). One pass collects runs of
 * digits and separators and classifies each run (dates, Luhn-checked cards, phone numbers);
 * e-mail addresses are found by a bounded scan around each `@`; order numbers are whole tokens;
 * card security codes and postcodes are found in a small window next to a keyword; postal
 * addresses (`address.ts`) in a bounded window around each number. Passes run in a fixed order
 * and a later pass never looks inside a span an earlier one masked.
 */
import { scanAddresses } from './address.js'
import { fold, originalEnd, type Meter } from './fold.js'
import * as shared from './scan.js'

// Local copies of the shared helpers: an imported binding read in a hot loop is a getter call
// once the module is transpiled (vitest, tsx), several times slower on long queries.
const { isAsciiLetter, isDashLike, isDigit, KEPT, MASKED, NONE } = shared
type Scan = shared.Scan

// ---------------------------------------------------------------------------------------------
// Character classes on the folded text.

const K_EMAIL = 1
const K_CARD = 2
const K_PHONE = 3
const K_CVV = 4
const K_ORDER = 5
const K_ADDRESS = 6
const KIND_NAME = ['', 'email', 'card', 'phone', 'cvv', 'order', 'address'] as const
const KIND_MASK = ['', '[email]', '[card]', '[phone]', '[cvv]', '[order]', '[address]'] as const
/** Order of the names in {@link RedactedQuery.masked}. */
const REPORT_ORDER = [K_EMAIL, K_CARD, K_PHONE, K_CVV, K_ORDER, K_ADDRESS]


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

/** Mask what the built-in detectors find in `query` (the original text with each span replaced), and their names in report order. */
export function redactBuiltIn(query: string, meter: Meter): { text: string; masked: string[] } {
  if (query.length === 0) return { text: query, masked: [] }
  const fo = fold(query, meter)
  const sc = new shared.Scan(fo.text, meter)
  scanEmails(sc)
  scanPostcodes(sc)
  scanAddresses(sc, K_ADDRESS)
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
