/**
 * The CJK-aware analyser: turns a normalised text into the terms the lexical index counts and
 * the features the built-in embedder hashes. Latin text is split into words (lightly stemmed)
 * and word pairs; Japanese and Chinese get Intl.Segmenter words plus character uni/bigrams, so
 * that no dictionary is needed and segmentation mistakes cost little; Korean gets its
 * space-separated words plus syllable uni/bigrams, so that particles (배송이/배송은/배송을) do
 * not break matching.
 */
import type { BaseLanguage } from '../schema.js'
import { scriptOf, scriptRuns } from './script.js'

const segmenters = new Map<string, Intl.Segmenter>()

/** The cached `Intl.Segmenter` of a language and granularity (making one costs far more than using it). */
function segmenterFor(lang: BaseLanguage, granularity: 'word' | 'sentence'): Intl.Segmenter {
  const key = `${lang}:${granularity}`
  let segmenter = segmenters.get(key)
  if (!segmenter) segmenters.set(key, (segmenter = new Intl.Segmenter(lang, { granularity })))
  return segmenter
}

/** Text is segmented in pieces of at most this many UTF-16 units: Intl.Segmenter slows down more than linearly on long unbroken CJK runs (20k kana: 0.28 s). */
const SEGMENT_CHUNK = 256

/** Word segmentation with a cached `Intl.Segmenter` per language (long texts in chunks, see {@link SEGMENT_CHUNK}). */
export function segmentWords(text: string, lang: BaseLanguage): string[] {
  const segmenter = segmenterFor(lang, 'word')
  const words: string[] = []
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + SEGMENT_CHUNK)
    if (end < text.length && /[\uDC00-\uDFFF]/.test(text[end])) end++ // never split a surrogate pair
    for (const segment of segmenter.segment(text.slice(start, end))) if (segment.isWordLike) words.push(segment.segment)
    start = end
  }
  return words
}

/** Light English stemmer: folds the commonest inflections so "cards"/"card", "ordered"/"order" meet. */
export function stemEnglish(word: string): string {
  if (word.length <= 3) return word
  if (word.endsWith('ies') && word.length > 4) return word.slice(0, -3) + 'y'
  if (word.endsWith('ing') && word.length > 5) return dropFinalE(word.slice(0, -3))
  if (word.endsWith('ed') && word.length > 4) return dropFinalE(word.slice(0, -2))
  if (word.endsWith('es') && word.length > 4 && /(s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2)
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return dropFinalE(word.slice(0, -1))
  return dropFinalE(word)
}

function dropFinalE(word: string): string {
  return word.length > 4 && word.endsWith('e') ? word.slice(0, -1) : word
}

/** One character n-gram of a CJK run: how many characters, and which. */
export interface CjkGram {
  size: 1 | 2 | 3
  text: string
}

/**
 * What one text looks like to the retrieval stages: families of terms, each typed. The index
 * keys built from them (`lexicalTerms`, `fieldTerms`, `classifierTerms`) are this stage's own
 * encoding: no other stage reads a key's prefix.
 */
export interface AnalyzedText {
  /** Words in order (stemmed for Latin; Segmenter words for ja/zh; eojeol, and their stem, for ko). */
  words: string[]
  /** Character uni-, bi- and trigrams of CJK runs, in text order. */
  cjkGrams: CjkGram[]
  /** Character 3- and 4-grams of Latin words, with word-boundary marks. */
  latinGrams: string[]
}

/** Analyse a normalised text (see `normalizeText`) in the given language. */
export function analyze(text: string, lang: BaseLanguage): AnalyzedText {
  const words: string[] = []
  const cjkGrams: CjkGram[] = []
  const latinGrams: string[] = []
  let cjkRun = ''
  let hangul = false
  const flushCjk = () => {
    if (!cjkRun) return
    addCjk(cjkRun, hangul, lang, words, cjkGrams)
    cjkRun = ''
    hangul = false
  }
  for (const run of scriptRuns(text)) {
    if (run.script === 'han' || run.script === 'kana' || run.script === 'hangul') {
      cjkRun += run.text
      hangul ||= run.script === 'hangul'
      continue
    }
    flushCjk()
    if (run.script === 'latin' || run.script === 'digit') {
      const word = run.script === 'latin' ? stemEnglish(run.text) : run.text
      words.push(word)
      if (run.script === 'latin') addLatinGrams(run.text, latinGrams)
    } else if (run.script === 'space' || run.script === 'other') {
      // Apostrophes inside words ("don't") are punctuation here; fine for matching.
    }
  }
  flushCjk()
  return { words, cjkGrams, latinGrams }
}

/** Words and character grams of a run of Han, kana and Hangul (`hangul`: whether it holds any Hangul: then it is Korean words). */
function addCjk(run: string, hangul: boolean, lang: BaseLanguage, words: string[], grams: CjkGram[]): void {
  const chars = [...run]
  if (hangul) {
    words.push(run)
    const stem = koreanStem(run)
    if (stem !== run) words.push(stem)
  } else {
    for (const word of segmentWords(run, lang === 'zh' ? 'zh' : 'ja')) words.push(word)
  }
  for (let i = 0; i < chars.length; i++) {
    // A single kana is grammar (の, が, を), not content: only Han and Hangul stand alone.
    if (scriptOf(chars[i]) !== 'kana') grams.push({ size: 1, text: chars[i] })
    if (i + 1 < chars.length) grams.push({ size: 2, text: chars[i] + chars[i + 1] })
    if (i + 2 < chars.length) grams.push({ size: 3, text: chars[i] + chars[i + 1] + chars[i + 2] })
  }
}

/** Korean particles and common endings, longest first (a word ending in one also counts as its stem). */
const KOREAN_SUFFIXES = ['에서는', '에게서', '으로는', '이에요', '인가요', '한테서', '까지는', '에서', '에게', '한테', '으로', '부터', '까지', '이랑', '하고', '처럼', '보다', '인데', '은', '는', '이', '가', '을', '를', '에', '로', '의', '도', '만', '랑', '와', '과', '요']

/**
 * The stem of a Korean word without its particle or ending (배송이 → 배송, 환불은 → 환불), so that
 * words match whatever particle follows them; words of two syllables or less are kept whole.
 */
export function koreanStem(word: string): string {
  const chars = [...word]
  if (chars.length <= 2) return word
  for (const suffix of KOREAN_SUFFIXES) {
    if (word.endsWith(suffix) && chars.length - [...suffix].length >= 2) return word.slice(0, -suffix.length)
  }
  return word
}

function addLatinGrams(word: string, grams: string[]): void {
  const padded = '<' + word + '>'
  for (let n = 3; n <= 4; n++) {
    for (let i = 0; i + n <= padded.length; i++) grams.push(padded.slice(i, i + n))
  }
}

/**
 * Terms for the lexical (BM25) index and for the entry classifier, made together: the phrasing
 * index counts words, adjacent word pairs and CJK character uni/bigrams (Latin character
 * n-grams are left to the embedder, where they cost nothing); the classifier learns from the
 * same words and grams without the pairs (pairs double the cost of training and, measured on the
 * dev sets, add nothing the words do not). The classifier's list shares the lexical list's
 * strings, so a build holding both costs one set of strings.
 */
export function indexTerms(analyzed: AnalyzedText): { lexical: string[]; classifier: string[] } {
  const lexical: string[] = []
  const classifier: string[] = []
  const { words } = analyzed
  for (let i = 0; i < words.length; i++) {
    const word = 'w:' + words[i]
    lexical.push(word)
    classifier.push(word)
    if (i + 1 < words.length) lexical.push('b:' + words[i] + ' ' + words[i + 1])
  }
  for (const gram of analyzed.cjkGrams) {
    if (gram.size === 3) continue
    const term = `c${gram.size}:${gram.text}`
    lexical.push(term)
    classifier.push(term)
  }
  return { lexical, classifier }
}

/** Terms for the lexical (BM25) index (see {@link indexTerms}). */
export function lexicalTerms(analyzed: AnalyzedText): string[] {
  return indexTerms(analyzed).lexical
}

/** Terms for the entry classifier: words and CJK character uni/bigrams, no word pairs (see {@link indexTerms}). */
export function classifierTerms(analyzed: AnalyzedText): string[] {
  return indexTerms(analyzed).classifier
}

/** CJK uni- and bigram keys (trigrams are left to the embedder). */
function pushCjkTerms(grams: CjkGram[], terms: string[]): void {
  for (const gram of grams) if (gram.size < 3) terms.push(`c${gram.size}:${gram.text}`)
}

/**
 * Terms for the field index (BM25F over whole entries): words, CJK character uni/bigrams and
 * Latin character 3/4-grams. Word pairs are left out and character grams kept because answers
 * and customers' questions rarely share phrases but often share stems, misspelt words ("cancle",
 * "baggae") and compounds split differently (measured on the question-only dev sets: +10–15
 * points of top1 in English from the grams, +2–6 from dropping pairs).
 */
export function fieldTerms(analyzed: AnalyzedText): string[] {
  const terms: string[] = []
  for (const word of analyzed.words) terms.push('w:' + word)
  pushCjkTerms(analyzed.cjkGrams, terms)
  for (const gram of analyzed.latinGrams) terms.push('g:' + gram)
  return terms
}

/** Sentences of a text (Intl.Segmenter, so 。！？ and . ! ? all end one), trimmed, empty ones dropped. */
export function sentences(text: string, lang: BaseLanguage): string[] {
  const out: string[] = []
  for (const { segment } of segmenterFor(lang, 'sentence').segment(text)) {
    const trimmed = segment.trim()
    if (trimmed) out.push(trimmed)
  }
  return out
}
