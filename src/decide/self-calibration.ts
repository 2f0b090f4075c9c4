/**
 * Self-calibration: questions made out of the FAQ itself, each asked with what would give its
 * answer away held out, so that the confidence can be fitted without a single labelled question.
 * - held-out variants: a sampled variant asked with itself held out (entries with several phrasings);
 * - held-out questions: an entry's question asked with the question held out of every index, so
 *   only the rest of the entry (variants, answer, category) can find it, as when a customer
 *   shares no wording with the FAQ;
 * - question fragments: most of a question's words, as customers type them (not held out);
 * - held-out answer sentences: one sentence of the answer asked with that sentence held out;
 * - simulated out-of-scope questions: a phrasing asked with its whole entry held out.
 * The engine asks them (it owns retrieval); this stage decides what to ask.
 */
import { mulberry32 } from '../random.js'
import type { RetrieveOptions } from '../retrieve/index.js'
import type { BaseLanguage, FaqEntry } from '../schema.js'
import { analyze, fieldTerms, normalizeText, sentences } from '../text/index.js'
import { termCounts } from '../retrieve/index.js'
import type { CalibrationSample } from './calibration.js'

/** Largest share of phrasings self-calibration holds out of the classifier's training. */
const HELD_OUT_SHARE = 0.15
/** Most held-out phrasings self-calibration asks. */
const SELF_CALIBRATION_SAMPLES = 600
/** Out-of-scope questions simulated per in-scope sample. */
const OUT_OF_SCOPE_SHARE = 0.4
/** With this many held-out variants, self-calibration needs no questions made from the entries. */
const ENOUGH_VARIANT_SAMPLES = 500
/** Entries whose question and one answer sentence self-calibration asks. */
const ENTRY_SAMPLES = 400
/** Answer sentences shorter than this (in characters) are not asked: too little to go on. */
const MIN_SENTENCE_CHARS = 8

/** What self-calibration needs from a base: its content, and a way to ask a question with parts held out. */
export interface SampleSource {
  readonly entries: readonly FaqEntry[]
  readonly phrasings: { readonly texts: readonly string[]; readonly entryOf: Int32Array }
  /** Base language of each entry. */
  readonly languages: readonly BaseLanguage[]
  /** Index of each entry's first phrasing (its question), -1 for none. */
  readonly firstPhrasing: Int32Array
  /** Whether an entry classifier was trained (then the held-out questions are not asked: it saw them). */
  readonly hasClassifier: boolean
  /** Ask `query` with `restrict` applied; the sample records whether entry `expected` (null: out of scope) came first. */
  sample(query: string, expected: number | null, restrict: RetrieveOptions, lang: string): Promise<CalibrationSample | undefined>
}

/** Progress of a self-calibration: samples asked so far, of how many. */
export type SampleProgress = (done: number, total: number) => void

/**
 * The phrasings self-calibration holds out and asks: a seeded sample (at most `max`, default
 * 600, at most 15%) of phrasings whose entry has at least one other phrasing. The entry classifier is
 * trained without them, so their answers are honest.
 */
export function selfCalibrationPhrasings(phrasings: { readonly texts: readonly string[]; readonly entryOf: Int32Array }, max = Math.min(SELF_CALIBRATION_SAMPLES, Math.ceil(phrasings.texts.length * HELD_OUT_SHARE))): number[] {
  const counts = new Map<number, number>()
  for (const entry of phrasings.entryOf) counts.set(entry, (counts.get(entry) ?? 0) + 1)
  const candidates: number[] = []
  phrasings.entryOf.forEach((entry, p) => {
    if ((counts.get(entry) ?? 0) >= 2) candidates.push(p)
  })
  return sampleWithout(candidates, max, mulberry32(0x6b6f7461))
}

/**
 * Every self-calibration sample of a base: the held-out phrasings `heldOut` (see
 * {@link selfCalibrationPhrasings}), questions made from the entries when there are fewer than
 * 500 of those, and simulated out-of-scope questions (40% as many). Seeded: the same base gives
 * the same samples.
 */
export async function selfCalibrationSamples(source: SampleSource, heldOut: readonly number[], onProgress?: SampleProgress): Promise<{ samples: CalibrationSample[]; simulatedOutOfScope: number }> {
  const random = mulberry32(0x6f6f73)
  const samples: CalibrationSample[] = []
  for (const [i, p] of heldOut.entries()) {
    const sample = await heldOutPhrasingSample(source, p)
    if (sample) samples.push(sample)
    if (i % 100 === 0) onProgress?.(i, heldOut.length)
  }
  // Held-out variants are real wording; questions made from the entries fill in when there are too few.
  if (samples.length < ENOUGH_VARIANT_SAMPLES) samples.push(...(await entryMadeSamples(source, random)))
  const outOfScope = await simulatedOutOfScope(source, Math.round(samples.length * OUT_OF_SCOPE_SHARE), random)
  samples.push(...outOfScope)
  onProgress?.(heldOut.length, heldOut.length)
  return { samples, simulatedOutOfScope: outOfScope.length }
}

/** `wanted` out-of-scope questions: phrasings asked with their whole entry held out (seeded). */
export async function simulatedOutOfScope(source: SampleSource, wanted: number, random = mulberry32(0x6f6f74)): Promise<CalibrationSample[]> {
  const samples: CalibrationSample[] = []
  if (source.entries.length < 2 || wanted <= 0) return samples
  const phrasings = sampleWithout([...source.phrasings.texts.keys()], wanted, random)
  for (const p of phrasings) {
    const entry = source.phrasings.entryOf[p]
    const sample = await source.sample(source.phrasings.texts[p], null, { excludeEntry: entry }, source.entries[entry].lang)
    if (sample) samples.push({ ...sample, outOfScope: true })
  }
  return samples
}

/** A phrasing asked with itself held out of every index (its words removed from the entry's field terms too). */
function heldOutPhrasingSample(source: SampleSource, p: number): Promise<CalibrationSample | undefined> {
  const entry = source.phrasings.entryOf[p]
  const text = source.phrasings.texts[p]
  return source.sample(text, entry, { excludePhrasing: p, heldOut: { entry, phrasings: fieldTermCounts(source, text, entry) } }, source.entries[entry].lang)
}

/** Field-index term counts of a text in an entry's language (what holding it out removes). */
function fieldTermCounts(source: SampleSource, text: string, entry: number): Map<string, number> {
  return termCounts(fieldTerms(analyze(normalizeText(text), source.languages[entry])))
}

/**
 * In-scope samples every FAQ has, variants or not: held-out questions (only when no classifier
 * was trained on them), question fragments and held-out answer sentences, for a seeded sample of entries.
 */
async function entryMadeSamples(source: SampleSource, random: () => number): Promise<CalibrationSample[]> {
  const samples: CalibrationSample[] = []
  if (source.entries.length < 2) return samples
  const chosen = sampleWithout([...source.entries.keys()], ENTRY_SAMPLES, random)
  for (const entry of chosen) {
    const { lang, answer } = source.entries[entry]
    const language = source.languages[entry]
    const question = source.firstPhrasing[entry]
    if (question >= 0 && !source.hasClassifier) {
      const sample = await heldOutPhrasingSample(source, question)
      if (sample) samples.push(sample)
    }
    if (question >= 0) {
      const fragment = questionFragment(source.phrasings.texts[question], language, random)
      if (fragment) {
        const sample = await source.sample(fragment, entry, {}, lang)
        if (sample) samples.push(sample)
      }
    }
    const answerSentences = sentences(answer, language).filter((s) => [...s].length >= MIN_SENTENCE_CHARS)
    if (answerSentences.length > 0) {
      const sentence = answerSentences[Math.floor(random() * answerSentences.length)]
      const sample = await source.sample(sentence, entry, { heldOut: { entry, content: fieldTermCounts(source, sentence, entry) } }, lang)
      if (sample) samples.push(sample)
    }
  }
  return samples
}

/**
 * A fragment of a question, as customers type one: most of its words (each kept with
 * probability 0.6), in order, at least two and never all of them. One-word fragments are not
 * made: a single word matched in its own question says far less about real one-word questions
 * ("facts", "approved") than it would claim. Ja/zh words are joined without spaces.
 */
function questionFragment(question: string, lang: BaseLanguage, random: () => number): string | undefined {
  const words = analyze(normalizeText(question), lang).words
  if (words.length < 3) return undefined
  const kept = words.filter(() => random() < 0.6)
  if (kept.length < 2 || kept.length === words.length) return undefined
  return kept.join(lang === 'ja' || lang === 'zh' ? '' : ' ')
}

/** `count` items drawn without replacement (a seeded partial Fisher–Yates shuffle). */
function sampleWithout<T>(items: T[], count: number, random: () => number): T[] {
  const pool = [...items]
  const n = Math.min(count, pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
  }
  return pool.slice(0, n)
}
