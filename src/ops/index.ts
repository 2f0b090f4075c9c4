/**
 * Content operations: the hit log, the feedback loop, reports (usage, stale entries,
 * near-duplicates, unanswered clusters, surge alerts) and the report page.
 */
export {
  type Feedback,
  type HitLogOptions,
  type HitLogStats,
  type DropReason,
  type HitLogErrorDetails,
  type HitEvent,
  type EntryCounts,
  type UnansweredRow,
  FeedbackSchema,
  HitLog,
  openHitLog,
  resolveHitLogPath,
  migrateHitLog,
  HITLOG_SCHEMA_VERSION,
  DEFAULT_HITLOG_FILE,
} from './hitlog.js'
export { type RedactionOptions, type RedactionPattern, type RedactionMode, type RedactedQuery, type Redactor, DEFAULT_REDACTION_PATTERNS, redactQuery, createRedactor, containsMask, containsPii, generateSalt, redactionMasks } from '../privacy/redact.js'
export { type SurgeOptions, type SurgeResult, detectSurges, surgeTest, baselineWindows, binomialUpperTail, countWindow } from './surge.js'
export { type ClusterInput, type ClusterOptions, type QueryCluster, type EmbedFunction, clusterQueries, similarPhrasings } from './cluster.js'
export { type ReportOptions, type OpsReport, type EntryReport, type GroupReport, type SurgeReport, buildReport, prunedEntries, SURGE_RULE, renderReportHtml, escapeHtml } from './report/index.js'
export { type Suggestion, type SuggestOptions, type AcceptOptions, type KnowledgeBaseFunctions, type OpsKnowledgeBase, listSuggestions, acceptSuggestions, rejectSuggestions, suggestionId, engineFunctions } from './suggest.js'
export { parseDuration } from './duration.js'
export { ngramVector, cosine, comparableText } from '../text/similarity.js'
