/**
 * kotae (答え): answer customers from a multilingual FAQ with calibrated confidence.
 * The public API, nothing else. See README.md for the tour.
 */
export { buildKnowledgeBase, loadKnowledgeBase, KnowledgeBase, type BuildOptions, type CalibrateOptions, type ProgressListener } from './engine.js'
export { readManifest, KB_FORMAT_VERSION, LoadOptionsSchema, SaveOptionsSchema, type LoadOptions, type Manifest, type SaveOptions } from './kb/store.js'
export { BuildRecipeSchema, type BuildRecipe } from './kb/recipe.js'
export { readFaq, parseFaq, loadFaq, validateEntries, formatImportReport, readLabelledQueries, DEFAULT_IMPORT_LIMITS, ImportLimitsSchema, type ImportIssue, type ImportResult, type ReadFaqOptions, type ImportLimits, type ImportLimitsInput } from './ingest/index.js'
export { createEmbedder, BuiltinEmbedder, EmbedderSpecSchema, type Embedder, type EmbedKind, type EmbedderSpec, type BuiltinEmbedderOptions, type TransformersEmbedderOptions } from './embed/index.js'
export { normalizeText, detectLanguage } from './text/index.js'
export { countTokens, type ContextBlock, type ContextOptions } from './context/pack.js'
export { evaluateSet, type EvaluateOptions, type EvaluationReport } from './eval/run.js'
export { computeMetrics, METRIC_NAMES, type Metrics, type MetricName, type ScoredQuery } from './eval/metrics.js'
export type { Calibration, CalibrationSample, DecisionThresholds } from './decide/index.js'
export { KotaeError, createError, isKotaeError, ERROR_CATALOGUE, type KotaeErrorCode, type ErrorDetails, type SchemaProblem, type RowProblem } from './errors.js'
export {
  openHitLog,
  HitLog,
  redactQuery,
  buildReport,
  renderReportHtml,
  prunedEntries,
  detectSurges,
  listSuggestions,
  acceptSuggestions,
  rejectSuggestions,
  SURGE_RULE,
  type Feedback,
  type HitLogOptions,
  type RedactionOptions,
  type ReportOptions,
  type OpsReport,
  type Suggestion,
  type DropReason,
  type HitLogErrorDetails,
} from './ops/index.js'
export {
  FaqEntrySchema,
  LabelledQuerySchema,
  AskOptionsSchema,
  type FaqEntry,
  type FaqEntryInput,
  type LabelledQuery,
  type AskOptions,
  type AskLogger,
  type AskContext,
  type AskResult,
  type Candidate,
  type Handoff,
  type DecisionKind,
  type ReasonCode,
  type BaseLanguage,
} from './schema.js'
