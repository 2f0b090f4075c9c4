/**
 * `kotae/ops`, what a content tool needs: reports (usage, stale entries, near-duplicates,
 * unanswered clusters, surge alerts, pages), the report page, the suggestion loop and prune plans, with the
 * hit log (`src/hitlog/`) and redaction (`src/privacy/`) they read. The statistics behind them
 * (surge tests, n-gram similarity) are the modules' own, not part of the package surface.
 */
export {
  type Feedback,
  type FeedbackReceipt,
  type HitLogOptions,
  type ResolvedHitLogOptions,
  type HitLogStats,
  type DropReason,
  type HitLogErrorDetails,
  type HitEvent,
  type EntryCounts,
  type UnansweredRow,
  type ResolvedQuery,
  type HitLogReader,
  type Awaitable,
  type SuggestionEvidence,
  type SuggestionDecision,
  type LoggedQuery,
  type LoggedTurn,
  type PageSummary,
  type TurnLimits,
  type PlaceCountsOptions,
  type PlaceQueryOptions,
  TurnLimitsSchema,
  PlaceCountsSchema,
  PlaceQueryOptionsSchema,
  type SuggestionLedger,
  type SuggestionStatus,
  FeedbackSchema,
  HitLogOptionsSchema,
  DEFAULT_HITLOG_OPTIONS,
  HitLog,
  openHitLog,
  resolveHitLogPath,
  HITLOG_SCHEMA_VERSION,
  DEFAULT_HITLOG_FILE,
} from '../hitlog/index.js'
export { type BuiltInRedaction, type RedactionOptions, type ResolvedRedactionOptions, type RedactionPattern, type RedactionMode, type RedactedQuery, type Redactor, RedactionOptionsSchema, DEFAULT_REDACTION_OPTIONS, DEFAULT_REDACTION_PATTERNS, redactQuery, containsPii } from '../privacy/redact.js'
export { type SurgeOptions, type SurgeRule, type SurgeResult, SurgeOptionsSchema, SurgeRuleSchema, DEFAULT_SURGE_RULE, detectSurges } from './surge.js'
export { type ClusterInput, type ClusterOptions, type QueryCluster, type EmbedFunction, ClusterOptionsSchema, DEFAULT_CLUSTER_OPTIONS, clusterQueries, similarPhrasings } from './cluster.js'
export { type ReportOptions, ReportOptionsSchema, DEFAULT_REPORT_OPTIONS, type OpsReport, type EntryReport, type GroupReport, type PageReport, type SurgeReport, buildReport, SURGE_RULE, renderReportHtml } from './report/index.js'
export { type Suggestion, type SuggestOptions, type AcceptOptions, type RejectOptions, SuggestOptionsSchema, AcceptOptionsSchema, RejectOptionsSchema, DEFAULT_SUGGEST_OPTIONS, type KnowledgeBaseFunctions, type OpsKnowledgeBase, listSuggestions, acceptSuggestions, rejectSuggestions, mergeAccepted, previewSuggestions, listRejectedSuggestions, PreviewOptionsSchema, type PreviewOptions, type SuggestionPreview, type ReplayOutcome, type ReplayChange, type OwnQuestionCheck, type RejectedSuggestion } from './suggest.js'
export { type PruneOptions, type PrunePlan, type PruneTopic, type PruneEntryUsage, type PruneCoverage, PruneOptionsSchema, DEFAULT_PRUNE_OPTIONS, planPrune } from './prune.js'
export { parseDuration } from './duration.js'
