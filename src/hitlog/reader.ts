/**
 * What the content-team operations read from a hit log, as an interface: reports, surges,
 * clusters, pruning and suggestions depend on these methods only, never on the SQLite class, so a
 * second store (PostgreSQL, say) implements exactly {@link HitLogReader} and
 * {@link SuggestionLedger} and nothing else. Every method returns an {@link Awaitable}: the
 * SQLite log answers at once, a database client with a Promise, and the operations await either.
 * Times are ms since epoch; ranges are [from, to). Each read writes the log's queue first, so what
 * was recorded is counted.
 */
import type { DecisionKind, ReasonCode } from '../schema.js'

/** One turn of the conversation before an event, as stored (redacted like the query). */
export interface LoggedTurn {
  /** `user`, `bot` or `agent`, as the caller gave it. */
  role: string
  /** The redacted text, cut to the log's `turns.maxChars` (null in `hash` mode). */
  text: string | null
  /** `hash` mode: the salted hash of the masked text (null otherwise). */
  textHash: string | null
  /** ISO time of the turn, when it was given. */
  at: string | null
  /** Characters of the turn left out (0 when it was stored whole). */
  cut: number
}

/** One decoded event. */
export interface HitEvent {
  id: string
  time: number
  /** The session id as stored: redacted like the query (a hash in `hash` mode). */
  sessionId: string | null
  channel: string | null
  /**
   * The page the question was asked from, as stored: without its query string and fragment,
   * then redacted like the query (one hash per path segment in `hash` mode). Null when none was given.
   */
  page: string | null
  /** The conversation before the question (the last `turns.max` turns), redacted like the query. */
  turns: LoggedTurn[]
  /** Turns of the conversation left out by the `turns.max` limit (or malformed); null when the ask passed no turns. */
  turnsOmitted: number | null
  lang: string
  query: string | null
  queryHash: string | null
  decision: DecisionKind
  /** Why: a reason this version does not know (written by a newer engine) is given as its stored text. */
  reason: ReasonCode
  confidence: number
  latencyMs: number
  answerId: string | null
  top: { id: string; score: number; confidence: number }[]
  options: string[]
}

/** Per-entry counters over a time range (see {@link HitLogReader.entryCounts}). */
export interface EntryCounts {
  /** Times the entry was the top candidate (any decision). */
  top: number
  answers: number
  offered: number
  picked: number
  resolved: number
  helpful: number
  notHelpful: number
  /** Last time (ms) the entry was answered, picked or used to resolve; null if never. */
  lastHit: number | null
}

/** A logged query that was escalated or answered with low confidence. */
export interface UnansweredRow {
  time: number
  query: string | null
  queryHash: string | null
  lang: string
  /** The channel the question was asked in (`web`, `line`…), as the caller gave it; null when none was given. */
  channel: string | null
  topId: string | null
  topConfidence: number
}

/** A query a user picked an option for, or a person resolved with an entry (raw material for suggestions). */
export interface ResolvedQuery {
  entryId: string
  query: string
  kind: 'picked' | 'resolved'
  time: number
}

/**
 * What people asked from one page over a time range: how many questions, how many the bot did not
 * answer, and the entries they went to (resolved with, picked, or answered), most first.
 */
export interface PageSummary {
  /** The page as stored (without query string and fragment, redacted like queries). */
  page: string
  questions: number
  /** Questions escalated or below the low-confidence threshold. */
  unanswered: number
  /** The top entries, with their number of questions. */
  entries: { entryId: string; count: number }[]
}

/** An editor's decision on a suggested variant. */
export type SuggestionStatus = 'accepted' | 'rejected'

/** A value, or a Promise of it: what a store's method may return (the SQLite log returns values, a database client Promises). */
export type Awaitable<T> = T | Promise<T>

/** One pick or resolution behind a suggestion: the query, the entry it went to, and the event's session. */
export interface SuggestionEvidence {
  entryId: string
  /** The query as stored (redacted). */
  query: string
  kind: 'picked' | 'resolved'
  /** When the feedback was given (ms). */
  time: number
  /** The event's id. */
  eventId: string
  /** The event's session as stored (redacted like queries); null when the ask gave none. */
  sessionId: string | null
}

/** An editor's decision on a suggestion, as stored. */
export interface SuggestionDecision {
  entryId: string
  /** The query as it was listed (redacted). */
  query: string
  status: SuggestionStatus
  /** When it was decided (ms). */
  time: number
  /** Why (a rejection's reason, redacted like comments); null when none was given. */
  reason: string | null
}

/** A logged question, for replaying it through another knowledge base. */
export interface LoggedQuery {
  eventId: string
  time: number
  /** The query as stored: redacted (masks such as `[phone]` stay in), null in `hash` mode. */
  query: string | null
  lang: string
  decision: DecisionKind
  answerId: string | null
}

/**
 * The analytics queries of a hit log: what reports, surges, clusters, pruning and the suggestion
 * listings read. Every method may answer synchronously or with a Promise ({@link Awaitable}).
 */
export interface HitLogReader {
  /** Where the log is (for messages such as "the hit log … has no events yet"): a file path, or a database URL without its password. */
  readonly path: string
  /** First and last event time and the number of events. */
  coverage(): Awaitable<{ first: number | null; last: number | null; events: number }>
  /** Event counts per time bucket and decision in [from, to). Bucket index = floor((t - from) / bucketMs). */
  timeline(from: number, to: number, bucketMs: number): Awaitable<{ bucket: number; decision: DecisionKind; count: number }[]>
  /** Per-entry counters over [from, to). */
  entryCounts(from: number, to: number): Awaitable<Map<string, EntryCounts>>
  /**
   * Per-entry counters over [from, to) for each channel the events were asked in (channels
   * sorted; events without a channel are left out): what the report's channel filter reads.
   */
  entryCountsByChannel(from: number, to: number): Awaitable<Map<string, Map<string, EntryCounts>>>
  /** Number of events per top candidate in [from, to) (the per-entry volume used for surge alerts). */
  topCounts(from: number, to: number): Awaitable<Map<string, number>>
  /** How often each pair of entries came back as the top two with a confidence margin ≤ `maxMargin`, in [from, to). */
  closePairs(from: number, to: number, maxMargin: number): Awaitable<{ a: string; b: string; count: number }[]>
  /** Events in [from, to) that were escalated or whose confidence was below `lowConfidence`. */
  unanswered(from: number, to: number, lowConfidence: number): Awaitable<UnansweredRow[]>
  /** Queries users picked or humans resolved in [from, to) (default: all time), with the entry they went to. */
  resolvedQueries(from?: number, to?: number): Awaitable<ResolvedQuery[]>
  /**
   * The same picks and resolutions with their events' ids and sessions, in [from, to) (default:
   * all time): where each suggestion came from, and in how many sessions (`listSuggestions`).
   */
  suggestionEvidence(from?: number, to?: number): Awaitable<SuggestionEvidence[]>
  /** Suggestions already accepted or rejected, keyed `entryId\u0000query`. */
  suggestionStatus(): Awaitable<Map<string, SuggestionStatus>>
  /** Every accepted or rejected suggestion with when and why, newest first (`listRejectedSuggestions`, `kotae suggest --rejected`). */
  suggestionDecisions(): Awaitable<SuggestionDecision[]>
  /** The newest `limit` events in [from, to), newest first, queries as stored (redacted): what `previewSuggestions` (`suggest --dry-run`) replays. */
  recentQueries(from: number, to: number, limit: number): Awaitable<LoggedQuery[]>
  /** The `pages` pages with the most questions in [from, to), each with its top `entries` entries; unanswered = escalated or confidence below `lowConfidence`. */
  pageSummaries(from: number, to: number, options: { pages: number; entries: number; lowConfidence: number }): Awaitable<PageSummary[]>
  /** Events per reason (`confident`, `skill-failed`…) in [from, to). */
  reasonCounts(from: number, to: number): Awaitable<Map<string, number>>
}

/** A hit log that also keeps editors' decisions on suggestions (what accepting and rejecting need). */
export interface SuggestionLedger extends HitLogReader {
  /**
   * Mark suggestions accepted or rejected so they are not offered again, with the editor's
   * `reason` when given (stored redacted like feedback comments); `at` defaults to now.
   */
  setSuggestionStatus(items: { entryId: string; query: string; reason?: string | null }[], status: SuggestionStatus, at?: number): Awaitable<void>
}
