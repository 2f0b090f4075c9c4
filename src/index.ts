/**
 * kotae (答え): answer customers from a multilingual FAQ with calibrated confidence.
 *
 * The core a bot backend needs, nothing else: build or load a knowledge base, ask it, and the
 * types of what comes back. Reading FAQ files is `kotae/ingest`, the hit log, reports and
 * suggestions are `kotae/ops`, benchmarks are `kotae/eval`. `api/kotae.api.md` lists every
 * export with its signature. See README.md for the tour.
 */
export {
  buildKnowledgeBase,
  loadKnowledgeBase,
  KnowledgeBase,
  CalibrateOptionsSchema,
  SuggestForOptionsSchema,
  DEFAULT_SUGGEST_FOR_OPTIONS,
  type SuggestForOptions,
  type BuildOptions,
  type CalibrateOptions,
  type ProgressListener,
} from './engine.js'
export { BuildOptionsSchema, DEFAULT_BUILD_OPTIONS } from './kb/build.js'
export type { Phrasings } from './kb/parts.js'
export { readManifest, KB_FORMAT_VERSION, LoadOptionsSchema, SaveOptionsSchema, type LoadOptions, type Manifest, type SaveOptions } from './kb/store.js'
export { DEFAULT_LOCK_OPTIONS } from './kb/lock.js'
export { BuildRecipeSchema, type BuildRecipe } from './kb/recipe.js'
export {
  createEmbedder,
  BuiltinEmbedder,
  EmbedderSpecSchema,
  DEFAULT_TRANSFORMERS_MODEL,
  type Embedder,
  type EmbedKind,
  type EmbedderSpec,
  type ResolvedEmbedderSpec,
  type TransformersSpec,
  type RecordedEmbedder,
  type ModelLocation,
  type BuiltinEmbedderOptions,
  type BuiltinEmbedderState,
  type TransformersEmbedderOptions,
} from './embed/index.js'
export { HnswParametersSchema, ClassifierOptionsSchema, DEFAULT_CLASSIFIER, type HnswParameters, type ClassifierOptions } from './retrieve/index.js'
export { normalizeText, detectLanguage, type HanLanguageStats } from './text/index.js'
export { countTokens, ContextOptionsSchema, DEFAULT_CONTEXT_OPTIONS, type ContextBlock, type ContextOptions } from './context/pack.js'
export type { Calibration, CalibrationSample, DecisionThresholds } from './decide/index.js'
export { Conversation, ConversationOptionsSchema, DEFAULT_CONVERSATION_OPTIONS, MemoryConversationStore, type ConversationOptions, type ConversationState, type ConversationStore, type ConversationEngine } from './conversation/index.js'
export { SkillsSchema, TEMPLATE_FILTERS, type Skill, type SkillInput, type Skills, type TemplateFilter } from './respond/index.js'
export { KotaeError, isKotaeError, ERROR_CATALOGUE, type KotaeErrorCode, type ErrorDetails, type SchemaProblem, type RowProblem } from './errors.js'
export {
  FaqEntrySchema,
  LabelledQuerySchema,
  AskOptionsSchema,
  CustomerSchema,
  TurnSchema,
  AskPlaceSchema,
  BASE_LANGUAGES,
  type FaqEntry,
  type FaqEntryInput,
  type LabelledQuery,
  type AskOptions,
  type ParsedAskOptions,
  type Customer,
  type Turn,
  type TurnReading,
  type ConversationTurn,
  type MissedThreshold,
  type SkillFailure,
  type AskPlace,
  type PlaceSuggestion,
  type AskLogger,
  type AskContext,
  type AskResult,
  type AskResultCommon,
  type AnswerResult,
  type ClarifyResult,
  type EscalateResult,
  type Candidate,
  type Handoff,
  type DecisionKind,
  type ReasonCode,
  type BaseLanguage,
} from './schema.js'
