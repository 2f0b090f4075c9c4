/**
 * The engine: wires the stages together. `buildKnowledgeBase` turns FAQ entries into a
 * knowledge base (phrasings → embeddings → HNSW + BM25 + centroids → self-calibration);
 * `KnowledgeBase.ask` runs one question through retrieval, calibrated confidence and the
 * decision policy; `save` / `loadKnowledgeBase` move it to and from disk.
 */
import { KotaeError } from './errors.js'
import { AskOptionsSchema, baseLanguage, LabelledQuerySchema, type AskOptions, type AskResult, type BaseLanguage, type Candidate, type FaqEntry, type FaqEntryInput, type LabelledQuery } from './schema.js'
import { validateEntries } from './ingest/validate.js'
import { analyze, detectLanguage, hanStatistics, lexicalTerms, normalizeText, type HanLanguageStats } from './text/index.js'
import { BuiltinEmbedder } from './embed/builtin.js'
import type { Embedder } from './embed/embedder.js'
import { addToCentroid, centroidTables, hnswParametersFor, EntryClassifier, LexicalIndex, Retriever, VectorIndex, type ClassifierOptions, type EntryEvidence, type HnswParameters, type RetrieveOptions } from './retrieve/index.js'
import {
  candidateFeatures,
  coherentConfidences,
  confidenceOf,
  decide,
  defaultCalibration,
  fitCalibration,
  thresholdsFrom,
  type Calibration,
  type CalibrationSample,
  type DecisionThresholds,
} from './decide/index.js'
import { packContext, type ContextBlock, type ContextOptions } from './context/pack.js'
import { mulberry32 } from './random.js'

/** Largest share of phrasings self-calibration holds out of the classifier's training. */
const HELD_OUT_SHARE = 0.15
/** Most held-out phrasings self-calibration asks (plus 40% as many simulated out-of-scope questions). */
const SELF_CALIBRATION_SAMPLES = 600
/** Bases up to this many phrasings keep their analysed terms during the build. */
const TERMS_CACHE_LIMIT = 100_000
/** Labelled calibration sets smaller than this are topped up with self-calibration samples. */
const SMALL_LABELLED_SET = 300
/** How many candidates `ask` returns and scores. */
const CANDIDATES = 10
/** Score taken off entries in another language than the question when the base has the question's language. */
const LANGUAGE_PENALTY = 0.05

/** Something that records each `ask` (the hit log implements it); it must never throw or block. */
export interface AskLogger {
  record(result: AskResult, context: { sessionId?: string; channel?: string; transcript?: string[] }): string | undefined
}

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
}

/** Options of {@link KnowledgeBase.calibrate}. */
export interface CalibrateOptions {
  /** Wanted share of correct answers among answers (default 0.95). */
  targetPrecision?: number
  onProgress?: ProgressListener
}

/** The phrasings of a knowledge base: every question and variant, with its entry. */
export interface Phrasings {
  texts: string[]
  entryOf: Int32Array
}

/** The parts a knowledge base is made of (what `save` writes and `load` reads). */
export interface KnowledgeBaseParts {
  entries: FaqEntry[]
  phrasings: Phrasings
  embedder: Embedder
  vectors: VectorIndex
  lexical: LexicalIndex
  centroidSums: Float32Array
  /** The entry classifier, when the FAQ has enough phrasings per entry to train one. */
  classifier?: EntryClassifier
  calibration: Calibration
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
  private logger: AskLogger | null = null
  /** Samples of the last self-calibration (kept in memory to top up small labelled sets). */
  private selfSamples: CalibrationSample[] = []

  constructor(readonly parts: KnowledgeBaseParts) {
    this.entries = parts.entries
    this.embedder = parts.embedder
    this.phrasings = parts.phrasings
    this.calibration = parts.calibration
    const { dimension } = parts.embedder
    const tables = centroidTables(parts.centroidSums, parts.phrasings.entryOf, parts.entries.length, dimension)
    const firstPhrasing = new Int32Array(parts.entries.length).fill(-1)
    parts.phrasings.entryOf.forEach((entry, p) => {
      if (firstPhrasing[entry] < 0) firstPhrasing[entry] = p
    })
    this.retriever = new Retriever(parts.vectors, parts.lexical, tables, parts.classifier, firstPhrasing)
    this.languages = parts.entries.map((entry) => baseLanguage(entry.lang))
    this.languagesPresent = new Set(this.languages)
    this.hanStats = hanStatistics(parts.phrasings.texts.map((text, p) => ({ text, lang: this.languages[parts.phrasings.entryOf[p]] })))
    this.indexById = new Map(parts.entries.map((entry, i) => [entry.id, i]))
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
    const result = await this.rank(query, opts)
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
    this.calibration = fitCalibration(samples, {
      targetPrecision: options.targetPrecision,
      source: 'labelled',
      simulatedOutOfScope: simulated,
      mustHoldOn: toppedUp ? labelledSamples : undefined,
    })
    return this.calibration
  }

  /**
   * Calibrate without labelled data: hold each sampled variant out and ask it (in-scope
   * examples), and ask sampled entries' phrasings with the whole entry held out (simulated
   * out-of-scope examples).
   */
  async selfCalibrate(options: CalibrateOptions & { maxInScope?: number; maxOutOfScope?: number; heldOut?: number[] } = {}): Promise<Calibration> {
    const random = mulberry32(0x6f6f73)
    const chosen = options.heldOut ?? selfCalibrationPhrasings(this.phrasings, options.maxInScope)
    const samples: CalibrationSample[] = []
    for (const [i, p] of chosen.entries()) {
      const entry = this.phrasings.entryOf[p]
      const sample = await this.sample(this.phrasings.texts[p], entry, { excludePhrasing: p }, this.entries[entry].lang)
      if (sample) samples.push(sample)
      if (i % 100 === 0) options.onProgress?.('calibrate', i, chosen.length)
    }
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

  /** Pack the best entries into an LLM prompt block within a token budget (see `packContext`). */
  async context(query: string, options: ContextOptions): Promise<ContextBlock> {
    const result = await this.ask(query)
    return packContext(result, (id) => this.entry(id), options)
  }

  /** Write the knowledge base to a folder (atomic: a crash never leaves it unreadable). */
  async save(dir: string): Promise<void> {
    const { saveKnowledgeBase } = await import('./kb/store.js')
    await saveKnowledgeBase(this, dir)
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
    const features = candidateFeatures(ranked.evidence, 0, ranked.context)
    return { features, correct: expected !== null && ranked.evidence[0].entry === expected, outOfScope: expected === null }
  }

  private async rankEvidence(query: string, restrict: RetrieveOptions, language?: BaseLanguage, allowEntry?: (entry: number) => boolean) {
    const normalized = normalizeText(query)
    if (!normalized) return undefined
    const lang = language ?? detectLanguage(normalized, this.hanStats)
    const terms = lexicalTerms(analyze(normalized, lang))
    const [vector] = await this.embedder.embed([query], 'query')
    const evidence = this.retriever.retrieve(vector, terms, { ...restrict, allowEntry })
    const preferLanguage = this.languagesPresent.has(lang) && this.languagesPresent.size > 1
    if (preferLanguage) {
      for (const e of evidence) if (this.languages[e.entry] !== lang) e.score -= LANGUAGE_PENALTY
      evidence.sort((a, b) => b.score - a.score)
    }
    const context = { languageMatches: (entry: number) => this.languages[entry] === lang, termCount: terms.length }
    return { lang, evidence: evidence.slice(0, CANDIDATES), context }
  }

  private async rank(query: string, opts: ReturnType<typeof AskOptionsSchema.parse>): Promise<AskResult> {
    const allowEntry = this.entryFilter(opts)
    const ranked = await this.rankEvidence(query, {}, opts.lang ? baseLanguage(opts.lang) : undefined, allowEntry)
    const transcript = opts.transcript ?? []
    if (!ranked) {
      const language = opts.lang ? baseLanguage(opts.lang) : 'en'
      return {
        decision: 'escalate', reason: 'empty-query', confidence: 0, query, language, candidates: [], latencyMs: 0,
        handoff: { query, language, reason: 'empty-query', candidates: [], transcript },
      }
    }
    const candidates: Candidate[] = ranked.evidence.map((evidence, i) => this.candidate(evidence, candidateFeatures(ranked.evidence, i, ranked.context)))
    coherentConfidences(candidates.map((c) => c.confidence)).forEach((confidence, i) => (candidates[i].confidence = confidence))
    const verdict = decide(candidates, this.thresholds)
    const top = candidates[0]
    const result: AskResult = {
      decision: verdict.decision,
      reason: verdict.reason,
      confidence: top?.confidence ?? 0,
      query,
      language: ranked.lang,
      candidates,
      latencyMs: 0,
    }
    if (verdict.decision === 'answer') result.answer = { id: top.id, text: this.entry(top.id)!.answer }
    if (verdict.decision === 'clarify') result.options = verdict.options.map((i) => candidates[i])
    if (verdict.decision === 'escalate') {
      result.handoff = { query, language: ranked.lang, reason: verdict.reason, candidates: candidates.slice(0, 5), transcript }
    }
    return result
  }

  private candidate(evidence: EntryEvidence, features: number[]): Candidate {
    const entry = this.entries[evidence.entry]
    return {
      id: entry.id,
      lang: entry.lang,
      question: entry.question,
      matched: this.phrasings.texts[evidence.matchedPhrasing],
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

/** Every distinct phrasing (question first, then variants) of each entry, normalised duplicates dropped. */
export function phrasingsOf(entries: FaqEntry[]): Phrasings {
  const texts: string[] = []
  const entryOf: number[] = []
  entries.forEach((entry, index) => {
    const seen = new Set<string>()
    for (const text of [entry.question, ...entry.variants]) {
      const key = normalizeText(text)
      if (!key || seen.has(key)) continue
      seen.add(key)
      texts.push(text)
      entryOf.push(index)
    }
  })
  return { texts, entryOf: Int32Array.from(entryOf) }
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
  const { entries, issues } = validateEntries(input)
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
  // The lexical index and the classifier both read each phrasing's terms: analyse once for
  // ordinary bases, and again on demand for huge ones (where holding them all costs gigabytes).
  const analyseTerms = (p: number) => lexicalTerms(analyze(normalizeText(phrasings.texts[p]), languages[phrasings.entryOf[p]]))
  const cached: string[][] = []
  const termsOf = phrasings.texts.length <= TERMS_CACHE_LIMIT ? (p: number) => (cached[p] ??= analyseTerms(p)) : analyseTerms
  const lexical = LexicalIndex.build(phrasings.texts.length, termsOf)
  const selfCalibrate = options.selfCalibrate !== false
  const heldOut = selfCalibrate ? selfCalibrationPhrasings(phrasings) : []
  const classifier = options.classifier === false ? undefined : EntryClassifier.train(termsOf, phrasings.entryOf, entries.length, options.classifier, new Set(heldOut))
  const kb = new KnowledgeBase({
    entries,
    phrasings,
    embedder,
    vectors,
    lexical,
    centroidSums,
    classifier,
    calibration: defaultCalibration(options.targetPrecision),
  })
  if (selfCalibrate) await kb.selfCalibrate({ targetPrecision: options.targetPrecision, onProgress: options.onProgress, heldOut })
  return kb
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
