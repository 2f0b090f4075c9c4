/**
 * The hit log in PostgreSQL, for several replicas sharing one log: the same events, feedback and
 * suggestion decisions as the SQLite log (`src/hitlog/`), behind the same interfaces
 * ({@link AskLogger} for the engine, {@link HitLogReader} and {@link SuggestionLedger} for the
 * content-team operations, which await its Promises).
 *
 * Writes. `record` redacts the event at once (the same `LogRedaction` and context bounds as the
 * SQLite writer; the `hash` mode's salt is the store's own, in `kotae_meta`, shared by every
 * replica), gives it an id made here (time-ordered and random, see `hitlog-rows.ts`), queues it
 * and returns. The queue is written by one batched INSERT per `batchSize` events, at least every
 * `flushIntervalMs`, at once when a batch is full; one batch is in flight at a time, and events
 * recorded meanwhile go in the next one.
 *
 * When the database is down, events stay queued and the batch is retried with backoff (up to
 * `retryMaxMs` between attempts): a restart of the server loses nothing that fits in the queue.
 * Beyond `maxQueue` events the oldest are dropped (not the newest: feedback comes seconds after
 * its answer, so the recent events are the ones people still act on, and the log resumes with
 * the present). Every loss is counted by reason and reported through `onError` (a `LOG_STORE`
 * error with `dropped` and `incident`); a failing store is reported once when it starts failing
 * (again after a write has succeeded), not at every retry. Nothing is written at process exit:
 * call {@link PostgresHitLog.close} on shutdown, or the queued events (about one flush interval's)
 * are lost with the process.
 *
 * `ask` does not yield to the event loop; the writes need it (network I/O), so a caller that
 * never yields (a tight loop of awaited asks) fills the queue up to `maxQueue`. A server yields
 * between requests.
 */
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { z } from 'zod'
import { createError, KotaeError } from '../errors.js'
import { placeQuery, placeSuggestions, type PlaceQuery } from '../hitlog/context.js'
import { checkFeedback, FeedbackSchema, type Feedback, type FeedbackReceipt } from '../hitlog/feedback.js'
import type { HitLogStats } from '../hitlog/index.js'
import { HitLogOptionsSchema, type PlaceQueryOptions } from '../hitlog/options.js'
import type { EntryCounts, HitEvent, HitLogReader, LoggedQuery, PageSummary, ResolvedQuery, SuggestionDecision, SuggestionEvidence, SuggestionLedger, SuggestionStatus, UnansweredRow } from '../hitlog/reader.js'
import { LogRedaction } from '../hitlog/redaction.js'
import { causeText, deliverLogError, ID_SHIFT, logStoreError, MAX_TIME, META_SALT, queueFullError, type DropReason } from '../hitlog/store.js'
import { generateSalt } from '../privacy/redact.js'
import { parseOptions, type AskContext, type AskLogger, type AskPlace, type AskResult, type DecisionKind, type PlaceSuggestion } from '../schema.js'
import { openPostgres, PostgresOptionsSchema, storeError, type PostgresDatabase } from './connect.js'
import * as queries from './hitlog-queries.js'
import { eventIdTime, eventRow, insertEvents, newEventId, type EventRow } from './hitlog-rows.js'
import { storable } from './text.js'

const log = HitLogOptionsSchema.shape

/** Feedback on an event this recent that is not in the store yet is refused as `STORE_UNAVAILABLE` (try again), not `UNKNOWN_EVENT`. */
const RECENT_EVENT_MS = 120_000

/**
 * Options of {@link openPostgresHitLog}: the hit log's options that apply to a shared store, the
 * pool's ({@link PostgresOptionsSchema}), and the replica's name. Unknown options are refused
 * (the SQLite log's `retryForMs`, `busyTimeoutMs`, `quickCheck` and `strict` have no meaning here).
 */
export const PostgresHitLogOptionsSchema = z.strictObject({
  /** How queries, pages, turns, session ids, comments and rejection reasons are stored (default: masked); `hash` without a salt uses the store's own salt (`kotae_meta`, made once, shared by every replica). */
  redaction: log.redaction,
  /** How many turns of a conversation each event keeps, and how long each. */
  turns: log.turns,
  /** How {@link PostgresHitLog.entriesAskedFrom} counts a place (window, events read, how long an answer is reused before it is refreshed). */
  places: log.places,
  /** Most events per INSERT; a full batch is written at once. */
  batchSize: log.batchSize,
  /** Write queued events at least this often, ms (what a crash loses); 0 writes each event as soon as the event loop runs. */
  flushIntervalMs: log.flushIntervalMs,
  /** Most events kept in memory while the store is failing; beyond it the oldest are dropped and reported (`queue-full`). */
  maxQueue: log.maxQueue,
  /** Longest wait between two attempts to write while the store is failing, ms (the wait doubles from the flush interval, at least 100 ms). */
  retryMaxMs: z.number().int().positive().default(5_000),
  /**
   * `feedback` on an event this store does not have yet, whose id says it was recorded less than
   * this long ago (ms), looks again until then: another replica may still have it queued. 0: never waits.
   */
  feedbackWaitMs: z.number().int().nonnegative().max(60_000).default(3_000),
  /** Name of this process, stored on each event (`replica` column); default `<hostname>-<pid>`. */
  replica: z.string().trim().min(1).max(200).default(() => `${hostname()}-${process.pid}`),
  /** Called with every store failure and every loss: a `LOG_STORE` KotaeError (details: `HitLogErrorDetails`), or `LOG_CLOSED` for an event recorded after `close()`. Without it, 'error' listeners, else a process warning. */
  onError: log.onError,
  /** Clock for event times, ms since epoch (tests). Scheduling uses the monotonic clock. */
  now: log.now,
  ...PostgresOptionsSchema.shape,
})
/** Options of {@link openPostgresHitLog}, as a caller writes them. */
export type PostgresHitLogOptions = z.input<typeof PostgresHitLogOptionsSchema>
/** Options of {@link openPostgresHitLog} with the defaults applied. */
export type ResolvedPostgresHitLogOptions = z.output<typeof PostgresHitLogOptionsSchema>
/** The defaults of {@link PostgresHitLogOptionsSchema} (`replica` is this process's). */
export const DEFAULT_POSTGRES_HITLOG_OPTIONS: ResolvedPostgresHitLogOptions = Object.freeze(PostgresHitLogOptionsSchema.parse({}))

const monotonic = () => performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Most places whose counts are cached by {@link PostgresHitLog.entriesAskedFrom}. */
const PLACE_CACHE_SIZE = 1000

/** PostgreSQL's SQLSTATE of a failure, if it has one. */
function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** A failure caused by the rows themselves (data exception, integrity violation): retrying the same batch cannot succeed. */
const isDataError = (err: unknown) => /^2[23]/.test(pgCode(err) ?? '')

/** The store's own `hash` salt (made once by whichever replica comes first; every replica reads the same). */
async function storeSalt(db: PostgresDatabase): Promise<string> {
  await db.pool.query('INSERT INTO kotae_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [META_SALT, generateSalt()])
  const { rows } = await db.pool.query<{ value: string }>('SELECT value FROM kotae_meta WHERE key = $1', [META_SALT])
  const salt = rows[0]?.value
  if (!salt) throw logStoreError({ path: db.description, reason: `its kotae_meta table has an empty hash salt (key ${META_SALT})`, hint: 'pass redaction.salt, or delete that row to let kotae make a new one (earlier hashes then no longer match)', dropped: 0, queued: 0 })
  return salt
}

/**
 * The PostgreSQL hit log (see the module comment). Use {@link openPostgresHitLog}. Reads write
 * this replica's queue first and throw `STORE_UNAVAILABLE` when the store cannot answer,
 * `LOG_CLOSED` after `close()`.
 */
export class PostgresHitLog extends EventEmitter implements AskLogger, HitLogReader, SuggestionLedger {
  /** The store's URL without its password (what messages name). */
  readonly path: string
  /** This replica's name, stored on its events. */
  readonly replica: string
  private readonly queue: EventRow[] = []
  /** The batch being written. */
  private inFlight: EventRow[] = []
  private chain: Promise<unknown> = Promise.resolve()
  private draining = false
  private kickPending = false
  private timer: NodeJS.Timeout | null = null
  /** Automatic writes wait until then after a failure (monotonic ms). */
  private retryAt = -Infinity
  private failures = 0
  /** The kinds of work (writes, background place counts) whose failure was reported, and that have not succeeded since. */
  private readonly outage = new Set<'write' | 'places'>()
  private lastOk = true
  private lastCause = ''
  private closing = false
  private closed: Promise<void> | null = null
  private unreportedOverflow = 0
  private errors = 0
  private lastError: string | undefined
  private readonly counts = { recorded: 0, written: 0, dropped: 0, unknownReasons: 0 }
  private readonly drops: Record<DropReason, number> = { 'queue-full': 0, 'write-failed': 0, 'store-gone': 0 }
  private readonly placeCache = new Map<string, { at: number; value: PlaceSuggestion[]; refreshing: boolean }>()

  /** @internal Made by {@link openPostgresHitLog}. */
  constructor(
    private readonly db: PostgresDatabase,
    private readonly opts: ResolvedPostgresHitLogOptions,
    private readonly redaction: LogRedaction,
    /** Whether `close` ends the pool (it was opened for this log). */
    private readonly ownsPool: boolean,
  ) {
    super()
    this.path = db.description
    this.replica = opts.replica
  }

  /** Send a failure or loss to `onError`, else to 'error' listeners, else to a process warning. Never throws. */
  private report(err: KotaeError): void {
    this.errors++
    this.lastError = err.message
    deliverLogError(this, this.opts.onError, err)
  }

  /** A store failure of this log's own work (writes, background counts): reported once per outage of that kind of work. */
  private storeFailed(kind: 'write' | 'places', what: string, err: unknown, hint: string): void {
    this.lastOk = false
    const cause = storeError(this.path, what, err)
    this.lastCause = causeText(err)
    if (this.outage.has(kind)) return
    this.outage.add(kind)
    this.report(logStoreError({ path: this.path, reason: `${what}: ${this.lastCause}${pgCode(err) ? ` (PostgreSQL ${pgCode(err)})` : ''}`, hint, dropped: 0, queued: this.queuedCount }, cause))
  }

  private storeOk(kind: 'write' | 'places'): void {
    this.lastOk = true
    this.outage.delete(kind)
  }

  private get queuedCount(): number {
    return this.queue.length + this.inFlight.length
  }

  private lose(reason: DropReason, n: number): void {
    this.counts.dropped += n
    this.drops[reason] += n
  }

  /** Health counters, the SQLite log's shape (`reassigned` is always 0: ids are never taken twice). `recorded = written + dropped + queued`. */
  stats(): HitLogStats {
    return {
      recorded: this.counts.recorded,
      written: this.counts.written,
      dropped: this.counts.dropped,
      drops: { ...this.drops },
      reassigned: 0,
      errors: this.errors,
      queued: this.queuedCount,
      unknownReasons: this.counts.unknownReasons,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    }
  }

  /** Whether the last operation on the store (a write, a read, a connection) succeeded. */
  get healthy(): boolean {
    return this.lastOk
  }

  /**
   * Queue one `ask` result and return its event id at once. Never throws: a malformed result, an
   * invalid `context.at` or a closed log is reported through `onError` and `undefined` is returned.
   */
  record(result: AskResult, context: AskContext = {}): string | undefined {
    try {
      if (this.closing) throw createError('LOG_CLOSED', { path: this.path, dropped: 1 })
      const ctx = context ?? {}
      const at = ctx.at instanceof Date ? ctx.at.getTime() : ctx.at ?? this.opts.now()
      if (typeof at !== 'number' || !Number.isFinite(at) || at < 0 || at >= MAX_TIME) {
        throw logStoreError({ path: this.path, reason: `cannot record an event: its time ${String(ctx.at ?? at)} is not a valid date`, hint: 'this event was not recorded; give context.at as ms since epoch or a Date', dropped: 0, queued: this.queuedCount })
      }
      const time = Math.floor(at)
      const row = eventRow(newEventId(time), time, result, ctx, this.redaction, this.opts.turns, () => this.counts.unknownReasons++)
      this.queue.push(row)
      this.counts.recorded++
      this.trim()
      this.afterRecord()
      return row.id
    } catch (err) {
      this.report(err instanceof KotaeError ? err : logStoreError({ path: this.path, reason: `cannot record an event: ${causeText(err)}`, hint: 'this event was not recorded', dropped: 0, queued: this.queuedCount }, err))
      return undefined
    }
  }

  /** Drop the oldest queued events (not the batch being written) beyond `maxQueue`; they are reported by the next write attempt. */
  private trim(): void {
    const excess = this.queuedCount - this.opts.maxQueue
    if (excess <= 0) return
    const n = Math.min(excess, this.queue.length)
    this.queue.splice(0, n)
    this.lose('queue-full', n)
    this.unreportedOverflow += n
  }

  private reportOverflow(): void {
    const n = this.unreportedOverflow
    if (n === 0) return
    this.unreportedOverflow = 0
    this.report(queueFullError(this.path, n, this.opts.maxQueue, this.lastCause, this.queuedCount))
  }

  private afterRecord(): void {
    if (monotonic() < this.retryAt) return this.ensureTimer()
    if (this.queue.length >= this.opts.batchSize || this.opts.flushIntervalMs === 0) this.kick()
    else this.ensureTimer()
  }

  private ensureTimer(): void {
    if (this.timer || this.closing || this.queue.length === 0) return
    const wait = Math.max(this.opts.flushIntervalMs, this.retryAt - monotonic(), 0)
    this.timer = setTimeout(() => {
      this.timer = null
      this.kick()
    }, wait)
    this.timer.unref()
  }

  /** One write at a time: flushes wait for the one running, then write what is left. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn)
    this.chain = run.catch(() => undefined)
    return run
  }

  /** Start an automatic write unless one is running (it takes the new events too) or due. */
  private kick(): void {
    if (this.draining || this.kickPending) return
    this.kickPending = true
    void this.serial(() => {
      this.kickPending = false
      return this.drain(true)
    })
  }

  /**
   * Write the events queued now, in batches (after the write running, if any); true once they
   * are all written. Events recorded meanwhile go in the same batches or the next write, so a
   * flush ends under any load. Never throws: on failure the events stay queued (retried with
   * backoff) and the failure is reported.
   */
  flush(): Promise<boolean> {
    return this.serial(() => this.drain(false))
  }

  private async drain(auto: boolean): Promise<boolean> {
    if (this.queue.length === 0) {
      this.reportOverflow()
      return true
    }
    if (auto && monotonic() < this.retryAt) {
      this.ensureTimer()
      return false
    }
    // Losses are reported after the attempt (in `finally`), with its error as their cause.
    this.draining = true
    // Only the events queued now: under load, a write never turns into an endless one.
    let remaining = this.queue.length
    try {
      while (remaining > 0 && this.queue.length > 0) {
        remaining -= Math.min(this.opts.batchSize, this.queue.length)
        const batch = this.queue.splice(0, Math.min(this.opts.batchSize, this.queue.length))
        this.inFlight = batch
        let failure: unknown
        try {
          await insertEvents(this.db.pool, batch, this.replica)
        } catch (err) {
          failure = err
        }
        this.inFlight = []
        if (failure !== undefined && isDataError(failure)) failure = await this.writeOneByOne(batch)
        else if (failure === undefined) this.wrote(batch.length)
        else this.queue.unshift(...batch)
        if (failure !== undefined) {
          this.trim()
          this.failed(batch.length, failure)
          return false
        }
      }
      return true
    } finally {
      this.draining = false
      this.reportOverflow()
      // A full batch waiting is written at once (after any flush already waiting), the rest on the timer.
      if (this.queue.length >= this.opts.batchSize && !this.closing && monotonic() >= this.retryAt) this.kick()
      else this.ensureTimer()
    }
  }

  private wrote(n: number): void {
    this.counts.written += n
    this.failures = 0
    this.retryAt = -Infinity
    this.storeOk('write')
  }

  /**
   * A batch the server refused for its data (no row should ever be, since text is made storable):
   * write its rows one by one and drop the ones refused, reported, so one bad event never blocks
   * the log. Returns the failure that stopped it (the rest is queued again), if any.
   */
  private async writeOneByOne(batch: EventRow[]): Promise<unknown> {
    for (let i = 0; i < batch.length; i++) {
      this.inFlight = batch.slice(i)
      try {
        await insertEvents(this.db.pool, [batch[i]!], this.replica)
        this.wrote(1)
      } catch (err) {
        if (!isDataError(err)) {
          this.inFlight = []
          this.queue.unshift(...batch.slice(i))
          return err
        }
        this.lose('write-failed', 1)
        this.report(logStoreError({ path: this.path, reason: `1 event was dropped: the store refused it (${causeText(err)}, PostgreSQL ${pgCode(err)})`, hint: 'the other events of its batch were written', dropped: 1, incident: 'write-failed', queued: this.queuedCount - 1 }, err))
      }
    }
    this.inFlight = []
    return undefined
  }

  /** After a failed write: back off (doubling, up to `retryMaxMs`) and report the outage once. */
  private failed(n: number, err: unknown): void {
    this.failures++
    const base = Math.min(this.opts.retryMaxMs, Math.max(100, this.opts.flushIntervalMs))
    this.retryAt = monotonic() + Math.min(this.opts.retryMaxMs, base * 2 ** Math.min(this.failures - 1, 20))
    const kept = this.closing ? '' : `The ${this.queuedCount} queued event(s) are kept and retried (at most ${this.opts.maxQueue} kept, the oldest dropped beyond that); reported once until a write succeeds again.`
    this.storeFailed('write', `cannot write ${n} queued event(s)`, err, kept)
  }

  /** Write what is queued (one more attempt), report what could not be written as lost, and end the pool. Further `record` calls are reported and ignored. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      await this.serial(() => this.drain(false))
      const n = this.queuedCount
      if (n > 0) {
        this.queue.length = 0
        this.lose('write-failed', n)
        this.report(logStoreError({ path: this.path, reason: `${n} queued event(s) could not be written to the store before the log was closed and are lost (last error: ${this.lastCause || 'unknown'})`, hint: '', dropped: n, incident: 'write-failed', queued: 0 }))
      }
      this.reportOverflow()
      if (this.ownsPool) await this.db.close().catch(() => {})
    })()
    return this.closed
  }

  /** Run a read (this replica's queue written first); failures become `STORE_UNAVAILABLE` errors. */
  private async read<T>(what: string, fn: (db: queries.Queryable) => Promise<T>, flush = true): Promise<T> {
    if (this.closing) throw createError('LOG_CLOSED', { path: this.path, dropped: 0 })
    if (flush) await this.flush()
    try {
      const out = await fn(this.db.pool)
      this.lastOk = true
      return out
    } catch (err) {
      this.lastOk = false
      throw storeError(this.path, what, err)
    }
  }

  private isQueued(eventId: string): boolean {
    return this.queue.some((r) => r.id === eventId) || this.inFlight.some((r) => r.id === eventId)
  }

  /** Read one event by id (flushes first); undefined when unknown. */
  async getEvent(eventId: string): Promise<HitEvent | undefined> {
    return this.read('read an event', (db) => queries.readEvent(db, eventId))
  }

  /**
   * Record feedback on an event (see the SQLite log's `feedback`: the same kinds, checks and
   * errors). An event this replica still has queued is written first; one recorded moments ago
   * by another replica (its id says when) is waited for up to `feedbackWaitMs`, since that replica
   * may not have written it yet. The comment is stored redacted. Throws `INVALID_FEEDBACK`,
   * `UNKNOWN_EVENT`, `STORE_UNAVAILABLE` (the store cannot be reached, or the event is still
   * queued here because it cannot be written), `LOG_CLOSED`.
   */
  async feedback(eventId: string, feedback: Feedback, at: number = this.opts.now()): Promise<FeedbackReceipt> {
    // The shape first, as the SQLite log checks it, before the store is asked anything.
    if (!FeedbackSchema.safeParse(feedback).success) checkFeedback(eventId, feedback, () => undefined, this.path)
    if (this.isQueued(eventId)) {
      await this.flush()
      if (this.isQueued(eventId)) throw storeError(this.path, 'store feedback', new Error(`its event is still queued here, not yet written (${this.lastCause || 'the store is failing'}); try again later`))
    }
    const lookup = () => this.read('read an event', (db) => queries.readEvent(db, eventId), false)
    let event = await lookup()
    const recordedAt = event ? undefined : eventIdTime(eventId)
    if (recordedAt !== undefined && this.opts.feedbackWaitMs > 0) {
      const until = monotonic() + Math.min(this.opts.feedbackWaitMs, recordedAt + this.opts.feedbackWaitMs - this.opts.now())
      while (!event && monotonic() < until) {
        await sleep(Math.min(100, Math.max(1, until - monotonic())))
        event = await lookup()
      }
    }
    if (!event && recordedAt !== undefined && this.opts.now() - recordedAt < RECENT_EVENT_MS) {
      // Recorded moments ago, most likely by another replica that has not written its queue yet
      // (every flush interval; later under load or during an outage): not an unknown event.
      const ago = Math.max(0, Math.round((this.opts.now() - recordedAt) / 100) / 10)
      throw storeError(this.path, 'store feedback', new Error(`its event ${eventId} was recorded ${ago} s ago and is not in the store yet: the replica that answered writes its events every ${this.opts.flushIntervalMs} ms, later when it is busy or the store was down; send the feedback again in a few seconds`))
    }
    const checked = checkFeedback(eventId, feedback, () => event, this.path)
    const comment = checked.comment === null ? null : storable(this.redaction.text(checked.comment))
    const { rows } = await this.read(
      'store feedback',
      async (db) => {
        try {
          return await db.query<{ id: string }>('INSERT INTO kotae_feedback (event_id, time, kind, entry_id, comment) VALUES ($1, $2, $3, $4, $5) RETURNING id', [checked.event.id, Math.floor(at), checked.kind, checked.entryId, comment])
        } catch (err) {
          // The event was deleted (pruned) between the check and the insert.
          if (pgCode(err) === '23503') throw createError('UNKNOWN_EVENT', { eventId, path: this.path })
          throw err
        }
      },
      false,
    )
    for (const entry of this.placeCache.values()) entry.at = -Infinity
    return { feedbackId: Number(rows[0]!.id), eventId, kind: checked.kind, entryId: checked.entryId }
  }

  /** First and last event time and the number of events, every replica's (flushes first). */
  coverage(): Promise<{ first: number | null; last: number | null; events: number }> {
    return this.read('read the log coverage', (db) => queries.coverage(db))
  }

  /** Event counts per time bucket and decision in [from, to). Bucket index = floor((t - from) / bucketMs). */
  timeline(from: number, to: number, bucketMs: number): Promise<{ bucket: number; decision: DecisionKind; count: number }[]> {
    return this.read('read the timeline', (db) => queries.timeline(db, from, to, bucketMs))
  }

  /** Per-entry counters over [from, to): top candidate, answers, offered, picked, resolved, (not) helpful, last hit. */
  entryCounts(from: number, to: number): Promise<Map<string, EntryCounts>> {
    return this.read('count hits per entry', (db) => queries.entryCounts(db, from, to))
  }

  /** Per-entry counters over [from, to) for each channel (see {@link HitLogReader.entryCountsByChannel}). */
  entryCountsByChannel(from: number, to: number): Promise<Map<string, Map<string, EntryCounts>>> {
    return this.read('count hits per entry and channel', (db) => queries.entryCountsByChannel(db, from, to))
  }

  /** Number of events per top candidate in [from, to). */
  topCounts(from: number, to: number): Promise<Map<string, number>> {
    return this.read('count events per entry', (db) => queries.topCounts(db, from, to))
  }

  /** How often each pair of entries came back as the top two with a confidence margin ≤ `maxMargin`, in [from, to). */
  closePairs(from: number, to: number, maxMargin: number): Promise<{ a: string; b: string; count: number }[]> {
    return this.read('read close pairs', (db) => queries.closePairs(db, from, to, maxMargin))
  }

  /** Events in [from, to) that were escalated or whose confidence was below `lowConfidence`. */
  unanswered(from: number, to: number, lowConfidence: number): Promise<UnansweredRow[]> {
    return this.read('read unanswered questions', (db) => queries.unanswered(db, from, to, lowConfidence))
  }

  /** Queries users picked or humans resolved in [from, to) (default: all time), with the entry they went to. */
  resolvedQueries(from = 0, to = Number.MAX_SAFE_INTEGER / ID_SHIFT): Promise<ResolvedQuery[]> {
    return this.read('read resolved questions', (db) => queries.resolvedQueries(db, from, to))
  }

  /** The picks and resolutions in [from, to) with their events' ids and sessions. */
  suggestionEvidence(from = 0, to = Number.MAX_SAFE_INTEGER / ID_SHIFT): Promise<SuggestionEvidence[]> {
    return this.read('read resolved questions', (db) => queries.suggestionEvidence(db, from, to))
  }

  /** Suggestions already accepted or rejected, keyed `entryId\u0000query`. */
  suggestionStatus(): Promise<Map<string, SuggestionStatus>> {
    return this.read('read suggestion status', (db) => queries.suggestionStatus(db), false)
  }

  /** Every accepted or rejected suggestion with when and why, newest first. */
  suggestionDecisions(): Promise<SuggestionDecision[]> {
    return this.read('read suggestion decisions', (db) => queries.suggestionDecisions(db), false)
  }

  /** Mark suggestions accepted or rejected so they are not offered again, with the editor's `reason` (stored redacted, like comments). */
  setSuggestionStatus(items: { entryId: string; query: string; reason?: string | null }[], status: SuggestionStatus, at: number = this.opts.now()): Promise<void> {
    const redacted = items.map((it) => ({
      entryId: storable(it.entryId),
      query: storable(it.query),
      reason: it.reason === undefined || it.reason === null || it.reason.trim() === '' ? null : storable(this.redaction.text(it.reason.trim())),
    }))
    return this.read('update suggestion status', (db) => queries.storeSuggestionStatus(db, redacted, status, at), false)
  }

  /** The newest `limit` events in [from, to), newest first, queries as stored (redacted). */
  recentQueries(from: number, to: number, limit: number): Promise<LoggedQuery[]> {
    return this.read('read recent questions', (db) => queries.recentQueries(db, from, to, limit))
  }

  /** The busiest pages in [from, to), each with its top entries (see {@link HitLogReader.pageSummaries}). */
  pageSummaries(from: number, to: number, options: { pages: number; entries: number; lowConfidence: number }): Promise<PageSummary[]> {
    return this.read('read questions per page', async (db) => {
      const pages = await queries.busiestPages(db, from, to, options.pages)
      return Promise.all(
        pages.map(async ({ page }) => {
          const c = await queries.placeCounts(db, { page: { page, family: false } }, from, to, { lowConfidence: options.lowConfidence })
          return { page, questions: c.questions, unanswered: c.unanswered, entries: c.entries.slice(0, options.entries) }
        }),
      )
    })
  }

  /** Events per reason in [from, to). */
  reasonCounts(from: number, to: number): Promise<Map<string, number>> {
    return this.read('count events per reason', (db) => queries.reasonCounts(db, from, to))
  }

  /**
   * The entries people asked about most from a place (the SQLite log's `entriesAskedFrom`: the
   * same page lookup, counting and `overall` fallback), answered from a cache, because the engine
   * asks synchronously and a database answers later: a call returns the place's last counts
   * (nothing the first time) and, when they are older than `places.cacheMs`, starts counting
   * again in the background (one query at a time per place, every replica's events, without
   * writing this replica's queue first). So page-aware suggestions and the page prior start with
   * the second ask from a place. Throws `INVALID_OPTIONS` for a malformed place or options; a
   * store that cannot be read is reported through `onError` (once per outage) and keeps the last counts.
   */
  entriesAskedFrom(place: AskPlace, options: PlaceQueryOptions = {}): PlaceSuggestion[] {
    const query = placeQuery(place, options, this.opts.places.windowMs)
    const { key } = query
    let cached = this.placeCache.get(key)
    if (!cached) {
      if (this.placeCache.size >= PLACE_CACHE_SIZE) this.placeCache.delete(this.placeCache.keys().next().value!)
      cached = { at: -Infinity, value: [], refreshing: false }
      this.placeCache.set(key, cached)
    }
    const entry = cached
    if (!entry.refreshing && !this.closing && monotonic() - entry.at >= this.opts.places.cacheMs) {
      entry.refreshing = true
      void this.countPlace(query).then(
        (value) => {
          entry.value = value
          entry.at = monotonic()
          this.storeOk('places')
        },
        (err: unknown) => {
          entry.at = monotonic()
          if (!this.closing) this.storeFailed('places', 'count questions per page', err, 'page-aware suggestions keep their last counts until the store answers')
        },
      ).finally(() => (entry.refreshing = false))
    }
    return entry.value.map((s) => ({ ...s }))
  }

  private async countPlace(query: PlaceQuery): Promise<PlaceSuggestion[]> {
    const to = this.opts.now() + 1 // questions of this very millisecond count
    const from = to - query.windowMs
    const limits = { maxEvents: this.opts.places.maxEvents }
    if (query.lookup) {
      const page = { page: storable(this.redaction.page(query.lookup.page)), family: query.lookup.family }
      const onPage = placeSuggestions(await queries.placeCounts(this.db.pool, { page, lang: query.lang, channel: query.channel }, from, to, limits), query, 'page')
      if (onPage.length > 0) return onPage
    }
    return placeSuggestions(await queries.placeCounts(this.db.pool, { lang: query.lang }, from, to, limits), query, 'overall')
  }
}

/**
 * Open the hit log in a PostgreSQL store (a `postgres://` URL: the schema is created or
 * migrated, see `connect.ts`; or a {@link PostgresDatabase} already open, which `close` then
 * leaves open). Throws `INVALID_OPTIONS` for bad options, `STORE_UNAVAILABLE` when the server
 * cannot be reached, `STORE_VERSION` for a store a newer kotae migrated. Once open, the log
 * never throws into `ask`: an outage is buffered and reported (see the module comment).
 */
export async function openPostgresHitLog(store: string | PostgresDatabase, options: PostgresHitLogOptions = {}): Promise<PostgresHitLog> {
  const opts = parseOptions(PostgresHitLogOptionsSchema, options, 'openPostgresHitLog')
  // Validates the redaction patterns before connecting.
  const redaction = new LogRedaction(opts.redaction)
  const owned = typeof store === 'string'
  const db = owned ? await openPostgres(store, { poolSize: opts.poolSize, connectTimeoutMs: opts.connectTimeoutMs, statementTimeoutMs: opts.statementTimeoutMs, applicationName: opts.applicationName }) : store
  try {
    if (redaction.saltFromFile) redaction.useSalt(await storeSalt(db))
  } catch (err) {
    if (owned) await db.close().catch(() => {})
    throw storeError(db.description, 'read the hash salt', err)
  }
  return new PostgresHitLog(db, opts, redaction, owned)
}
