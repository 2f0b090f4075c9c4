/**
 * The engine: wires the stages together. `buildKnowledgeBase` turns FAQ entries into a
 * knowledge base (phrasings → embeddings → HNSW + BM25 + centroids → self-calibration);
 * `KnowledgeBase.ask` runs one question through retrieval, calibrated confidence and the
 * decision policy; `save` / `loadKnowledgeBase` move it to and from disk.
 */
import { KotaeError } from './errors.js'
import { AskOptionsSchema, baseLanguage, type AskLogger, LabelledQuerySchema, type AskOptions, type AskResult, type BaseLanguage, type Candidate, type FaqEntry, type FaqEntryInput, type LabelledQuery } from './schema.js'
import { validateEntries } from './ingest/validate.js'
import type { ImportLimitsInput } from './ingest/limits.js'
import { analyze, contentKey, detectLanguage, fieldTerms, hanStatistics, lexicalTerms, normalizeText, questionKey, sentences, type AnalyzedText, type HanLanguageStats } from './text/index.js'
import { BuiltinEmbedder } from './embed/builtin.js'
import type { Embedder } from './embed/embedder.js'
import { addToCentroid, centroidTables, hnswParametersFor, EntryClassifier, FieldIndex, LexicalIndex, Retriever, termCounts, VectorIndex, type ClassifierOptions, type EntryEvidence, type HnswParameters, type RetrieveOptions } from './retrieve/index.js'
import {
  candidateFeatures,
  coherentConfidences,
  confidenceCap,
  confidenceOf,
  decide,
  defaultCalibration,
  fitCalibration,
  thresholdsFrom,
  type Calibration,
  type CalibrationSample,
  type DecisionThresholds,
} from './decide/index.js'
import type { BuildRecipe } from './kb/recipe.js'
import { phrasingsOf, type KnowledgeBaseParts, type Phrasings } from './kb/parts.js'
import { readKnowledgeBase, writeKnowledgeBase, type LoadOptions, type SaveOptions } from './kb/store.js'
import { packContext, type ContextBlock, type ContextOptions } from './context/pack.js'
import { mulberry32 } from './random.js'

/** Largest share of phrasings self-calibration holds out of the classifier's training. */
const HELD_OUT_SHARE = 0.15
/** Most held-out phrasings self-calibration asks (plus 40% as many simulated out-of-scope questions). */
const SELF_CALIBRATION_SAMPLES = 600
/** With this many held-out variants, self-calibration needs no questions made from the entries. */
const ENOUGH_VARIANT_SAMPLES = 500
/** Entries whose question and one answer sentence self-calibration asks. */
const ENTRY_SAMPLES = 400
/** Answer sentences shorter than this (in characters) are not asked: too little to go on. */
const MIN_SENTENCE_CHARS = 8
/** Bases up to this many phrasings keep their analysed terms during the build. */
const TERMS_CACHE_LIMIT = 100_000
/** Labelled calibration sets smaller than this are topped up with self-calibration samples. */
const SMALL_LABELLED_SET = 300
/** Target answer precision when none is given. */
const DEFAULT_TARGET_PRECISION = 0.95
/** How many of the best candidates a calibration sample keeps (for fitting the clarify threshold). */
const SAMPLE_RANKING = 5
/** How many candidates `ask` returns and scores. */
const CANDIDATES = 10
/** Confidence of an FAQ's own question asked as written (see `isVerbatim`). */
const VERBATIM_CONFIDENCE = 0.99
/** Score taken off entries in another language than the question when the base has the question's language. */
const LANGUAGE_PENALTY = 0.05

/** Progress of a long build, for progress bars. */
export type ProgressListener = (stage: 'index' | 'calibrate', done: number, total: number) => void

/** Options of {@link buildKnowledgeBase}. */
export interface BuildOptions {
  /** The embedder; default: the built-in weight-free embedder. */
  embedder?: Embedder
  /** HNSW parameters (default: `hnswParametersFor(phrasings)`). */
  hnsw?: Partial<HnswParameters>
  /** Fit the confidence from the FAQ's own variants after building (default true). */
  selfCalibrate?: boolean
  /** Target answer precision of the self-calibration (default 0.95). */
  targetPrecision?: number
  /** Called as the build progresses. */
  onProgress?: ProgressListener
  /** Entry-classifier options; `false` never trains one. */
  classifier?: Partial<ClassifierOptions> | false
  /** Import limits the entries are checked against (default `DEFAULT_IMPORT_LIMITS`): raise them for entries imported with raised limits. */
  limits?: ImportLimitsInput
}

/** Options of {@link KnowledgeBase.calibrate}. */
export interface CalibrateOptions {
  /** Wanted share of correct answers among answers (default 0.95). */
  targetPrecision?: number
  onProgress?: ProgressListener
}

/** A searchable FAQ: ask it questions, calibrate it, save it. */
export class KnowledgeBase {
  readonly entries: FaqEntry[]
  readonly embedder: Embedder
  readonly phrasings: Phrasings
  /** The calibration in use (fitted by `calibrate` or self-calibration). */
  calibration: Calibration
  /** Threshold overrides set by the caller (see `setThresholds`). */
  private thresholdOverrides: Partial<DecisionThresholds> = {}
  private readonly retriever: Retriever
  private readonly languages: BaseLanguage[]
  private readonly languagesPresent: Set<BaseLanguage>
  private readonly hanStats: HanLanguageStats
  private readonly indexById: Map<string, number>
  /** Index of each entry's first phrasing (its question). */
  private readonly firstPhrasing: Int32Array
  /** Answer previews by entry, made the first time an entry is a candidate (sentence segmentation is not free). */
  private readonly previews: string[] = []
  /** Entries owning each phrasing's question key (see `questionKey`), for verbatim questions. */
  private readonly verbatimOwners: Map<string, Set<number>>
  private logger: AskLogger | null = null
  /** Samples of the last self-calibration (they top up small labelled sets; saved with the base). */
  private selfSamples: CalibrationSample[]
  /** How the base was built and calibrated (saved with the base, replayed by `rebuild`). */
  recipe: BuildRecipe

  constructor(readonly parts: KnowledgeBaseParts) {
    this.entries = parts.entries
    this.embedder = parts.embedder
    this.phrasings = parts.phrasings
    this.calibration = parts.calibration
    this.selfSamples = parts.selfSamples
    this.recipe = parts.recipe
    const { dimension } = parts.embedder
    const tables = centroidTables(parts.centroidSums, parts.phrasings.entryOf, parts.entries.length, dimension)
    const firstPhrasing = new Int32Array(parts.entries.length).fill(-1)
    parts.phrasings.entryOf.forEach((entry, p) => {
      if (firstPhrasing[entry] < 0) firstPhrasing[entry] = p
    })
    this.firstPhrasing = firstPhrasing
    this.retriever = new Retriever(parts.vectors, parts.lexical, tables, parts.fields, parts.classifier, firstPhrasing)
    this.languages = parts.entries.map((entry) => baseLanguage(entry.lang))
    this.languagesPresent = new Set(this.languages)
    this.hanStats = hanStatistics(parts.phrasings.texts.map((text, p) => ({ text, lang: this.languages[parts.phrasings.entryOf[p]] })))
    this.indexById = new Map(parts.entries.map((entry, i) => [entry.id, i]))
    this.verbatimOwners = new Map()
    parts.phrasings.texts.forEach((text, p) => {
      const key = questionKey(text, this.languages[parts.phrasings.entryOf[p]])
      let owners = this.verbatimOwners.get(key)
      if (!owners) this.verbatimOwners.set(key, (owners = new Set()))
      owners.add(parts.phrasings.entryOf[p])
    })
  }

  /** The entry with this id, if any. */
  entry(id: string): FaqEntry | undefined {
    const index = this.indexById.get(id)
    return index === undefined ? undefined : this.entries[index]
  }

  /** The thresholds `ask` uses now: the calibration's, with overrides applied. */
  get thresholds(): DecisionThresholds {
    return thresholdsFrom(this.calibration, this.thresholdOverrides)
  }

  /** Override decision thresholds (e.g. a stricter answer threshold for a sensitive channel). */
  setThresholds(overrides: Partial<DecisionThresholds>): void {
    this.thresholdOverrides = { ...overrides }
  }

  /** Attach a hit logger (or detach with null). Logging never fails an answer. */
  useLogger(logger: AskLogger | null): void {
    this.logger = logger
  }

  /** Ask a question: candidates with calibrated confidence and an answer/clarify/escalate decision. */
  async ask(query: string, options: AskOptions = {}): Promise<AskResult> {
    const started = performance.now()
    const parsed = AskOptionsSchema.safeParse(options)
    if (!parsed.success) {
      throw new KotaeError('INVALID_INPUT', `ask options: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`)
    }
    if (typeof query !== 'string') throw new KotaeError('INVALID_INPUT', 'ask: the question must be a string')
    const opts = parsed.data
    // Work per question is bounded: only the first maxQuestionLength characters are searched.
    const searched = query.length > opts.maxQuestionLength ? truncateCharacters(query, opts.maxQuestionLength) : query
    const result = await this.rank(searched, opts)
    if (searched !== query) ((result.query = query), (result.truncated = true))
    result.latencyMs = performance.now() - started
    if (this.logger) {
      try {
        result.eventId = this.logger.record(result, { sessionId: opts.sessionId, channel: opts.channel, transcript: opts.transcript })
      } catch {
        // A logger must report its own errors; it never fails an answer.
      }
    }
    return result
  }

  /**
   * Fit the confidence mapping and thresholds on labelled questions (FORMAT.md `calib.jsonl`
   * shape). When they hold few out-of-scope questions, simulated ones (each entry's phrasings
   * asked with that entry left out) are added, so the engine still learns what "nothing fits"
   * looks like. Returns the fitted calibration.
   */
  async calibrate(labelled: LabelledQuery[], options: CalibrateOptions = {}): Promise<Calibration> {
    const queries = labelled.map((q, i) => {
      const parsed = LabelledQuerySchema.safeParse(q)
      if (!parsed.success) throw new KotaeError('CALIBRATION_DATA', `calibration query ${i + 1}: ${parsed.error.issues.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`)
      if (parsed.data.expected !== null && !this.indexById.has(parsed.data.expected)) {
        throw new KotaeError('CALIBRATION_DATA', `calibration query ${i + 1}: expected entry "${parsed.data.expected}" is not in the knowledge base`)
      }
      return parsed.data
    })
    if (queries.length === 0) throw new KotaeError('CALIBRATION_DATA', 'calibrate: no labelled queries given')
    const samples: CalibrationSample[] = []
    for (const [i, q] of queries.entries()) {
      const sample = await this.sample(q.query, q.expected === null ? null : this.indexById.get(q.expected)!, {}, q.lang)
      if (sample) samples.push(sample)
      options.onProgress?.('calibrate', i + 1, queries.length)
    }
    // A small labelled set is topped up with the self-calibration samples (held-out variants and
    // simulated out-of-scope questions), so a few dozen labels cannot set the threshold alone.
    const labelledSamples = [...samples]
    const toppedUp = samples.length < SMALL_LABELLED_SET && this.selfSamples.length > 0
    if (toppedUp) samples.push(...this.selfSamples)
    const labelledOutOfScope = samples.filter((s) => s.outOfScope).length
    let simulated = 0
    if (labelledOutOfScope < samples.length * 0.1) {
      const wanted = Math.round(samples.length * 0.3) - labelledOutOfScope
      const extra = await this.simulatedOutOfScope(wanted)
      simulated = extra.length
      samples.push(...extra)
    }
    this.recipe = { ...this.recipe, labelled: { queries, targetPrecision: options.targetPrecision ?? DEFAULT_TARGET_PRECISION } }
    this.calibration = fitCalibration(samples, {
      targetPrecision: options.targetPrecision,
      source: 'labelled',
      simulatedOutOfScope: simulated,
      mustHoldOn: toppedUp ? labelledSamples : undefined,
    })
    return this.calibration
  }

  /**
   * Calibrate without labelled data, from questions made out of the FAQ itself:
   * - held-out variants: each sampled variant asked with itself held out (entries with several phrasings);
   * - held-out questions: an entry's question asked with the question held out of every index, so
   *   only the rest of the entry (variants, answer, category) can find it, as when a customer
   *   shares no wording with the FAQ;
   * - held-out answer sentences: one sentence of the answer asked with that sentence held out;
   * - simulated out-of-scope questions: an entry's question asked with the whole entry held out.
   */
  async selfCalibrate(options: CalibrateOptions & { maxInScope?: number; maxOutOfScope?: number; heldOut?: number[] } = {}): Promise<Calibration> {
    const random = mulberry32(0x6f6f73)
    const chosen = options.heldOut ?? selfCalibrationPhrasings(this.phrasings, options.maxInScope)
    const samples: CalibrationSample[] = []
    for (const [i, p] of chosen.entries()) {
      const sample = await this.heldOutPhrasingSample(p)
      if (sample) samples.push(sample)
      if (i % 100 === 0) options.onProgress?.('calibrate', i, chosen.length)
    }
    // Held-out variants are real wording; questions made from the entries fill in when there are too few.
    if (samples.length < ENOUGH_VARIANT_SAMPLES) samples.push(...(await this.entryMadeSamples(random)))
    const outOfScope = await this.simulatedOutOfScope(options.maxOutOfScope ?? Math.round(samples.length * 0.4), random)
    samples.push(...outOfScope)
    options.onProgress?.('calibrate', chosen.length, chosen.length)
    this.selfSamples = samples
    this.calibration = fitCalibration(samples, {
      targetPrecision: options.targetPrecision,
      source: 'self',
      simulatedOutOfScope: outOfScope.length,
    })
    return this.calibration
  }

  /** A phrasing asked with itself held out of every index (its words removed from the entry's field terms too). */
  private heldOutPhrasingSample(p: number): Promise<CalibrationSample | undefined> {
    const entry = this.phrasings.entryOf[p]
    const text = this.phrasings.texts[p]
    return this.sample(text, entry, { excludePhrasing: p, heldOut: { entry, phrasings: this.fieldTermCounts(text, entry) } }, this.entries[entry].lang)
  }

  /** Field-index term counts of a text in an entry's language (what holding it out removes). */
  private fieldTermCounts(text: string, entry: number): Map<string, number> {
    return termCounts(fieldTerms(analyze(normalizeText(text), this.languages[entry])))
  }

  /**
   * In-scope samples every FAQ has, variants or not: held-out questions (only when no classifier
   * was trained on them) and held-out answer sentences, for a seeded sample of entries.
   */
  private async entryMadeSamples(random: () => number): Promise<CalibrationSample[]> {
    const samples: CalibrationSample[] = []
    if (this.entries.length < 2) return samples
    const chosen = sampleWithout([...this.entries.keys()], ENTRY_SAMPLES, random)
    for (const entry of chosen) {
      const { lang } = this.entries[entry]
      const question = this.firstPhrasing[entry]
      if (question >= 0 && !this.parts.classifier) {
        const sample = await this.heldOutPhrasingSample(question)
        if (sample) samples.push(sample)
      }
      if (question >= 0) {
        const fragment = questionFragment(this.phrasings.texts[question], this.languages[entry], random)
        if (fragment) {
          const sample = await this.sample(fragment, entry, {}, lang)
          if (sample) samples.push(sample)
        }
      }
      const answerSentences = sentences(this.entries[entry].answer, this.languages[entry]).filter((s) => [...s].length >= MIN_SENTENCE_CHARS)
      if (answerSentences.length > 0) {
        const sentence = answerSentences[Math.floor(random() * answerSentences.length)]
        const sample = await this.sample(sentence, entry, { heldOut: { entry, content: this.fieldTermCounts(sentence, entry) } }, lang)
        if (sample) samples.push(sample)
      }
    }
    return samples
  }

  /** Pack the best entries into an LLM prompt block within a token budget (see `packContext`). */
  async context(query: string, options: ContextOptions): Promise<ContextBlock> {
    const result = await this.ask(query)
    return packContext(result, (id) => this.entry(id), options)
  }

  /** Write the knowledge base to a folder (atomic, fsynced and verified: a crash never leaves it unreadable; see `kb/store.ts`). */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    await writeKnowledgeBase({ ...this.parts, calibration: this.calibration, selfSamples: this.selfSamples, recipe: this.recipe }, dir, options)
  }

  /** The self-calibration samples (saved with the base, so a loaded base calibrates exactly like the one that was saved). */
  get calibrationSamples(): readonly CalibrationSample[] {
    return this.selfSamples
  }

  /**
   * Build a new base from `entries` the way this one was built: the same embedder kind and
   * options, HNSW and classifier options, target precision, and the same labelled calibration
   * (queries whose entry no longer exists are dropped from it), keeping the record of accepted
   * suggestions (plus `accepted`, the ones this rebuild adds). What `suggest --accept` uses.
   */
  async rebuild(entries: FaqEntryInput[], options: { onProgress?: ProgressListener; accepted?: BuildRecipe['accepted'] } = {}): Promise<KnowledgeBase> {
    const { recipe } = this
    // The built-in embedder learns its IDF table from the phrasings: a rebuild fits a fresh one.
    const embedder = this.embedder instanceof BuiltinEmbedder ? new BuiltinEmbedder({ dimension: this.embedder.dimension }) : this.embedder
    const kb = await buildKnowledgeBase(entries, {
      embedder,
      hnsw: recipe.hnsw,
      classifier: recipe.classifier,
      selfCalibrate: recipe.selfCalibrate,
      targetPrecision: recipe.targetPrecision,
      onProgress: options.onProgress,
    })
    if (recipe.labelled) {
      const kept = recipe.labelled.queries.filter((q) => q.expected === null || kb.entry(q.expected) !== undefined)
      if (kept.length > 0) await kb.calibrate(kept, { targetPrecision: recipe.labelled.targetPrecision, onProgress: options.onProgress })
    }
    const present = new Set(kb.entries.map((e) => e.id))
    kb.recipe = { ...kb.recipe, accepted: [...recipe.accepted, ...(options.accepted ?? [])].filter((a) => present.has(a.entryId)) }
    return kb
  }

  private async simulatedOutOfScope(wanted: number, random = mulberry32(0x6f6f74)): Promise<CalibrationSample[]> {
    const samples: CalibrationSample[] = []
    if (this.entries.length < 2 || wanted <= 0) return samples
    const phrasings = sampleWithout([...this.phrasings.texts.keys()], wanted, random)
    for (const p of phrasings) {
      const entry = this.phrasings.entryOf[p]
      const sample = await this.sample(this.phrasings.texts[p], null, { excludeEntry: entry }, this.entries[entry].lang)
      if (sample) samples.push({ ...sample, outOfScope: true })
    }
    return samples
  }

  private async sample(query: string, expected: number | null, restrict: RetrieveOptions, lang?: string): Promise<CalibrationSample | undefined> {
    const ranked = await this.rankEvidence(query, restrict, lang ? baseLanguage(lang) : undefined)
    if (!ranked || ranked.evidence.length === 0) return undefined
    const ranking = ranked.evidence.slice(0, SAMPLE_RANKING).map((evidence, i) => ({
      features: candidateFeatures(ranked.evidence, i, ranked.context),
      offerable: ranked.offerable(evidence.entry),
    }))
    return {
      features: ranking[0].features,
      correct: expected !== null && ranked.evidence[0].entry === expected,
      outOfScope: expected === null,
      ranking,
      expectedRank: expected === null ? -1 : ranking.findIndex((_, i) => ranked.evidence[i].entry === expected),
    }
  }

  /**
   * Whether the question is, up to punctuation, spacing, width, case and a polite ending (see
   * `questionKey`), a phrasing of the top
   * entry and of no other allowed entry, with no other entry close: an FAQ's own question asked
   * as written is that entry, whatever the calibration samples could show.
   */
  private isVerbatim(query: string, lang: BaseLanguage, ranked: EntryEvidence[], margin: number, allowEntry?: (entry: number) => boolean): boolean {
    const owners = this.verbatimOwners.get(questionKey(query, lang))
    if (!owners || ranked.length === 0) return false
    const allowed = [...owners].filter((entry) => !allowEntry || allowEntry(entry))
    if (allowed.length !== 1 || allowed[0] !== ranked[0].entry) return false
    return ranked.length < 2 || ranked[0].score - ranked[1].score > margin
  }

  private async rankEvidence(query: string, restrict: RetrieveOptions, language?: BaseLanguage, allowEntry?: (entry: number) => boolean) {
    const normalized = normalizeText(query)
    if (!contentKey(normalized)) return undefined
    const lang = language ?? detectLanguage(normalized, this.hanStats)
    const analyzed = analyze(normalized, lang)
    const terms = lexicalTerms(analyzed)
    const [vector] = await this.embedder.embed([query], 'query')
    const evidence = this.retriever.retrieve({ vector, terms, fieldTerms: fieldTerms(analyzed) }, { ...restrict, allowEntry })
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

  private async rank(query: string, opts: ReturnType<typeof AskOptionsSchema.parse>): Promise<AskResult> {
    const allowEntry = this.entryFilter(opts)
    const ranked = await this.rankEvidence(query, {}, opts.lang ? baseLanguage(opts.lang) : undefined, allowEntry)
    const transcript = opts.transcript ?? []
    if (!ranked) {
      const language = opts.lang ? baseLanguage(opts.lang) : detectLanguage(normalizeText(query), this.hanStats)
      return {
        decision: 'escalate', reason: 'empty-query', confidence: 0, query, language, candidates: [], latencyMs: 0,
        handoff: { query, language, reason: 'empty-query', candidates: [], transcript },
      }
    }
    const candidates: Candidate[] = ranked.evidence.map((evidence, i) => this.candidate(evidence, candidateFeatures(ranked.evidence, i, ranked.context)))
    const cap = confidenceCap(ranked.context.wordCount)
    for (const c of candidates) c.confidence = Math.min(cap, c.confidence)
    const thresholds = this.thresholds
    const exactMatch = this.isVerbatim(query, ranked.lang, ranked.evidence, thresholds.ambiguityMargin, allowEntry)
    if (exactMatch) candidates[0].confidence = Math.max(candidates[0].confidence, VERBATIM_CONFIDENCE)
    coherentConfidences(candidates.map((c) => c.confidence)).forEach((confidence, i) => (candidates[i].confidence = confidence))
    const ranking = candidates.map((c, i) => ({ score: c.score, confidence: c.confidence, offerable: ranked.offerable(ranked.evidence[i].entry) }))
    const uncalibrated = this.calibration.answerThreshold > 1 && this.thresholdOverrides.answerThreshold === undefined
    const verdict = decide(ranking, thresholds, { exactMatch, uncalibrated })
    const top = candidates[0]
    const common = { reason: verdict.reason, confidence: top?.confidence ?? 0, query, language: ranked.lang, candidates, latencyMs: 0 }
    if (verdict.decision === 'answer') return { ...common, decision: 'answer', answer: { id: top.id, text: this.entry(top.id)!.answer } }
    if (verdict.decision === 'clarify') return { ...common, decision: 'clarify', options: verdict.options.map((i) => candidates[i]) }
    return { ...common, decision: 'escalate', handoff: { query, language: ranked.lang, reason: verdict.reason, candidates: candidates.slice(0, 5), transcript } }
  }

  private candidate(evidence: EntryEvidence, features: number[]): Candidate {
    const entry = this.entries[evidence.entry]
    return {
      id: entry.id,
      lang: entry.lang,
      question: entry.question,
      matched: this.phrasings.texts[evidence.matchedPhrasing],
      answerPreview: (this.previews[evidence.entry] ??= answerPreview(entry.answer, this.languages[evidence.entry])),
      score: evidence.score,
      vectorScore: evidence.vectorScore,
      lexicalScore: evidence.lexicalScore,
      confidence: confidenceOf(this.calibration, features),
    }
  }

  private entryFilter(opts: { lang?: string; category?: string; metadata?: Record<string, string | number | boolean> }) {
    if (!opts.lang && !opts.category && !opts.metadata) return undefined
    const lang = opts.lang?.toLowerCase()
    return (index: number) => {
      const entry = this.entries[index]
      if (lang && !(entry.lang.toLowerCase() === lang || (lang.length === 2 && this.languages[index] === lang))) return false
      if (opts.category !== undefined && entry.category !== opts.category) return false
      if (opts.metadata) for (const [key, value] of Object.entries(opts.metadata)) if (entry.metadata[key] !== value) return false
      return true
    }
  }
}

/**
 * The phrasings self-calibration holds out and asks: a seeded sample (at most `max`, default
 * 600, at most 15%) of phrasings whose entry has at least one other phrasing. The entry classifier is
 * trained without them, so their answers are honest.
 */
export function selfCalibrationPhrasings(phrasings: Phrasings, max = Math.min(SELF_CALIBRATION_SAMPLES, Math.ceil(phrasings.texts.length * HELD_OUT_SHARE))): number[] {
  const counts = new Map<number, number>()
  for (const entry of phrasings.entryOf) counts.set(entry, (counts.get(entry) ?? 0) + 1)
  const candidates: number[] = []
  phrasings.entryOf.forEach((entry, p) => {
    if ((counts.get(entry) ?? 0) >= 2) candidates.push(p)
  })
  return sampleWithout(candidates, max, mulberry32(0x6b6f7461))
}

/**
 * Embed the phrasings in batches straight into the HNSW index and the entry centroids, so no
 * full copy of the vectors is ever held (at a million phrasings that copy alone is a gigabyte).
 */
async function indexVectors(embedder: Embedder, phrasings: Phrasings, entries: number, hnsw: HnswParameters, onProgress?: ProgressListener) {
  const { texts, entryOf } = phrasings
  const vectors = VectorIndex.create(embedder.dimension, texts.length, hnsw)
  const centroidSums = new Float32Array(entries * embedder.dimension)
  const batch = 256
  for (let start = 0; start < texts.length; start += batch) {
    const embedded = await embedder.embed(texts.slice(start, start + batch), 'passage')
    embedded.forEach((vector, i) => {
      vectors.add(vector, start + i)
      addToCentroid(centroidSums, entryOf[start + i], vector)
    })
    onProgress?.('index', Math.min(start + batch, texts.length), texts.length)
  }
  return { vectors, centroidSums }
}

/**
 * Build a knowledge base from FAQ entries (validated here: every problem is reported with the
 * entry's position, field and reason; duplicate ids are an error).
 */
export async function buildKnowledgeBase(input: FaqEntryInput[], options: BuildOptions = {}): Promise<KnowledgeBase> {
  if (!Array.isArray(input)) throw new KotaeError('INVALID_INPUT', 'buildKnowledgeBase: expected an array of FAQ entries')
  // The import's conflict warnings were already shown by whoever read the file; the build only needs the errors.
  const { entries, issues } = validateEntries(input, undefined, { questionConflicts: false, limits: options.limits })
  const errors = issues.filter((issue) => issue.severity === 'error')
  if (errors.length > 0) {
    const shown = errors.slice(0, 10).map((e) => `entry ${e.row}${e.field ? `, field ${e.field}` : ''}: ${e.message}`)
    throw new KotaeError('FAQ_INVALID', `${errors.length} problem(s) in the FAQ entries:\n  ${shown.join('\n  ')}${errors.length > 10 ? '\n  …' : ''}`, { issues: errors })
  }
  if (entries.length === 0) throw new KotaeError('EMPTY_FAQ', 'buildKnowledgeBase: the FAQ has no entries')

  const embedder = options.embedder ?? new BuiltinEmbedder()
  const phrasings = phrasingsOf(entries)
  embedder.fit?.(phrasings.texts)
  const { vectors, centroidSums } = await indexVectors(embedder, phrasings, entries.length, { ...hnswParametersFor(phrasings.texts.length), ...options.hnsw }, options.onProgress)
  const languages = entries.map((entry) => baseLanguage(entry.lang))
  // The lexical index, the field index and the classifier all read each phrasing's analysis:
  // analyse once for ordinary bases, and again on demand for huge ones (where holding them all
  // costs gigabytes).
  const small = phrasings.texts.length <= TERMS_CACHE_LIMIT
  const analyse = (p: number) => analyze(normalizeText(phrasings.texts[p]), languages[phrasings.entryOf[p]])
  const analysed: AnalyzedText[] = []
  const analysisOf = small ? (p: number) => (analysed[p] ??= analyse(p)) : analyse
  const cached: string[][] = []
  const termsOf = small ? (p: number) => (cached[p] ??= lexicalTerms(analysisOf(p))) : (p: number) => lexicalTerms(analysisOf(p))
  const lexical = LexicalIndex.build(phrasings.texts.length, termsOf)
  const fields = buildFieldIndex(entries, phrasings, (p) => fieldTerms(analysisOf(p)))
  analysed.length = 0
  const selfCalibrate = options.selfCalibrate !== false
  const heldOut = selfCalibrate ? selfCalibrationPhrasings(phrasings) : []
  const classifier = options.classifier === false ? undefined : EntryClassifier.train(termsOf, phrasings.entryOf, entries.length, options.classifier, new Set(heldOut))
  const kb = new KnowledgeBase({
    entries,
    phrasings,
    embedder,
    vectors,
    lexical,
    fields,
    centroidSums,
    classifier,
    calibration: defaultCalibration(options.targetPrecision),
    selfSamples: [],
    recipe: {
      embedder: embedder.id,
      hnsw: { ...options.hnsw },
      classifier: options.classifier === false ? false : { ...options.classifier },
      selfCalibrate,
      targetPrecision: options.targetPrecision ?? DEFAULT_TARGET_PRECISION,
      labelled: null,
      accepted: [],
    },
  })
  if (selfCalibrate) await kb.selfCalibrate({ targetPrecision: options.targetPrecision, onProgress: options.onProgress, heldOut })
  return kb
}

/**
 * The field index of the entries: their phrasings in one field (terms from `phrasingTerms`,
 * by phrasing), answer, category and tags in the other.
 */
export function buildFieldIndex(entries: FaqEntry[], phrasings: Phrasings, phrasingTerms: (phrasing: number) => string[]): FieldIndex {
  const phrasingsOf: number[][] = entries.map(() => [])
  phrasings.entryOf.forEach((entry, p) => phrasingsOf[entry].push(p))
  return FieldIndex.build(entries.length, (e) => {
    const entry = entries[e]
    const lang = baseLanguage(entry.lang)
    return {
      phrasings: phrasingsOf[e].flatMap(phrasingTerms),
      content: [entry.answer, entry.category ?? '', ...entry.tags].flatMap((text) => fieldTerms(analyze(normalizeText(text), lang))),
    }
  })
}

/** The first `max` characters (code points, so no surrogate pair is split) of a text. */
function truncateCharacters(text: string, max: number): string {
  let end = 0
  for (let count = 0; count < max && end < text.length; count++) end += text.codePointAt(end)! > 0xffff ? 2 : 1
  return text.slice(0, end)
}

/** Longest answer preview shown with a candidate. */
const PREVIEW_CHARS = 80

/** The first sentence of an answer, cut to {@link PREVIEW_CHARS} characters (with … when cut). */
function answerPreview(answer: string, lang: BaseLanguage): string {
  const first = [...(sentences(answer, lang)[0] ?? answer)]
  return first.length <= PREVIEW_CHARS ? first.join('') : first.slice(0, PREVIEW_CHARS - 1).join('') + '…'
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

function sampleWithout<T>(items: T[], count: number, random: () => number): T[] {
  const pool = [...items]
  const n = Math.min(count, pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
  }
  return pool.slice(0, n)
}

/**
 * Load a knowledge base saved by `kb.save`, verifying the manifest, what the files say against
 * it and every checksum (see `kb/store.ts`); the embedder the manifest records is created again
 * unless `options.embedder` is given.
 */
export async function loadKnowledgeBase(dir: string, options: LoadOptions = {}): Promise<KnowledgeBase> {
  return new KnowledgeBase(await readKnowledgeBase(dir, options))
}
