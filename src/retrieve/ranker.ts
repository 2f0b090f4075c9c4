/**
 * A question in, ranked evidence out: the retrieval stage's front door. It normalises the
 * question, detects its language (with the base's own Han statistics), analyses it once for
 * every index, embeds it, retrieves and fuses, prefers entries in the question's language, and
 * says which entries may be offered as options. It also knows the FAQ's own questions as written
 * (for `exact-match`) and turns evidence into the `Candidate`s a caller sees.
 */
import { baseLanguage, type BaseLanguage, type Candidate, type FaqEntry } from '../schema.js'
import type { Embedder } from '../embed/embedder.js'
import { analyze, contentKey, detectLanguage, fieldTerms, hanStatistics, indexTerms, normalizeText, questionKey, sentences, type HanLanguageStats } from '../text/index.js'
import type { EntryClassifier } from './classifier.js'
import type { FieldIndex } from './field-index.js'
import type { LexicalIndex } from './lexical-index.js'
import { centroidTables, Retriever, type EntryEvidence, type RetrieveOptions } from './retriever.js'
import type { VectorIndex } from './vector-index.js'

/** How many candidates a question gets. */
const CANDIDATES = 10
/** Score taken off entries in another language than the question when the base has the question's language. */
const LANGUAGE_PENALTY = 0.05
/** Longest answer preview shown with a candidate. */
const PREVIEW_CHARS = 80

/** What the ranker is built from: the entries, their phrasings and the indexes over them. */
export interface RankerParts {
  entries: FaqEntry[]
  phrasings: { texts: string[]; entryOf: Int32Array }
  embedder: Embedder
  vectors: VectorIndex
  lexical: LexicalIndex
  fields: FieldIndex
  centroidSums: Float32Array
  classifier?: EntryClassifier
}

/** A ranked question: its language, the best evidence, and what the features and options need. */
export interface RankedQuestion {
  lang: BaseLanguage
  /** The best entries, best first (at most 10). */
  evidence: EntryEvidence[]
  /** What the decision features need besides the evidence. */
  context: { languageMatches: (entry: number) => boolean; termCount: number; wordCount: number }
  /** Whether an entry may be offered as a clarify option (the question's language when the base has it). */
  offerable: (entry: number) => boolean
}

/** Which entries a question may be answered from (see `AskOptions`). */
export interface EntryScope {
  lang?: string
  category?: string
  metadata?: Record<string, string | number | boolean>
}

/** Ranks questions against one knowledge base's indexes. */
export class Ranker {
  /** Base language of each entry. */
  readonly languages: BaseLanguage[]
  /** Index of each entry's first phrasing (its question), -1 for none. */
  readonly firstPhrasing: Int32Array
  private readonly retriever: Retriever
  private readonly languagesPresent: Set<BaseLanguage>
  private readonly hanStats: HanLanguageStats
  /** Entries owning each phrasing's question key (see `questionKey`), for verbatim questions. */
  private readonly verbatimOwners = new Map<string, Set<number>>()
  /** Answer previews by entry, made the first time an entry is a candidate (sentence segmentation is not free). */
  private readonly previews: string[] = []

  constructor(private readonly parts: RankerParts) {
    const { entries, phrasings } = parts
    this.firstPhrasing = new Int32Array(entries.length).fill(-1)
    phrasings.entryOf.forEach((entry, p) => {
      if (this.firstPhrasing[entry] < 0) this.firstPhrasing[entry] = p
    })
    const tables = centroidTables(parts.centroidSums, phrasings.entryOf, entries.length, parts.embedder.dimension)
    this.retriever = new Retriever(parts.vectors, parts.lexical, tables, parts.fields, parts.classifier, this.firstPhrasing)
    this.languages = entries.map((entry) => baseLanguage(entry.lang))
    this.languagesPresent = new Set(this.languages)
    this.hanStats = hanStatistics(phrasings.texts.map((text, p) => ({ text, lang: this.languages[phrasings.entryOf[p]] })))
    phrasings.texts.forEach((text, p) => {
      const key = questionKey(text, this.languages[phrasings.entryOf[p]])
      let owners = this.verbatimOwners.get(key)
      if (!owners) this.verbatimOwners.set(key, (owners = new Set()))
      owners.add(phrasings.entryOf[p])
    })
  }

  /** The language of a question: the given one, or detected with this base's Han statistics. */
  languageOf(query: string, given?: string): BaseLanguage {
    return given ? baseLanguage(given) : detectLanguage(normalizeText(query), this.hanStats)
  }

  /** Rank a question; undefined when it has nothing to search for (empty, emoji, punctuation). */
  async rank(query: string, restrict: RetrieveOptions, language?: BaseLanguage, allowEntry?: (entry: number) => boolean): Promise<RankedQuestion | undefined> {
    const normalized = normalizeText(query)
    if (!contentKey(normalized)) return undefined
    const lang = language ?? detectLanguage(normalized, this.hanStats)
    const analyzed = analyze(normalized, lang)
    const { lexical: terms, classifier } = indexTerms(analyzed)
    const [vector] = await this.parts.embedder.embed([query], 'query')
    const evidence = this.retriever.retrieve({ vector, terms, fieldTerms: fieldTerms(analyzed), classifierTerms: classifier }, { ...restrict, allowEntry })
    const preferLanguage = this.languagesPresent.has(lang) && this.languagesPresent.size > 1
    if (preferLanguage) {
      for (const e of evidence) if (this.languages[e.entry] !== lang) e.score -= LANGUAGE_PENALTY
      evidence.sort((a, b) => b.score - a.score)
    }
    const context = { languageMatches: (entry: number) => this.languages[entry] === lang, termCount: terms.length, wordCount: analyzed.words.length }
    // Clarify options are in the question's language when the base has it.
    const sameLanguageOnly = this.languagesPresent.has(lang)
    const offerable = (entry: number) => !sameLanguageOnly || this.languages[entry] === lang
    return { lang, evidence: evidence.slice(0, CANDIDATES), context, offerable }
  }

  /**
   * Whether the question is, up to punctuation, spacing, width, case and a polite ending (see
   * `questionKey`), a phrasing of the top entry and of no other allowed entry, with no other
   * entry within `margin`: an FAQ's own question asked as written is that entry, whatever the
   * calibration samples could show.
   */
  isVerbatim(query: string, lang: BaseLanguage, ranked: EntryEvidence[], margin: number, allowEntry?: (entry: number) => boolean): boolean {
    const owners = this.verbatimOwners.get(questionKey(query, lang))
    if (!owners || ranked.length === 0) return false
    const allowed = [...owners].filter((entry) => !allowEntry || allowEntry(entry))
    if (allowed.length !== 1 || allowed[0] !== ranked[0].entry) return false
    return ranked.length < 2 || ranked[0].score - ranked[1].score > margin
  }

  /** The entries a scope allows (undefined: all); `lang` `zh` also allows `zh-TW`. */
  entryFilter(scope: EntryScope): ((entry: number) => boolean) | undefined {
    if (!scope.lang && !scope.category && !scope.metadata) return undefined
    const lang = scope.lang?.toLowerCase()
    return (index: number) => {
      const entry = this.parts.entries[index]
      if (lang && !(entry.lang.toLowerCase() === lang || (lang.length === 2 && this.languages[index] === lang))) return false
      if (scope.category !== undefined && entry.category !== scope.category) return false
      if (scope.metadata) for (const [key, value] of Object.entries(scope.metadata)) if (entry.metadata[key] !== value) return false
      return true
    }
  }

  /** The candidate a caller sees for one piece of evidence, with its calibrated confidence. */
  candidate(evidence: EntryEvidence, confidence: number): Candidate {
    const entry = this.parts.entries[evidence.entry]
    return {
      id: entry.id,
      lang: entry.lang,
      question: entry.question,
      matched: this.parts.phrasings.texts[evidence.matchedPhrasing],
      answerPreview: (this.previews[evidence.entry] ??= answerPreview(entry.answer, this.languages[evidence.entry])),
      score: evidence.score,
      vectorScore: evidence.vectorScore,
      lexicalScore: evidence.lexicalScore,
      confidence,
    }
  }
}

/** The first sentence of an answer, cut to {@link PREVIEW_CHARS} characters (with … when cut). */
function answerPreview(answer: string, lang: BaseLanguage): string {
  const first = [...(sentences(answer, lang)[0] ?? answer)]
  return first.length <= PREVIEW_CHARS ? first.join('') : first.slice(0, PREVIEW_CHARS - 1).join('') + '…'
}
