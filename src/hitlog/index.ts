/**
 * The hit log: one row per `ask` (time, session, channel, page, language, redacted query,
 * decision, top entries with scores and confidence, latency), the conversation's last turns
 * before it (redacted, `context.ts` bounds them), plus the feedback given on it, in a versioned
 * SQLite file (WAL mode). This module is its public face: the {@link HitLog} facade that wires
 * the store (`store.ts`), the writer queue (`writer.ts`), the queries (`queries.ts`) and the
 * feedback (`feedback.ts`), and {@link openHitLog}. Reports and suggestions depend only on
 * {@link HitLogReader} and {@link SuggestionLedger} (`reader.ts`), which this class implements
 * with synchronous answers (a second store may answer with Promises).
 */
import { EventEmitter } from 'node:events'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { createError, KotaeError } from '../errors.js'
import { parseOptions, type AskContext, type AskLogger, type AskPlace, type AskResult, type DecisionKind, type PlaceSuggestion } from '../schema.js'
import { placeQuery, placeSuggestions } from './context.js'
import { checkFeedback, insertFeedback, storeSuggestionStatus, type Feedback, type FeedbackReceipt } from './feedback.js'
import { HitLogOptionsSchema, type HitLogOptions, type PlaceQueryOptions, type ResolvedHitLogOptions } from './options.js'
import * as queries from './queries.js'
import type { EntryCounts, HitEvent, HitLogReader, LoggedQuery, PageSummary, ResolvedQuery, SuggestionDecision, SuggestionEvidence, SuggestionLedger, SuggestionStatus, UnansweredRow } from './reader.js'
import { LogRedaction } from './redaction.js'
import { deliverLogError, HitLogStore, ID_SHIFT, type DropReason } from './store.js'
import { closeAtExit, EventWriter, forgetAtExit } from './writer.js'

export { FeedbackSchema, type Feedback, type FeedbackReceipt, type SuggestionDecisionInput } from './feedback.js'
export {
  HitLogOptionsSchema,
  DEFAULT_HITLOG_OPTIONS,
  TurnLimitsSchema,
  PlaceCountsSchema,
  PlaceQueryOptionsSchema,
  type HitLogOptions,
  type ResolvedHitLogOptions,
  type TurnLimits,
  type PlaceCountsOptions,
  type PlaceQueryOptions,
} from './options.js'
export type { Awaitable, EntryCounts, HitEvent, HitLogReader, LoggedQuery, LoggedTurn, PageSummary, ResolvedQuery, SuggestionDecision, SuggestionEvidence, SuggestionLedger, SuggestionStatus, UnansweredRow } from './reader.js'
export { HITLOG_SCHEMA_VERSION, migrateHitLog, type DropReason, type HitLogErrorDetails } from './store.js'

/** Counters describing the log's health, for monitoring. `recorded = written + dropped + queued`. */
export interface HitLogStats {
  /** Events accepted by `record`. */
  recorded: number
  /** Events written to the file now at `path` (events in a file that was deleted or replaced count as dropped). */
  written: number
  /** Events lost, all reasons (every loss is also reported through `onError`). */
  dropped: number
  /** Events lost, by reason. */
  drops: Record<DropReason, number>
  /** Events stored under another id than `record` returned, because theirs was taken in the file (the old id still works through this HitLog). */
  reassigned: number
  /** Failures reported. */
  errors: number
  /** Events waiting to be written. */
  queued: number
  /** Events recorded with a reason this version does not know (stored as text, counted by `reasonCounts` under it). */
  unknownReasons: number
  lastError?: string
}

/** Default file name of the hit log inside a knowledge-base folder. */
export const DEFAULT_HITLOG_FILE = 'hits.sqlite'

/**
 * The SQLite-backed hit log. Implements {@link AskLogger} for the engine, records feedback, and
 * answers the aggregate queries the reports need ({@link HitLogReader}). Use {@link openHitLog}
 * to create one.
 *
 * Writes: see `writer.ts` (a crash loses at most the last `flushIntervalMs`, 1 s by default).
 * Reads (`coverage`, `timeline`, `entryCounts`, …, used by reports, prune and suggest) write the
 * queue first and throw a `LOG_STORE` KotaeError when the store is unusable, e.g. a damaged file
 * (`SQLITE_CORRUPT`/`SQLITE_NOTADB`), with how to recover in the message.
 */
export class HitLog extends EventEmitter implements AskLogger, HitLogReader, SuggestionLedger {
  /** Path of the SQLite file. */
  readonly path: string
  private readonly opts: ResolvedHitLogOptions
  private readonly redaction: LogRedaction
  private readonly store: HitLogStore
  private readonly writer: EventWriter
  private errors = 0
  private lastError: string | undefined
  /** Recent answers of {@link entriesAskedFrom}, with when they were computed and how many events had been recorded then. */
  private readonly placeCache = new Map<string, { at: number; recorded: number; value: PlaceSuggestion[] }>()

  constructor(path: string, options: HitLogOptions = {}) {
    super()
    this.opts = parseOptions(HitLogOptionsSchema, options, 'openHitLog')
    this.path = path
    this.redaction = new LogRedaction(this.opts.redaction)
    let writer: EventWriter | undefined
    this.store = new HitLogStore(path, this.opts, {
      report: (e) => this.report(e),
      queued: () => writer?.queued ?? 0,
      keptNote: () => writer!.keptNote(),
      opened: (db: Database.Database) => {
        this.redaction.opened(db, path, writer?.queued ?? 0)
        writer!.claimOffset(db)
      },
      lost: (n) => writer!.lostWithFile(n),
    })
    this.writer = writer = new EventWriter(this.store, this.redaction, this.opts, (e) => this.report(e), () => this.flush())
    const ok = this.store.tryOpen(true, !this.opts.strict)
    if (!ok && this.opts.strict) {
      this.writer.abandon()
      throw this.store.openError!
    }
    closeAtExit(this)
  }

  /** Send a failure or loss to `onError`, else to 'error' listeners, else to a process warning. Never throws. */
  private report(err: KotaeError): void {
    this.errors++
    this.lastError = err.message
    deliverLogError(this, this.opts.onError, err)
  }

  /** Health counters (see {@link HitLogStats}). */
  stats(): HitLogStats {
    const c = this.writer.counters()
    return { recorded: c.recorded, written: c.written, dropped: c.dropped, reassigned: c.reassigned, errors: this.errors, drops: c.drops, queued: c.queued, unknownReasons: c.unknownReasons, ...(this.lastError === undefined ? {} : { lastError: this.lastError }) }
  }

  /** Whether the store is open and usable right now. */
  get healthy(): boolean {
    return this.store.db !== null
  }

  /**
   * Queue one `ask` result and return its event id at once. Never throws: a malformed result or
   * a closed log is reported through `onError` and `undefined` is returned (see `writer.ts`).
   */
  record(result: AskResult, context: AskContext = {}): string | undefined {
    return this.writer.record(result, context)
  }

  /**
   * Write all queued events now; true when the queue is empty afterwards. Never throws (failures
   * are reported). Every write goes through this method, the log's own timer and inline writes
   * included.
   */
  flush(): boolean {
    return this.writer.flush()
  }

  /** Write what is queued and close the file; events that still cannot be written are reported as lost. Further `record` calls are reported and ignored. */
  close(): void {
    if (this.writer.closed) return
    this.writer.close()
    forgetAtExit(this)
    this.store.closeDb()
  }

  /** The open database, or a `LOG_STORE` (`LOG_CLOSED`, `LOG_VERSION`) error a person can act on (for explicit API calls, which may throw). */
  private requireDb(): Database.Database {
    if (this.writer.closed) throw createError('LOG_CLOSED', { path: this.path, dropped: 0 })
    if (this.store.db && this.store.changed()) this.store.gone()
    if (!this.store.db && !this.store.tryOpen(false, false)) throw this.store.openError!
    return this.store.db!
  }

  /** Run a query on the store (queue written first); SQLite failures become `LOG_STORE` errors, and a damaged file is closed. */
  private read<T>(what: string, fn: (db: Database.Database) => T, flush = true): T {
    if (flush) this.flush()
    const db = this.requireDb()
    try {
      return fn(db)
    } catch (err) {
      if (err instanceof KotaeError) throw err
      throw this.store.failure(`cannot ${what}`, err)
    }
  }

  /** Read one event by id (flushes first); undefined when unknown. Ids returned by `record` work even when the event was stored under a new id. */
  getEvent(eventId: string): HitEvent | undefined {
    const id = Number(this.writer.storedId(eventId))
    return this.read('read an event', (db) => queries.readEvent(db, this.store.keys, id))
  }

  /**
   * Record feedback on an event: `helpful` / `not-helpful` (about the answer given), `picked`
   * (the option the user chose after `clarify`; must be one of the offered options) or
   * `resolved` (the entry a person used after an escalation). The comment is stored through the
   * log's redaction, like queries. Throws `INVALID_FEEDBACK` for malformed feedback or an option
   * that was not offered, `UNKNOWN_EVENT` for an unknown event id, `LOG_STORE` when the store is
   * unusable, `LOG_CLOSED` after `close()`.
   */
  feedback(eventId: string, feedback: Feedback, at: number = this.opts.now()): FeedbackReceipt {
    const checked = checkFeedback(eventId, feedback, () => this.getEvent(eventId), this.path)
    this.placeCache.clear()
    const feedbackId = this.read('store feedback', (db) => insertFeedback(db, this.store.keys, Number(checked.event.id), checked, checked.comment === null ? null : this.redaction.text(checked.comment), at), false)
    return { feedbackId, eventId, kind: checked.kind, entryId: checked.entryId }
  }

  /** First and last event time and the number of events (flushes first). */
  coverage(): { first: number | null; last: number | null; events: number } {
    return this.read('read the log coverage', (db) => queries.coverage(db))
  }

  /** Event counts per time bucket and decision in [from, to). Bucket index = floor((t - from) / bucketMs). */
  timeline(from: number, to: number, bucketMs: number): { bucket: number; decision: DecisionKind; count: number }[] {
    return this.read('read the timeline', (db) => queries.timeline(db, from, to, bucketMs))
  }

  /** Per-entry counters over [from, to): top candidate, answers, offered, picked, resolved, (not) helpful, last hit. */
  entryCounts(from: number, to: number): Map<string, EntryCounts> {
    return this.read('count hits per entry', (db) => queries.entryCounts(db, this.store.keys, from, to))
  }

  /** Per-entry counters over [from, to) for each channel (see {@link HitLogReader.entryCountsByChannel}). */
  entryCountsByChannel(from: number, to: number): Map<string, Map<string, EntryCounts>> {
    return this.read('count hits per entry and channel', (db) => new Map([...queries.channelCounts(db, from, to).keys()].map((channel) => [channel, queries.entryCounts(db, this.store.keys, from, to, channel)])))
  }

  /** Number of events per top candidate in [from, to) (the per-entry volume used for surge alerts). */
  topCounts(from: number, to: number): Map<string, number> {
    return this.read('count events per entry', (db) => queries.topCounts(db, this.store.keys, from, to))
  }

  /** How often each pair of entries came back as the top two with a confidence margin ≤ `maxMargin`, in [from, to). */
  closePairs(from: number, to: number, maxMargin: number): { a: string; b: string; count: number }[] {
    return this.read('read close pairs', (db) => queries.closePairs(db, this.store.keys, from, to, maxMargin))
  }

  /** Events in [from, to) that were escalated or whose confidence was below `lowConfidence`. */
  unanswered(from: number, to: number, lowConfidence: number): UnansweredRow[] {
    return this.read('read unanswered questions', (db) => queries.unanswered(db, this.store.keys, from, to, lowConfidence))
  }

  /** Queries users picked or humans resolved, with the entry they went to (raw material for suggestions). */
  resolvedQueries(from = 0, to = Number.MAX_SAFE_INTEGER / ID_SHIFT): ResolvedQuery[] {
    return this.read('read resolved questions', (db) => queries.resolvedQueries(db, this.store.keys, from, to))
  }

  /** Suggestions already accepted or rejected, keyed `entryId\u0000query`. */
  suggestionStatus(): Map<string, SuggestionStatus> {
    return this.read('read suggestion status', (db) => queries.suggestionStatus(db), false)
  }

  /** The busiest pages in [from, to), each with its top entries (see {@link HitLogReader.pageSummaries}). */
  pageSummaries(from: number, to: number, options: { pages: number; entries: number; lowConfidence: number }): PageSummary[] {
    return this.read('read questions per page', (db) =>
      queries.busiestPages(db, from, to, options.pages).map(({ page }) => {
        const c = queries.placeCounts(db, this.store.keys, { page: { page, family: false } }, from, to, { lowConfidence: options.lowConfidence })
        return { page, questions: c.questions, unanswered: c.unanswered, entries: c.entries.slice(0, options.entries) }
      }),
    )
  }

  /** Events per reason in [from, to) (see {@link HitLogReader.reasonCounts}). */
  reasonCounts(from: number, to: number): Map<string, number> {
    return this.read('count events per reason', (db) => queries.reasonCounts(db, from, to))
  }

  /**
   * The entries people asked about most from a place over the last `windowMs` (default: the
   * log's `places.windowMs`, 30 days): for `kb.suggestFor`, the FAQ to show on a page before the
   * customer asks. Implements {@link AskLogger.entriesAskedFrom}.
   *
   * The page is looked up the way it is stored (query string and fragment dropped, trailing slash
   * dropped, redacted like queries); a page written `/products/*` counts the whole family
   * (`/products` and every page under it). Each question counts for the entry a person resolved
   * it with, else the option the user picked, else the answer. Only the place's language (when
   * given) and channel (when given) count. An entry needs at least `minSupport` questions;
   * `share` is its part of the place's questions. When the place has fewer than `minSupport`
   * questions, or none of its entries reaches it, the log's overall top entries in that language
   * stand in, with `source: 'overall'` (the same support rule; empty for a young log).
   *
   * Bounded: at most `places.maxEvents` recent events are read per call (through the page index),
   * and an answer is reused for `places.cacheMs` unless this log has recorded events since. Throws
   * `INVALID_OPTIONS` for a malformed place or options; a store that cannot be read is reported
   * through `onError` and gives no suggestions (a page must render without them).
   */
  entriesAskedFrom(place: AskPlace, options: PlaceQueryOptions = {}): PlaceSuggestion[] {
    const query = placeQuery(place, options, this.opts.places.windowMs)
    const { lookup, lang, key } = query
    const recorded = this.writer.counters().recorded
    const hit = this.placeCache.get(key)
    if (hit && hit.recorded === recorded && performance.now() - hit.at < this.opts.places.cacheMs) return hit.value.map((s) => ({ ...s }))
    let value: PlaceSuggestion[]
    try {
      value = this.read('count questions per page', (db) => {
        const to = this.opts.now() + 1 // questions of this very millisecond count
        const from = to - query.windowMs
        const limits = { maxEvents: this.opts.places.maxEvents }
        if (lookup) {
          const page = { page: this.redaction.page(lookup.page), family: lookup.family }
          const onPage = placeSuggestions(queries.placeCounts(db, this.store.keys, { page, lang, channel: query.channel }, from, to, limits), query, 'page')
          if (onPage.length > 0) return onPage
        }
        return placeSuggestions(queries.placeCounts(db, this.store.keys, { lang }, from, to, limits), query, 'overall')
      })
    } catch (err) {
      this.report(err instanceof KotaeError ? err : this.store.failure('count questions per page', err))
      return []
    }
    if (this.opts.places.cacheMs > 0) {
      if (this.placeCache.size >= 1000) this.placeCache.clear()
      this.placeCache.set(key, { at: performance.now(), recorded, value })
    }
    return value.map((s) => ({ ...s }))
  }

  /**
   * Mark suggestions accepted or rejected so they are not offered again, with the editor's
   * `reason` when given (stored through the log's redaction, like feedback comments).
   */
  setSuggestionStatus(items: { entryId: string; query: string; reason?: string | null }[], status: SuggestionStatus, at: number = this.opts.now()): void {
    const redacted = items.map((it) => ({ ...it, reason: it.reason === undefined || it.reason === null || it.reason.trim() === '' ? null : this.redaction.text(it.reason.trim()) }))
    this.read('update suggestion status', (db) => storeSuggestionStatus(db, redacted, status, at), false)
  }

  /** Every accepted or rejected suggestion with when and why, newest first (what `kotae suggest --rejected` lists). */
  suggestionDecisions(): SuggestionDecision[] {
    return this.read('read suggestion decisions', (db) => queries.suggestionDecisions(db), false)
  }

  /** The picks and resolutions in [from, to) with their events' ids and sessions (flushes first): where each suggestion came from. */
  suggestionEvidence(from = 0, to = Number.MAX_SAFE_INTEGER / ID_SHIFT): SuggestionEvidence[] {
    return this.read('read resolved questions', (db) => queries.suggestionEvidence(db, this.store.keys, from, to))
  }

  /** The newest `limit` events in [from, to), newest first (flushes first): the questions `suggest --dry-run` replays, as stored (redacted). */
  recentQueries(from: number, to: number, limit: number): LoggedQuery[] {
    return this.read('read recent questions', (db) => queries.recentQueries(db, this.store.keys, from, to, limit))
  }
}

/** Resolve a hit log path: an existing folder (a knowledge base) means `<folder>/hits.sqlite`; anything else is the file itself. */
export function resolveHitLogPath(pathOrKbDir: string): string {
  try {
    if (statSync(pathOrKbDir).isDirectory()) return join(pathOrKbDir, DEFAULT_HITLOG_FILE)
  } catch {
    /* does not exist yet: a file path */
  }
  return pathOrKbDir
}

/**
 * Open (creating and migrating as needed) the hit log at a file, or `hits.sqlite` inside a
 * knowledge-base folder. By default a store that cannot be opened is reported and retried
 * later, so the bot keeps answering; pass `strict: true` to get the error instead (`LOG_STORE`,
 * or `LOG_VERSION` for a log written by a newer kotae). Throws `INVALID_OPTIONS` for bad options.
 */
export function openHitLog(pathOrKbDir: string, options: HitLogOptions = {}): HitLog {
  if (typeof pathOrKbDir !== 'string' || pathOrKbDir.trim() === '') {
    throw createError('INVALID_ARGUMENT', { where: 'openHitLog', argument: 'pathOrKbDir', expected: 'a file path or a knowledge-base folder', received: JSON.stringify(pathOrKbDir) ?? String(pathOrKbDir) })
  }
  return new HitLog(resolveHitLogPath(pathOrKbDir), options)
}
