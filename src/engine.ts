/**
 * The engine: wires the stages together. `buildKnowledgeBase` turns FAQ entries into a
 * knowledge base (phrasings → embeddings → HNSW + BM25 + centroids → self-calibration);
 * `KnowledgeBase.ask` runs one question through retrieval, calibrated confidence and the
 * decision policy; `save` / `loadKnowledgeBase` move it to and from disk.
 */
import { z } from 'zod'
import { createError } from './errors.js'
import {
  AskOptionsSchema,
  AskPlaceSchema,
  baseLanguage,
  LabelledQuerySchema,
  parseOptions,
  schemaProblems,
  type AskLogger,
  type AskOptions,
  type AskPlace,
  type AskResult,
  type Candidate,
  type FaqEntry,
  type FaqEntryInput,
  type LabelledQuery,
  type MissedThreshold,
  type ParsedAskOptions,
  type PlaceSuggestion,
  type ProgressListener,
} from './schema.js'
import { BuiltinEmbedder } from './embed/builtin.js'
import type { Embedder } from './embed/embedder.js'
import { Ranker, type RetrieveOptions } from './retrieve/index.js'
import {
  candidateFeatures,
  coherentConfidences,
  confidenceCap,
  confidenceOf,
  decide,
  fitCalibration,
  thresholdsFrom,
  type Calibration,
  type CalibrationSample,
  type DecisionThresholds,
} from './decide/index.js'
import { selfCalibrationPhrasings, selfCalibrationSamples, simulatedOutOfScope, type SampleSource } from './decide/self-calibration.js'
import type { BuildRecipe } from './kb/recipe.js'
import { BuildOptionsSchema, buildParts, type BuildOptions } from './kb/build.js'
import type { KnowledgeBaseParts, Phrasings } from './kb/parts.js'
import { LoadOptionsSchema, readKnowledgeBase, writeKnowledgeBase, type LoadOptions, type SaveOptions } from './kb/store.js'
import { packContext, type ContextBlock, type ContextOptions } from './context/pack.js'
import { identity, isTemplate, parseTemplate, Responder, type Skills } from './respond/index.js'
import { Conversation, MemoryConversationStore, type ConversationEngine, type ConversationOptions } from './conversation/index.js'

export type { BuildOptions } from './kb/build.js'
export type { ProgressListener } from './schema.js'

/** Labelled calibration sets smaller than this are topped up with self-calibration samples. */
const SMALL_LABELLED_SET = 300
/** How many of the best candidates a calibration sample keeps (for fitting the clarify and confirm thresholds). */
const SAMPLE_RANKING = 5
/** Confidence of an FAQ's own question asked as written (see `Ranker.isVerbatim`). */
const VERBATIM_CONFIDENCE = 0.99
/** Questions a page needs in the hit log before what people ask there orders a clarify's close options. */
const PAGE_PRIOR_SUPPORT = 10

/** Options of {@link KnowledgeBase.calibrate} and {@link KnowledgeBase.selfCalibrate}. */
export const CalibrateOptionsSchema = z.strictObject({
  /** Wanted share of correct answers among answers (0.95: at most 1 in 20 wrong). */
  targetPrecision: BuildOptionsSchema.shape.targetPrecision,
  /** Called as the calibration progresses. */
  onProgress: BuildOptionsSchema.shape.onProgress,
})
/** Options of {@link KnowledgeBase.calibrate}, as a caller writes them. */
export type CalibrateOptions = z.input<typeof CalibrateOptionsSchema>

/** Options of {@link KnowledgeBase.suggestFor}. */
export const SuggestForOptionsSchema = z.strictObject({
  /** Most entries returned. */
  limit: z.number().int().min(1).max(100).default(5),
  /** Fewest questions a place needs in the log before its own counts are used (otherwise the base's overall top entries stand in). */
  minSupport: z.number().int().min(1).max(1_000_000).default(20),
})
/** Options of {@link KnowledgeBase.suggestFor}, as a caller writes them. */
export type SuggestForOptions = z.input<typeof SuggestForOptionsSchema>
/** The default options of {@link KnowledgeBase.suggestFor}. */
export const DEFAULT_SUGGEST_FOR_OPTIONS = SuggestForOptionsSchema.parse({})

/** A searchable FAQ: ask it questions, calibrate it, save it. */
export class KnowledgeBase {
  readonly entries: FaqEntry[]
  readonly embedder: Embedder
  readonly phrasings: Phrasings
  /** The calibration in use (fitted by `calibrate` or self-calibration). */
  calibration: Calibration
  /** Threshold overrides set by the caller (see `setThresholds`). */
  private thresholdOverrides: Partial<DecisionThresholds> = {}
  private readonly ranker: Ranker
  private readonly indexById: Map<string, number>
  private logger: AskLogger | null = null
  /** Samples of the last self-calibration (they top up small labelled sets; saved with the base). */
  private selfSamples: CalibrationSample[]
  /** How the base was built and calibrated (saved with the base, replayed by `rebuild`). */
  recipe: BuildRecipe

  /** @internal The indexes and tables the engine asks with (what the store writes and reads). */
  readonly parts: KnowledgeBaseParts

  /** Renders answers: skills and templates (the stage after decide). */
  private readonly responder: Responder
  /** The skills registered at build or load (kept by `rebuild`). */
  private readonly skills: Skills
  /** Conversations kept in memory when the caller gives no store. */
  private readonly conversations = new MemoryConversationStore()

  /** @internal Made by {@link buildKnowledgeBase} and {@link loadKnowledgeBase}. */
  constructor(parts: KnowledgeBaseParts, skills: Skills = {}) {
    this.skills = skills
    this.responder = new Responder(skills)
    this.parts = parts
    this.entries = parts.entries
    this.embedder = parts.embedder
    this.phrasings = parts.phrasings
    this.calibration = parts.calibration
    this.selfSamples = parts.selfSamples
    this.recipe = parts.recipe
    this.ranker = new Ranker(parts)
    this.indexById = new Map(parts.entries.map((entry, i) => [entry.id, i]))
  }

  /** This base as self-calibration sees it: its content, and asking with parts held out. */
  private get sampleSource(): SampleSource {
    return {
      entries: this.entries,
      phrasings: this.phrasings,
      languages: this.ranker.languages,
      firstPhrasing: this.ranker.firstPhrasing,
      hasClassifier: this.parts.classifier !== undefined,
      sample: (query, expected, restrict, lang) => this.sample(query, expected, restrict, lang),
    }
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

  /**
   * Ask a question: candidates with calibrated confidence and an answer/clarify/escalate decision.
   * An answer whose entry names a skill runs it (with `skillTimeoutMs`); a template answer is
   * rendered from `customer`, `data` and the skill's result, or escalates (`missing-data`,
   * `skill-failed`) rather than send holes.
   */
  async ask(query: string, options: AskOptions = {}): Promise<AskResult> {
    const started = performance.now()
    const opts = parseOptions(AskOptionsSchema, options, 'ask')
    return this.settle(await this.consider(query, opts), opts, started)
  }

  /**
   * A conversation with one customer: `ask` each turn, `pick` an option of the last clarify,
   * `handoff()` for a person taking over (see `conversation/conversation.ts`). State is kept in
   * memory by session id unless `store` is given.
   */
  conversation(options: ConversationOptions = {}): Conversation {
    const kb = this
    const engine: ConversationEngine = {
      consider: (query, opts) => kb.consider(query, opts),
      settle: (result, opts, started) => kb.settle(result, opts, started),
      entry: (id) => kb.entry(id),
      get thresholds() {
        return kb.thresholds
      },
    }
    return new Conversation(engine, options, this.conversations)
  }

  /**
   * The entries people ask about most from a place (a page, a screen), before they ask: the
   * logger's counts for the place when it has at least `minSupport` questions there, otherwise
   * the base's overall top entries (`source: 'overall'`), and the base's first entries in the
   * place's language when there is no logger or it cannot count.
   */
  suggestFor(place: AskPlace, options: SuggestForOptions = {}): PlaceSuggestion[] {
    const where = parseOptions(AskPlaceSchema, place, 'suggestFor')
    const { limit, minSupport } = parseOptions(SuggestForOptionsSchema, options, 'suggestFor')
    const known = (s: PlaceSuggestion) => this.entry(s.entryId) !== undefined
    let suggestions: PlaceSuggestion[] = []
    try {
      suggestions = this.logger?.entriesAskedFrom?.(where, { limit, minSupport }) ?? []
      if (suggestions.length === 0 && where.page !== undefined) suggestions = this.logger?.entriesAskedFrom?.({ lang: where.lang, channel: where.channel }, { limit, minSupport: 1 }).map((s) => ({ ...s, source: 'overall' as const })) ?? []
    } catch {
      // A log that cannot answer leaves the fallback below.
    }
    suggestions = suggestions.filter(known)
    if (suggestions.length > 0) return suggestions.slice(0, limit)
    const allow = this.ranker.entryFilter({ lang: where.lang })
    return this.entries.filter((_, i) => !allow || allow(i)).slice(0, limit).map((entry) => ({ entryId: entry.id, count: 0, share: 0, source: 'overall' as const }))
  }

  /** Rank and decide, nothing more (no skill, no template rendering, no hit-log event): what eval scores and a conversation compares. */
  private async consider(query: string, opts: ParsedAskOptions): Promise<AskResult> {
    if (typeof query !== 'string') throw createError('INVALID_ARGUMENT', { where: 'ask', argument: 'the question', expected: 'a string', received: query === null ? 'null' : typeof query })
    // Work per question is bounded: only the first maxQuestionLength characters are searched.
    const searched = query.length > opts.maxQuestionLength ? truncateCharacters(query, opts.maxQuestionLength) : query
    const result = await this.rank(searched, opts)
    if (searched !== query) {
      result.query = query
      result.truncated = true
      if (result.decision === 'escalate') result.handoff.query = query
    }
    return result
  }

  /** @internal Rank and decide only, for eval: skills never run and nothing is logged. */
  async decideOnly(query: string, options: AskOptions = {}): Promise<AskResult> {
    const started = performance.now()
    const result = await this.consider(query, parseOptions(AskOptionsSchema, options, 'ask'))
    result.latencyMs = performance.now() - started
    return result
  }

  /** What follows a decision: an answer is rendered (skill, template), then the event is recorded. */
  private async settle(decided: AskResult, opts: ParsedAskOptions, started: number): Promise<AskResult> {
    let result = decided
    if (result.decision === 'answer') {
      const entry = this.entry(result.answer.id)
      if (entry && this.responder.needsResponding(entry)) result = await this.responder.respond(result, entry, opts)
    }
    result.latencyMs = performance.now() - started
    if (this.logger) {
      try {
        result.eventId = this.logger.record(result, { sessionId: opts.sessionId, channel: opts.channel, page: opts.page, turns: opts.transcript })
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
    const { targetPrecision, onProgress } = parseOptions(CalibrateOptionsSchema, options, 'calibrate')
    if (!Array.isArray(labelled)) throw createError('INVALID_ARGUMENT', { where: 'calibrate', argument: 'labelled', expected: 'an array of labelled queries ({ query, expected })', received: typeof labelled })
    const queries = labelled.map((q, i) => {
      const parsed = LabelledQuerySchema.safeParse(q)
      if (!parsed.success) throw createError('CALIBRATION_DATA', { query: i + 1, problem: schemaProblems(parsed.error.issues).map((p) => `${p.path || '(query)'}: ${p.message}`).join('; ') })
      if (parsed.data.expected !== null && !this.indexById.has(parsed.data.expected)) {
        throw createError('UNKNOWN_ENTRY', { entryId: parsed.data.expected, where: `calibration query ${i + 1} (expected)` })
      }
      return parsed.data
    })
    if (queries.length === 0) throw createError('CALIBRATION_DATA', { problem: 'no labelled queries given' })
    const samples: CalibrationSample[] = []
    for (const [i, q] of queries.entries()) {
      const sample = await this.sample(q.query, q.expected === null ? null : this.indexById.get(q.expected)!, {}, q.lang)
      if (sample) samples.push(sample)
      onProgress?.('calibrate', i + 1, queries.length)
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
      const extra = await simulatedOutOfScope(this.sampleSource, wanted)
      simulated = extra.length
      samples.push(...extra)
    }
    this.recipe = { ...this.recipe, labelled: { queries, targetPrecision } }
    this.calibration = fitCalibration(samples, {
      targetPrecision,
      source: 'labelled',
      simulatedOutOfScope: simulated,
      mustHoldOn: toppedUp ? labelledSamples : undefined,
    })
    return this.calibration
  }

  /**
   * Calibrate without labelled data, from questions made out of the FAQ itself, each asked with
   * what would give its answer away held out (see `decide/self-calibration.ts`).
   */
  async selfCalibrate(options: CalibrateOptions & { heldOut?: number[] } = {}): Promise<Calibration> {
    const { targetPrecision, onProgress } = parseOptions(CalibrateOptionsSchema, { targetPrecision: options.targetPrecision, onProgress: options.onProgress }, 'selfCalibrate')
    const heldOut = options.heldOut ?? selfCalibrationPhrasings(this.phrasings)
    const { samples, simulatedOutOfScope } = await selfCalibrationSamples(this.sampleSource, heldOut, onProgress && ((done, total) => onProgress('calibrate', done, total)))
    this.selfSamples = samples
    this.calibration = fitCalibration(samples, { targetPrecision, source: 'self', simulatedOutOfScope })
    return this.calibration
  }

  /** Pack the best entries into an LLM prompt block within a token budget (see `packContext`). */
  async context(query: string, options: ContextOptions): Promise<ContextBlock> {
    const result = await this.ask(query)
    // Template answers go to the prompt without holes: only the text before the first variable that has no data.
    const noData = parseOptions(AskOptionsSchema, {}, 'context')
    return packContext(result, (id) => {
      const entry = this.entry(id)
      return entry && this.responder.needsResponding(entry) ? { ...entry, answer: this.responder.withoutHoles(entry, noData) } : entry
    }, options)
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
      skills: this.skills,
    })
    if (recipe.labelled) {
      const kept = recipe.labelled.queries.filter((q) => q.expected === null || kb.entry(q.expected) !== undefined)
      if (kept.length > 0) await kb.calibrate(kept, { targetPrecision: recipe.labelled.targetPrecision, onProgress: options.onProgress })
    }
    const present = new Set(kb.entries.map((e) => e.id))
    kb.recipe = { ...kb.recipe, accepted: [...recipe.accepted, ...(options.accepted ?? [])].filter((a) => present.has(a.entryId)) }
    return kb
  }

  /**
   * The page as a prior where it cannot cost a wrong answer: among a clarify's options whose
   * scores are within the ambiguity margin of the first, the entry people ask about most from
   * the question's page (the hit log's counts, at least {@link PAGE_PRIOR_SUPPORT} questions
   * there) is offered first. The decision, the candidates and their confidences never change, so
   * precision cannot move; a log that cannot count leaves the order as it is.
   */
  private orderedByPage(options: Candidate[], margin: number, opts: ParsedAskOptions): Candidate[] {
    if (!opts.page || options.length < 2 || !this.logger?.entriesAskedFrom) return options
    let shares: Map<string, number>
    try {
      const asked = this.logger.entriesAskedFrom({ page: opts.page, lang: opts.lang, channel: opts.channel }, { limit: 50, minSupport: PAGE_PRIOR_SUPPORT })
      shares = new Map(asked.filter((s) => s.source === 'page').map((s) => [s.entryId, s.share]))
    } catch {
      return options
    }
    if (shares.size === 0) return options
    const top = options[0].score
    const close = options.filter((o) => top - o.score <= margin)
    const rest = options.filter((o) => top - o.score > margin)
    const share = (o: Candidate) => shares.get(o.id) ?? 0
    // Stable: equal shares keep the engine's order.
    return [...close.map((o, i) => ({ o, i })).sort((a, b) => share(b.o) - share(a.o) || a.i - b.i).map(({ o }) => o), ...rest]
  }

  private async sample(query: string, expected: number | null, restrict: RetrieveOptions, lang?: string): Promise<CalibrationSample | undefined> {
    const ranked = await this.ranker.rank(query, restrict, lang ? baseLanguage(lang) : undefined)
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

  private async rank(query: string, opts: ParsedAskOptions): Promise<AskResult> {
    const allowEntry = this.allowed(opts)
    const ranked = await this.ranker.rank(query, {}, opts.lang ? baseLanguage(opts.lang) : undefined, allowEntry)
    const transcript = opts.transcript ?? []
    const who = identity(opts)
    if (!ranked) {
      const lang = this.ranker.languageOf(query, opts.lang)
      return {
        decision: 'escalate', reason: 'empty-query', confidence: 0, query, lang, candidates: [], latencyMs: 0,
        handoff: { query, lang, reason: 'empty-query', candidates: [], transcript, ...who },
      }
    }
    const candidates: Candidate[] = ranked.evidence.map((evidence, i) => this.ranker.candidate(evidence, confidenceOf(this.calibration, candidateFeatures(ranked.evidence, i, ranked.context))))
    const cap = confidenceCap(ranked.context.wordCount)
    for (const c of candidates) c.confidence = Math.min(cap, c.confidence)
    const thresholds = this.thresholds
    const exactMatch = this.ranker.isVerbatim(query, ranked.lang, ranked.evidence, thresholds.ambiguityMargin, allowEntry)
    if (exactMatch) candidates[0].confidence = Math.max(candidates[0].confidence, VERBATIM_CONFIDENCE)
    coherentConfidences(candidates.map((c) => c.confidence)).forEach((confidence, i) => (candidates[i].confidence = confidence))
    // Template answers are previewed with the data at hand, never with a hole.
    this.responder.previews(candidates, (id) => this.entry(id), opts)
    const ranking = candidates.map((c, i) => ({ score: c.score, confidence: c.confidence, offerable: ranked.offerable(ranked.evidence[i].entry) }))
    const uncalibrated = this.calibration.answerThreshold > 1 && this.thresholdOverrides.answerThreshold === undefined
    const verdict = decide(ranking, thresholds, { exactMatch, uncalibrated })
    const top = candidates[0]
    const common = { reason: verdict.reason, confidence: top?.confidence ?? 0, query, lang: ranked.lang, candidates, latencyMs: 0 }
    if (verdict.decision === 'answer') return { ...common, decision: 'answer', answer: { id: top.id, text: this.entry(top.id)!.answer } }
    if (verdict.decision === 'clarify') return { ...common, decision: 'clarify', options: this.orderedByPage(verdict.options.map((i) => candidates[i]), thresholds.ambiguityMargin, opts) }
    const threshold: MissedThreshold | undefined = !top
      ? undefined
      : verdict.reason === 'out-of-scope'
        ? { name: 'outOfScopeScore', value: thresholds.outOfScopeScore, actual: top.score }
        : { name: 'answerThreshold', value: thresholds.answerThreshold, actual: top.confidence }
    return { ...common, decision: 'escalate', handoff: { query, lang: ranked.lang, reason: verdict.reason, ...(threshold ? { threshold } : {}), candidates: candidates.slice(0, 5), transcript, ...who } }
  }

  /** The entries an ask may answer from: its filters (lang, category, metadata) and its `entries` list. */
  private allowed(opts: ParsedAskOptions): ((entry: number) => boolean) | undefined {
    const scope = this.ranker.entryFilter(opts)
    if (!opts.entries) return scope
    const only = new Set(opts.entries.flatMap((id) => (this.indexById.has(id) ? [this.indexById.get(id)!] : [])))
    return (entry) => only.has(entry) && (!scope || scope(entry))
  }
}

/**
 * Build a knowledge base from FAQ entries (validated here: every problem is reported with the
 * entry's position, field and reason; duplicate ids are an error), then self-calibrate it unless
 * `selfCalibrate: false`.
 */
export async function buildKnowledgeBase(input: FaqEntryInput[], options: BuildOptions = {}): Promise<KnowledgeBase> {
  const opts = parseOptions(BuildOptionsSchema, options, 'buildKnowledgeBase')
  const { parts, heldOut } = await buildParts(input, opts)
  const templateProblems = parts.entries.flatMap((entry, i) => {
    if (!isTemplate(entry.answer)) return []
    try {
      parseTemplate(entry.answer)
      return []
    } catch (error) {
      return [{ row: i + 1, field: 'answer', message: `${(error as Error).message}` }]
    }
  })
  if (templateProblems.length > 0) throw createError('FAQ_INVALID', { source: 'buildKnowledgeBase', problems: templateProblems })
  const kb = new KnowledgeBase(parts, opts.skills)
  if (opts.selfCalibrate) await kb.selfCalibrate({ targetPrecision: opts.targetPrecision, onProgress: opts.onProgress, heldOut })
  return kb
}

/** The first `max` characters (code points, so no surrogate pair is split) of a text. */
function truncateCharacters(text: string, max: number): string {
  let end = 0
  for (let count = 0; count < max && end < text.length; count++) end += text.codePointAt(end)! > 0xffff ? 2 : 1
  return text.slice(0, end)
}

/**
 * Load a knowledge base saved by `kb.save`, verifying the manifest, what the files say against
 * it and every checksum (see `kb/store.ts`); the embedder the manifest records is created again
 * unless `options.embedder` is given.
 */
export async function loadKnowledgeBase(dir: string, options: LoadOptions = {}): Promise<KnowledgeBase> {
  return new KnowledgeBase(await readKnowledgeBase(dir, options), parseOptions(LoadOptionsSchema, options, 'loadKnowledgeBase').skills)
}
