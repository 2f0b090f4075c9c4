/**
 * Conflicting entries: two entries of the same base language (`zh-TW` and `zh` are both zh)
 * whose questions or variants are identical or near-identical but whose answers differ. The
 * engine cannot tell such entries apart, so a customer asking that question gets one answer or
 * the other. Reported as warnings: the FAQ still imports and builds.
 *
 * Every phrasing gets a *key*: normalizeText (NFKC, width, case), punctuation, symbols and
 * whitespace removed, and one polite/question ending or opener stripped (ですか・でしょうか・
 * ください… / 인가요・예요・나요… / 吗・请问… / please). Two phrasings are
 *
 *  1. identical or near-identical when their keys are equal ("identical" when only width, case
 *     or spacing differed, "near-identical" when punctuation or the ending did too);
 *  2. near-identical when one key is the other plus *filler only* and the character-bigram Dice
 *     coefficient of the two keys is ≥ {@link NEAR_IDENTICAL_DICE} (the filler is a small part of
 *     the question). Filler: in Japanese hiragana or ー (particles, okurigana, ご/お) except the
 *     negations ない・なく・ず・ぬ・ません・まい; in Korean a particle (은/는, 이/가, 을/를, 의,
 *     에, 에서, 으로/로, 좀, 제/저/내, 그냥); in Chinese 的/了/您/你/我们/请问/一下 and sentence
 *     particles; in English the words a, an, the, my, your, our, this, please (words are compared
 *     in the singular: orders = order).
 *
 * Nothing may be *replaced* in a near-identical pair, not even one filler for another (tell me my
 * name / tell me your name), so
 * one content word swapped in the same template — 送料/手数料, password/PIN, card/cash, せずに/して —
 * is never flagged however long the question, nor is an insertion that carries meaning (a digit,
 * 未, 不, ない, un-, 안/못), although such pairs reach a bigram Dice of 0.9 and more.
 *
 * Cost is linear in practice and bounded: phrasings are bucketed by exact key; near-identical
 * keys can only share a *skeleton* (the key with every possible filler character or word
 * removed), so keys are grouped by skeleton and only keys of one group are compared, each with
 * at most {@link COMPARISONS_PER_KEY} others of similar length; each entry is compared with at most
 * two earlier entries of a bucket (the earliest with each of two answers).
 */
import { baseLanguage, type BaseLanguage, type FaqEntry } from '../schema.js'
import { normalizeText } from '../text/normalize.js'
import { spacedForm, STRIPPED } from '../text/question-key.js'
import type { ImportIssue } from './types.js'

/** Minimum bigram Dice coefficient of two keys that differ by filler only. */
export const NEAR_IDENTICAL_DICE = 0.8
/** Keys of one skeleton group a key is compared with at most (bounds pathological groups). */
const COMPARISONS_PER_KEY = 64
/** Conflict warnings per entry at most (one per phrasing of the entry). */
const MAX_WARNINGS_PER_ENTRY = 3

// ---------------------------------------------------------------------------------------------
// Keys

/** The key of an answer: only punctuation, whitespace, width and case are ignored. */
function answerKey(text: string): string {
  return normalizeText(text).replace(STRIPPED, '')
}

// ---------------------------------------------------------------------------------------------
// Filler and skeletons

const KO_FILLER = new Set(['은', '는', '이', '가', '을', '를', '의', '에', '에서', '으로', '로', '좀', '제', '저', '내', '그냥'])
const KO_FILLER_CHARS = new RegExp(`[${[...new Set([...KO_FILLER].join(''))].join('')}]`, 'gu')
const EN_FILLER = new Set(['a', 'an', 'the', 'my', 'your', 'our', 'this', 'please'])
const ZH_FILLER_CHARS = '的了您你我们們请請问問吗嗎呢吧呀啊一下'
const ZH_FILLER = new RegExp(`^[${ZH_FILLER_CHARS}]+$`, 'u')
const ZH_FILLER_ALL = new RegExp(`[${ZH_FILLER_CHARS}]`, 'gu')
const JA_FILLER = /^[\p{Script=Hiragana}ー]+$/u
const JA_FILLER_ALL = /[\p{Script=Hiragana}ー]/gu
/** Hiragana that negates: never filler. */
const JA_NEGATION = /な[いく]|ず|ぬ|ません|まい/u

/** An English word without a plural -s (orders → order; not address, bus, this). */
function singular(word: string): string {
  return word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/.test(word) ? word.slice(0, -1) : word
}

/**
 * What is left of a phrasing when every character (or English word) that could be filler is
 * removed. Two keys that differ by filler only have the same skeleton, so grouping by skeleton
 * finds every candidate pair without comparing unrelated keys.
 */
function skeletonOf(spaced: string, key: string, lang: BaseLanguage): string {
  switch (lang) {
    case 'ja':
      return key.replace(JA_FILLER_ALL, '')
    case 'ko':
      return key.replace(KO_FILLER_CHARS, '')
    case 'zh':
      return key.replace(ZH_FILLER_ALL, '')
    case 'en':
      return spaced
        .split(' ')
        .filter((w) => w !== '' && !EN_FILLER.has(w))
        .map(singular)
        .join(' ')
  }
}

/** A phrasing's spaced form and key (the spaced form without spaces). */
interface Phrase {
  spaced: string
  key: string
}

/** Whether an inserted stretch of a CJK key is filler in `lang`. */
function isFiller(run: string, lang: BaseLanguage): boolean {
  if (lang === 'ja') return JA_FILLER.test(run) && !JA_NEGATION.test(run)
  if (lang === 'ko') return KO_FILLER.has(run)
  return ZH_FILLER.test(run)
}

/**
 * The stretches of `long` left over when `short` is matched as a subsequence (leftmost or
 * rightmost greedy), or undefined when `short` is not a subsequence of `long`.
 */
function insertions(short: string[], long: string[], fromEnd: boolean): string[][] | undefined {
  const runs: string[][] = []
  let run: string[] = []
  let j = fromEnd ? long.length - 1 : 0
  const step = fromEnd ? -1 : 1
  for (let k = 0; k < short.length; k++) {
    const c = short[fromEnd ? short.length - 1 - k : k]
    while (j >= 0 && j < long.length && long[j] !== c) {
      if (fromEnd) run.unshift(long[j])
      else run.push(long[j])
      j += step
    }
    if (j < 0 || j >= long.length) return undefined
    if (run.length > 0) runs.push(run)
    run = []
    j += step
  }
  const tail = fromEnd ? long.slice(0, j + 1) : long.slice(j)
  if (tail.length > 0) runs.push(tail)
  return runs
}

/**
 * Whether two different keys of one language differ by filler insertions only: the shorter one
 * inside the longer, the stretches in between all filler. English compares words (singular), so
 * "reset password" / "reset my password" is filler but "tell me my name" / "tell me your name"
 * (a replacement) is not.
 */
function differsByFillerOnly(a: Phrase, b: Phrase, lang: BaseLanguage): boolean {
  const units = (p: Phrase) => (lang === 'en' ? p.spaced.split(' ').map(singular) : [...p.key])
  const [ua, ub] = [units(a), units(b)]
  const [short, long] = ua.length <= ub.length ? [ua, ub] : [ub, ua]
  if (short.length === long.length) return lang === 'en' && short.every((w, i) => w === long[i]) // orders / order
  const filler = lang === 'en' ? (run: string[]) => run.every((w) => EN_FILLER.has(w)) : (run: string[]) => isFiller(run.join(''), lang)
  for (const fromEnd of [false, true]) {
    const runs = insertions(short, long, fromEnd)
    if (runs === undefined) return false
    if (runs.every(filler)) return true
  }
  return false
}

function bigrams(key: string): Set<string> {
  const chars = [...key]
  const out = new Set<string>()
  for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1])
  return out
}

/** Dice coefficient of two bigram sets. */
function dice(x: Set<string>, y: Set<string>): number {
  if (x.size + y.size === 0) return 0
  let shared = 0
  for (const g of x) if (y.has(g)) shared++
  return (2 * shared) / (x.size + y.size)
}

// ---------------------------------------------------------------------------------------------
// Buckets and reports

interface Member {
  entry: number
  /** -1 for the question, else the variant index. */
  variant: number
  text: string
  answer: string
}

interface Bucket extends Phrase {
  /** One member per entry (its question if that has this key), in entry order. */
  members: Member[]
  grams?: Set<string>
  heads?: Heads
}

interface Heads {
  /** The earliest member, and the earliest member with another answer than it. */
  first: Member
  second?: Member
  /** The earliest question per answer. */
  questionByAnswer: Map<string, Member>
}

interface Match {
  earlier: Member
  later: Member
  /** Earlier entries with another answer in the same exact bucket (conflicts only). */
  others: number
}

function headsOf(bucket: Bucket): Heads {
  if (bucket.heads) return bucket.heads
  const first = bucket.members[0]
  const second = bucket.members.find((m) => m.answer !== first.answer)
  const questionByAnswer = new Map<string, Member>()
  for (const m of bucket.members) if (m.variant === -1 && !questionByAnswer.has(m.answer)) questionByAnswer.set(m.answer, m)
  return (bucket.heads = { first, second, questionByAnswer })
}

/** The earliest of `heads` that is earlier than `m` and answers differently. */
function earliestConflict(heads: Heads, m: Member): Member | undefined {
  for (const h of [heads.first, heads.second]) if (h && h.entry < m.entry && h.answer !== m.answer) return h
  return undefined
}

/**
 * Warnings for entries whose questions or variants are identical or near-identical to those of an
 * earlier entry of the same base language: with a different answer (a conflict; field `question`
 * when both phrasings are questions, else `variants`), or — questions only — with the same answer
 * (a duplicate entry). `rows[i]` is the row shown for `entries[i]`. At most one warning per
 * phrasing of an entry, naming the earliest such row.
 */
export function findQuestionConflicts(entries: FaqEntry[], rows: number[]): ImportIssue[] {
  // Per base language: exact key → bucket, and skeleton → the buckets (distinct keys) sharing it.
  const buckets = new Map<BaseLanguage, Map<string, Bucket>>()
  const skeletons = new Map<BaseLanguage, Map<string, Bucket[]>>()
  const answers = entries.map((e) => answerKey(e.answer))
  const add = (i: number, lang: BaseLanguage, text: string, variant: number) => {
    const spaced = spacedForm(text, lang)
    const key = spaced.replace(/ /g, '')
    if (key === '') return
    let byKey = buckets.get(lang)
    if (!byKey) buckets.set(lang, (byKey = new Map()))
    let bucket = byKey.get(key)
    if (!bucket) {
      byKey.set(key, (bucket = { spaced, key, members: [] }))
      let bySkeleton = skeletons.get(lang)
      if (!bySkeleton) skeletons.set(lang, (bySkeleton = new Map()))
      const skeleton = skeletonOf(spaced, key, lang)
      const group = bySkeleton.get(skeleton)
      if (group) group.push(bucket)
      else bySkeleton.set(skeleton, [bucket])
    }
    if (bucket.members[bucket.members.length - 1]?.entry === i) return
    bucket.members.push({ entry: i, variant, text, answer: answers[i] })
  }
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    const lang = baseLanguage(entry.lang)
    add(i, lang, entry.question, -1)
    for (let v = 0; v < entry.variants.length; v++) add(i, lang, entry.variants[v], v)
  }

  const conflicts = new Map<number, Map<number, Match>>() // later entry → own variant → match
  const duplicates = new Map<number, Match>()
  // Prefer naming the other entry's question, then the earliest row.
  const rank = (x: Match) => (x.earlier.variant === -1 ? 1 : 0)
  const record = (earlier: Member, later: Member, others = 1) => {
    const match: Match = { earlier, later, others }
    if (earlier.answer === later.answer) {
      const old = duplicates.get(later.entry)
      if (!old || earlier.entry < old.earlier.entry) duplicates.set(later.entry, match)
      return
    }
    let mine = conflicts.get(later.entry)
    if (!mine) conflicts.set(later.entry, (mine = new Map()))
    const old = mine.get(later.variant)
    if (!old || rank(match) > rank(old) || (rank(match) === rank(old) && earlier.entry < old.earlier.entry)) {
      match.others = Math.max(others, old?.others ?? 0)
      mine.set(later.variant, match)
    }
  }

  // Equal keys: each member against the earliest earlier member with another answer (and, for a
  // question, the earliest earlier question with the same answer).
  const compareEqualKeys = (bucket: Bucket) => {
    let first: Member | undefined
    let second: Member | undefined
    const questionByAnswer = new Map<string, Member>()
    const perAnswer = new Map<string, number>()
    bucket.members.forEach((m, k) => {
      const conflict = first && first.answer !== m.answer ? first : second && second.answer !== m.answer ? second : undefined
      if (conflict) record(conflict, m, k - (perAnswer.get(m.answer) ?? 0))
      if (m.variant === -1) {
        const dup = questionByAnswer.get(m.answer)
        if (dup) record(dup, m)
        else questionByAnswer.set(m.answer, m)
      }
      perAnswer.set(m.answer, (perAnswer.get(m.answer) ?? 0) + 1)
      if (!first) first = m
      else if (!second && m.answer !== first.answer) second = m
    })
  }

  // Keys that differ by filler only: compared within a skeleton group, by bigram-set size, each
  // key with the few keys just smaller than it that Dice allows.
  const minRatio = NEAR_IDENTICAL_DICE / (2 - NEAR_IDENTICAL_DICE)
  const compareSkeletonGroup = (group: Bucket[], lang: BaseLanguage) => {
    for (const b of group) b.grams = bigrams(b.key)
    group.sort((x, y) => x.grams!.size - y.grams!.size)
    for (let k = 1; k < group.length; k++) {
      const y = group[k]
      for (let j = k - 1, n = 0; j >= 0 && n < COMPARISONS_PER_KEY; j--, n++) {
        const x = group[j]
        if (x.grams!.size < minRatio * y.grams!.size - 1e-9) break
        if (dice(x.grams!, y.grams!) < NEAR_IDENTICAL_DICE || !differsByFillerOnly(x, y, lang)) continue
        for (const [mine, other] of [[x, y], [y, x]]) {
          const heads = headsOf(other)
          for (const m of mine.members) {
            const conflict = earliestConflict(heads, m)
            if (conflict) record(conflict, m)
            const dup = m.variant === -1 ? heads.questionByAnswer.get(m.answer) : undefined
            if (dup && dup.entry < m.entry) record(dup, m)
          }
        }
      }
    }
  }

  for (const byKey of buckets.values()) for (const bucket of byKey.values()) if (bucket.members.length > 1) compareEqualKeys(bucket)
  for (const [lang, bySkeleton] of skeletons) for (const group of bySkeleton.values()) if (group.length > 1) compareSkeletonGroup(group, lang)

  const issues: ImportIssue[] = []
  const note = (a: Member, b: Member) => {
    const [ta, tb] = [entries[a.entry].lang, entries[b.entry].lang]
    return ta.toLowerCase() === tb.toLowerCase() ? '' : ` (${ta} and ${tb} are compared as one language, ${baseLanguage(ta)})`
  }
  const quoted = (m: Match) => `("${m.earlier.text}" / "${m.later.text}")`
  /** Equal after normalizeText (width, case, whitespace): "identical"; else "near-identical". */
  const how = (m: Match) => (normalizeText(m.earlier.text) === normalizeText(m.later.text) ? 'identical' : 'near-identical')
  for (const [later, mine] of conflicts) {
    const matches = [...mine.values()].sort((a, b) => a.later.variant - b.later.variant)
    const shown = matches.slice(0, MAX_WARNINGS_PER_ENTRY)
    shown.forEach((m, k) => {
      const bothQuestions = m.earlier.variant === -1 && m.later.variant === -1
      const own = m.later.variant === -1 ? '' : `variant #${m.later.variant + 1} is `
      const other = `${m.earlier.variant === -1 ? 'the question' : `variant #${m.earlier.variant + 1}`} of row ${rows[m.earlier.entry]}`
      const fix = bothQuestions ? 'merge the entries or make the questions distinct' : 'merge the entries, or remove or reword the variant'
      const more = m.others > 1 ? ` (${m.others - 1} more earlier row(s) have it too, with other answers)` : ''
      const rest = k === shown.length - 1 && matches.length > shown.length ? ` (and ${matches.length - shown.length} more variant(s) of this row)` : ''
      issues.push({
        row: rows[later],
        field: bothQuestions ? 'question' : 'variants',
        severity: 'warning',
        message:
          `${own}${how(m)} to ${other} ${quoted(m)} but the answers differ: ` +
          `customers asking it get one of two answers; ${fix}${more}${note(m.earlier, m.later)}${rest}`,
      })
    })
  }
  for (const [later, m] of duplicates) {
    if (m.earlier.variant !== -1 || m.later.variant !== -1 || conflicts.get(later)?.has(-1)) continue
    issues.push({
      row: rows[later],
      field: 'question',
      severity: 'warning',
      message:
        `duplicate entry: ${how(m)} to the question of row ${rows[m.earlier.entry]} ${quoted(m)} with the same answer; ` +
        `the two entries compete for the same questions: delete one or merge their variants into one entry${note(m.earlier, m.later)}`,
    })
  }
  return issues.sort((a, b) => a.row - b.row)
}
