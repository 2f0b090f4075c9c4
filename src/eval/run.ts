/**
 * `kotae eval`: score the engine on a benchmark set folder (FORMAT.md). Builds from the set's
 * `faq.jsonl`, calibrates on `calib.jsonl` when present, or on a seeded fraction of the queries
 * (`calibFraction`, those queries are then not scored), or else by self-calibration, asks every
 * scored query and computes the metrics, build time and ask latency.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { createError } from '../errors.js'
import { parseOptions, type LabelledQuery } from '../schema.js'
import { loadFaqEntries, readLabelledQueries } from '../ingest/index.js'
import { buildKnowledgeBase, type KnowledgeBase, type ProgressListener } from '../engine.js'
import type { Embedder } from '../embed/embedder.js'
import { mulberry32 } from '../random.js'
import { computeMetrics, type Metrics, type ScoredQuery } from './metrics.js'

/** Options of {@link evaluateSet}. */
export const EvaluateOptionsSchema = z.strictObject({
  /** The embedder to build with (default: the built-in one). */
  embedder: z.custom<Embedder>((value) => value !== null && typeof value === 'object' && typeof (value as Embedder).embed === 'function', { message: 'must be an Embedder (see createEmbedder)' }).optional(),
  /**
   * Calibrate on this seeded fraction of queries.jsonl (0 < f < 1) and score only the rest,
   * instead of on calib.jsonl or by self-calibration (default: not used).
   */
  calibFraction: z.number().gt(0, { message: 'must be between 0 and 1 (exclusive)' }).lt(1, { message: 'must be between 0 and 1 (exclusive)' }).optional(),
  /** Seed of the calibration split (default 1), so a split can be repeated. */
  seed: z.number().int().default(1),
  /** Ignore calib.jsonl and self-calibrate: what users get before labelling anything (default false). */
  selfCalibrateOnly: z.boolean().default(false),
  /** Wanted answer precision (default: the engine's, see `buildKnowledgeBase`). */
  targetPrecision: z.number().optional(),
  /** Called as the build and calibration progress (the CLI draws a bar with it). */
  onProgress: z.custom<ProgressListener>((value) => typeof value === 'function', { message: 'must be a function (stage, done, total)' }).optional(),
})
/** Options of {@link evaluateSet}, as a caller writes them. */
export type EvaluateOptions = z.input<typeof EvaluateOptionsSchema>
/** The evaluation options with every default applied. */
export const DEFAULT_EVALUATE_OPTIONS: Readonly<z.output<typeof EvaluateOptionsSchema>> = Object.freeze(EvaluateOptionsSchema.parse({}))

/** How the evaluated engine was calibrated. */
export type CalibrationUsed = 'calib.jsonl' | 'calib-fraction' | 'self'

/** The outcome of one evaluation. */
export interface EvaluationReport {
  set: string
  calibration: CalibrationUsed
  calibrationQueries: number
  metrics: Metrics
  entries: number
  phrasings: number
  buildMs: number
  calibrateMs: number
  askP50Ms: number
  askP99Ms: number
  answerThreshold: number
  /** Per-language top1 / counts, for multilingual sets. */
  byLanguage: Record<string, Metrics>
}

/** A percentile of a list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** Split queries into a seeded calibration part and a scored part. */
export function splitQueries(queries: LabelledQuery[], fraction: number, seed = 1): { calib: LabelledQuery[]; test: LabelledQuery[] } {
  const random = mulberry32(seed)
  const calib: LabelledQuery[] = []
  const test: LabelledQuery[] = []
  for (const q of queries) (random() < fraction ? calib : test).push(q)
  return { calib, test }
}

/** Ask every query and score it. */
export async function scoreQueries(kb: KnowledgeBase, queries: LabelledQuery[]): Promise<{ scored: ScoredQuery[]; latencies: number[] }> {
  const scored: ScoredQuery[] = []
  const latencies: number[] = []
  for (const q of queries) {
    // Rank and decide only: eval never runs skills (and never logs).
    const result = await kb.decideOnly(q.query)
    latencies.push(result.latencyMs)
    scored.push({
      expected: q.expected,
      ranked: result.candidates.map((c) => c.id),
      decision: result.decision,
      answerId: result.answer?.id,
      optionIds: result.options?.map((o) => o.id),
    })
  }
  return { scored, latencies }
}

/**
 * Evaluate the engine on a benchmark set folder. Throws `INVALID_OPTIONS` for bad options,
 * `NOT_A_BENCHMARK_SET` when the folder lacks faq.jsonl or queries.jsonl, and the import errors
 * of those files (`FAQ_INVALID`, `QUERIES_INVALID`...).
 */
export async function evaluateSet(dir: string, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const opts = parseOptions(EvaluateOptionsSchema, options, 'evaluateSet')
  const faqPath = join(dir, 'faq.jsonl')
  const queriesPath = join(dir, 'queries.jsonl')
  const missing = ['faq.jsonl', 'queries.jsonl'].filter((name) => !existsSync(join(dir, name)))
  if (missing.length > 0) throw createError('NOT_A_BENCHMARK_SET', { dir, missing })
  const entries = await loadFaqEntries(faqPath)
  let queries = await readLabelledQueries(queriesPath)
  let calib: LabelledQuery[] = []
  let calibration: CalibrationUsed = 'self'
  if (opts.calibFraction !== undefined) {
    const split = splitQueries(queries, opts.calibFraction, opts.seed)
    calib = split.calib
    queries = split.test
    calibration = 'calib-fraction'
  } else if (!opts.selfCalibrateOnly && existsSync(join(dir, 'calib.jsonl'))) {
    calib = await readLabelledQueries(join(dir, 'calib.jsonl'))
    calibration = 'calib.jsonl'
  }

  const buildStart = performance.now()
  const kb = await buildKnowledgeBase(entries, {
    embedder: opts.embedder,
    // Self-calibrate always: it holds variants out of the classifier's training, and its samples top up small labelled sets.
    selfCalibrate: true,
    targetPrecision: opts.targetPrecision,
    onProgress: opts.onProgress,
  })
  const buildMs = performance.now() - buildStart
  const calibrateStart = performance.now()
  if (calibration !== 'self') await kb.calibrate(calib, { targetPrecision: opts.targetPrecision })
  const calibrateMs = performance.now() - calibrateStart

  const { scored, latencies } = await scoreQueries(kb, queries)
  const byLanguage: Record<string, Metrics> = {}
  const languages = new Set(queries.map((q) => q.lang?.slice(0, 2)).filter((l): l is string => Boolean(l)))
  if (languages.size > 1) {
    for (const lang of languages) byLanguage[lang] = computeMetrics(scored.filter((_, i) => queries[i].lang?.slice(0, 2) === lang))
  }
  return {
    set: dir,
    calibration,
    calibrationQueries: calib.length,
    metrics: computeMetrics(scored),
    entries: kb.entries.length,
    phrasings: kb.phrasings.texts.length,
    buildMs,
    calibrateMs,
    askP50Ms: percentile(latencies, 50),
    askP99Ms: percentile(latencies, 99),
    answerThreshold: kb.thresholds.answerThreshold,
    byLanguage,
  }
}
