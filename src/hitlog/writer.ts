/**
 * The hit log's writer: event ids, the queue of recorded events, when it is written, and the
 * accounting of every event that is lost. Logging must never break an answer, so `record` only
 * queues the event and returns its id; the queue is written in one transaction per batch, and any
 * store failure is reported and counted, never thrown into `ask`.
 *
 * Durability: queued events are written at least every `flushIntervalMs` (default 1 s) and as
 * soon as `batchSize` (default 256) are queued. `ask` does not yield to the event loop, so a
 * tight loop of awaited asks would starve a timer: `record` therefore also writes inline when
 * the oldest queued event is older than the interval or twice `batchSize` are queued. A process
 * that crashes loses at most the events of the last flush interval (1 s by default, and never
 * more than 2 × batchSize events), plus any time the event loop was blocked by other synchronous
 * work; while the store is failing, up to `maxQueue` events wait in memory for `retryForMs` and
 * are lost with the process. A normal exit (including an uncaught exception) writes the queue
 * first (see {@link closeAtExit}). Committed events survive a process crash; with
 * `synchronous = NORMAL` the last transactions may roll back after a power loss or an
 * operating-system crash.
 */
import type Database from 'better-sqlite3'
import { createError, type KotaeError } from '../errors.js'
import type { AskContext, AskResult } from '../schema.js'
import type { ResolvedHitLogOptions } from './options.js'
import { boundTurns, normalisePage, type BoundedTurn, type StoredTurn } from './context.js'
import type { LogRedaction } from './redaction.js'
import { DECISIONS, ID_SHIFT, logStoreError, MAX_REASON_TEXT, queueFullError, MAX_TIME, META_WRITERS, REASONS, SCALE, sqliteCode, storeError, UNKNOWN_REASON, type DropReason, type HitLogStore } from './store.js'

/** Milliseconds whose per-writer counters are remembered (older ones are only revisited by back-dated events). */
const COUNTER_MS = 4096
/** Old → new ids of events stored under a new id, kept for `getEvent`/`feedback` through this HitLog. */
const MAX_RENAMED = 100_000

interface PendingEvent {
  id: number
  /** Redacted values to store (null until redacted when `raw` is set). */
  session: string | null
  query: string | null
  hash: string | null
  page: string | null
  turns: StoredTurn[]
  /** Turns left out (null: the context had no turns). */
  turnsOmitted: number | null
  /** What the customer typed, kept only until the log's salt is known (`hash` mode without a salt, before the file is open). */
  raw: { query: string; session: string | null; page: string | null; turns: BoundedTurn[] } | null
  channel: string | null
  lang: string
  decision: number
  reason: number
  /** The reason's text when it is not one this version stores by number. */
  reasonText: string | null
  confidence: number
  latencyUs: number
  answer: string | null
  top: { id: string; s: number; c: number }[]
  options: string[]
  /** Monotonic time it was queued (for the retry window). */
  queuedAt: number
  /** The id `record` returned (`id` changes only if it was taken in the file). */
  issued: number
}

const monotonic = () => performance.now()
const seconds = (ms: number) => (ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)

/** The 10-bit reversal of n: consecutive writers get offsets 0, 512, 256, 768, 128… (as far apart as possible). */
function spreadOffset(n: number): number {
  let r = 0
  for (let i = 0; i < 10; i++) r |= ((n >> i) & 1) << (9 - i)
  return r
}

const openLogs = new Set<{ close(): void }>()
let exitHookInstalled = false

/**
 * Close `log` when the process exits (a normal exit or an uncaught exception), so its queue is
 * written: better-sqlite3 is synchronous, so that still works inside the 'exit' event. One
 * process-wide hook serves every open log.
 */
export function closeAtExit(log: { close(): void }): void {
  openLogs.add(log)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const open of openLogs) open.close()
  })
}

/** Stop closing `log` at exit (it was closed). */
export function forgetAtExit(log: { close(): void }): void {
  openLogs.delete(log)
}

/** Counters of the writer, for `HitLogStats`. */
export interface WriterCounts {
  recorded: number
  written: number
  dropped: number
  drops: Record<DropReason, number>
  reassigned: number
  queued: number
  unknownReasons: number
}

/**
 * Queues recorded events and writes them to the store (see the module comment). Event ids are
 * `time_ms * 1024 + n`: each writer numbers the events of one millisecond from its own offset
 * (spread apart per log: see {@link claimOffset}); past 1,024 events in one millisecond it moves
 * on to the next millisecond, so ids never repeat within a process and a burst's stored times
 * drift by a millisecond per 1,024 events. An id already taken in the file (another writer, or
 * events imported twice) is replaced by the next free one, never dropped.
 */
export class EventWriter {
  private readonly queue: PendingEvent[] = []
  private timer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
  /** After a failed write, automatic writes wait until then (monotonic ms). */
  private retryAt = -Infinity
  private isClosed = false
  /** Inside `close()`: no more retries, so failure reports must not promise them. */
  private closing = false
  /** This writer's offset within each millisecond's 1,024 ids. */
  private offset = Math.floor(Math.random() * ID_SHIFT)
  /** Events numbered per millisecond by this writer. */
  private readonly perMs = new Map<number, number>()
  /** Ids returned by `record` → the id the event was stored under, when it had to change. */
  private readonly renamed = new Map<string, string>()
  private unreportedOverflow = 0
  private readonly counts = { recorded: 0, written: 0, dropped: 0, reassigned: 0, unknownReasons: 0 }
  private readonly drops: Record<DropReason, number> = { 'queue-full': 0, 'write-failed': 0, 'store-gone': 0 }

  constructor(
    private readonly store: HitLogStore,
    private readonly redaction: LogRedaction,
    private readonly opts: Pick<ResolvedHitLogOptions, 'batchSize' | 'flushIntervalMs' | 'maxQueue' | 'retryForMs' | 'reopenIntervalMs' | 'now' | 'turns'>,
    private readonly report: (error: KotaeError) => void,
    /**
     * How the writer's own writes (timer, immediate, inline in `record`, `close`) are started:
     * the log's public `flush`, so whoever wraps that method (the ops bench times every write
     * that way) sees all of them. Defaults to {@link flush}.
     */
    private readonly trigger: () => boolean = () => this.flush(),
  ) {}

  private get path(): string {
    return this.store.path
  }

  /** Whether the log was closed (or never opened, in strict mode). */
  get closed(): boolean {
    return this.isClosed
  }

  /** Events waiting to be written. */
  get queued(): number {
    return this.queue.length
  }

  /** The writer's counters. */
  counters(): WriterCounts {
    return { ...this.counts, drops: { ...this.drops }, queued: this.queue.length }
  }

  /** The id an event was stored under, given the id `record` returned. */
  storedId(issued: string): string {
    return this.renamed.get(issued) ?? issued
  }

  /** What happens to queued events while the store fails (appended to failure reports). */
  keptNote(): string {
    if (this.closing) return ''
    const n = this.queue.length
    return `${n === 0 ? 'New events are' : `The ${n} queued event(s) are`} kept and retried for up to ${seconds(this.opts.retryForMs)} (at most ${this.opts.maxQueue} kept), then dropped and reported.`
  }

  /** Take the next writer number of this file, so writers of one log number events from offsets far apart. */
  claimOffset(db: Database.Database): void {
    try {
      const row = db
        .prepare(`INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value`)
        .get(META_WRITERS) as { value: string | number }
      this.offset = spreadOffset((Number(row.value) - 1) & (ID_SHIFT - 1))
    } catch {
      /* read-only or locked: keep the random offset (a collision is still resolved when writing) */
    }
  }

  /** Count events lost, by reason. */
  lose(reason: DropReason, n: number): void {
    this.counts.dropped += n
    this.drops[reason] += n
  }

  /** `n` written events went with a deleted or replaced file: no longer written, but lost. */
  lostWithFile(n: number): void {
    this.counts.written -= n
    this.lose('store-gone', n)
  }

  private nextId(ms: number): number {
    for (;;) {
      const used = this.perMs.get(ms) ?? 0
      if (used < ID_SHIFT) {
        this.perMs.set(ms, used + 1)
        if (this.perMs.size > COUNTER_MS) this.perMs.delete(this.perMs.keys().next().value!)
        return ms * ID_SHIFT + ((this.offset + used) & (ID_SHIFT - 1))
      }
      ms++
    }
  }

  /**
   * Queue one `ask` result and return its event id at once (unique: bursts in one millisecond
   * spill into the next ones). Never throws: a malformed result or a closed log is reported and
   * `undefined` is returned. The query, session id, page and turns are redacted here (in `hash`
   * mode without a salt, once the log's salt has been read from the file); the page loses its
   * query string and fragment first, and only the last `turns.max` turns are kept.
   */
  record(result: AskResult, context: AskContext = {}): string | undefined {
    try {
      if (this.isClosed) throw createError('LOG_CLOSED', { path: this.path, dropped: 1 })
      const at = context.at instanceof Date ? context.at.getTime() : context.at ?? this.opts.now()
      if (typeof at !== 'number' || !Number.isFinite(at) || at < 0 || at >= MAX_TIME) {
        throw logStoreError({
          path: this.path,
          reason: `cannot record an event: its time ${String(context.at ?? at)} is not a valid date`,
          hint: 'this event was not recorded; give context.at as ms since epoch or a Date',
          dropped: 0,
          queued: this.queue.length,
        })
      }
      const id = this.nextId(Math.floor(at))
      const top = (result.candidates ?? []).slice(0, 3).map((c) => ({ id: c.id, s: Math.round(c.score * SCALE), c: Math.round(c.confidence * SCALE) }))
      const decision = DECISIONS.indexOf(result.decision)
      const query = typeof result.query === 'string' ? result.query : ''
      const session = context.sessionId === undefined || context.sessionId === null ? null : String(context.sessionId)
      const page = normalisePage(context.page)
      const bounded = boundTurns(context.turns, this.opts.turns)
      const turns = bounded?.turns ?? []
      const red = this.redaction.ready ? this.redaction.query(query) : null
      const reason = REASONS.indexOf(result.reason)
      if (reason < 0) this.counts.unknownReasons++
      const event: PendingEvent = {
        id,
        issued: id,
        session: red && session !== null ? this.redaction.session(session) : null,
        query: red?.text ?? null,
        hash: red?.hash ?? null,
        page: red && page !== null ? this.redaction.page(page) : null,
        turns: red ? turns.map((t) => this.redaction.turn(t, this.opts.turns.maxChars)) : [],
        turnsOmitted: bounded?.omitted ?? null,
        raw: red ? null : { query, session, page, turns },
        channel: context.channel ?? null,
        lang: result.lang ?? 'und',
        decision: decision < 0 ? 2 : decision,
        reason: reason < 0 ? UNKNOWN_REASON : reason,
        reasonText: reason < 0 ? String(result.reason ?? '').slice(0, MAX_REASON_TEXT) : null,
        confidence: Math.round((result.confidence ?? 0) * SCALE),
        latencyUs: Math.round((result.latencyMs ?? 0) * 1000),
        answer: result.decision === 'answer' ? result.answer?.id ?? result.candidates?.[0]?.id ?? null : null,
        top,
        options: result.decision === 'clarify' ? (result.options ?? []).slice(0, 3).map((o) => o.id) : [],
        queuedAt: monotonic(),
      }
      this.queue.push(event)
      this.counts.recorded++
      if (this.queue.length > this.opts.maxQueue) {
        const n = this.queue.length - this.opts.maxQueue
        this.queue.splice(0, n)
        this.lose('queue-full', n)
        this.unreportedOverflow += n
      }
      this.afterRecord()
      return String(id)
    } catch (err) {
      this.report(storeError('cannot record an event', this.path, err, '', { queued: this.queue.length }))
      return undefined
    }
  }

  /**
   * Decide when to write. The timer covers callers that yield to the event loop; `ask` itself
   * does not, so a tight loop of awaited asks never lets the timer or an immediate run: then the
   * write happens here, inside `record`, once the oldest event is a flush interval old or the
   * queue holds twice a batch (or is full).
   */
  private afterRecord(): void {
    this.ensureTimer()
    const now = monotonic()
    if (now < this.retryAt) return
    const n = this.queue.length
    if (n >= Math.min(2 * this.opts.batchSize, this.opts.maxQueue) || now - this.queue[0].queuedAt >= this.opts.flushIntervalMs) {
      this.trigger()
      return
    }
    if (n >= this.opts.batchSize && !this.immediate) {
      // Write after the current `ask` has returned, when the caller yields.
      this.immediate = setImmediate(() => {
        this.immediate = null
        this.trigger()
      })
      this.immediate.unref?.()
    }
  }

  private ensureTimer(): void {
    if (this.timer || this.isClosed || this.closing || this.queue.length === 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.trigger()
      this.ensureTimer()
    }, this.opts.flushIntervalMs)
    this.timer.unref()
  }

  /**
   * Write all queued events now (one transaction). Returns true when the queue is empty
   * afterwards. Never throws: on failure the events stay queued and are retried (for up to
   * `retryForMs`), and the failure is reported. Losses are reported here too.
   */
  flush(): boolean {
    this.reportOverflow()
    if (this.queue.length === 0) return true
    if (this.isClosed) return false
    const store = this.store
    if (store.db && store.changed()) store.gone()
    if (!store.db) {
      if (monotonic() - store.lastOpenAttempt < this.opts.reopenIntervalMs) return this.failed()
      if (!store.tryOpen(false, true)) return this.failed()
    }
    const db = store.db!
    const batch = this.queue.slice()
    let reassigned = 0
    try {
      const insert = db.prepare(
        `INSERT INTO events (id, session, channel, lang, query, query_hash, decision, reason, confidence, latency_us, answer,
           e1, s1, c1, e2, s2, c2, e3, s3, c3, o1, o2, o3, page, reason_text, turns_omitted)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const insertTurn = db.prepare('INSERT INTO turns (event_id, n, role, text, text_hash, at, cut) VALUES (?, ?, ?, ?, ?, ?, ?)')
      const key = (id: string | null | undefined) => (id ? store.keys.key(db, id) : null)
      db.transaction(() => {
        for (const e of batch) {
          if (e.raw) {
            const q = this.redaction.query(e.raw.query)
            e.query = q.text
            e.hash = q.hash
            e.session = e.raw.session === null ? null : this.redaction.session(e.raw.session)
            e.page = e.raw.page === null ? null : this.redaction.page(e.raw.page)
            e.turns = e.raw.turns.map((t) => this.redaction.turn(t, this.opts.turns.maxChars))
            e.raw = null
          }
          const t = (i: number) => e.top[i]
          const values = [
            e.session, e.channel, e.lang, e.query, e.hash, e.decision, e.reason, e.confidence, e.latencyUs, key(e.answer),
            key(t(0)?.id), t(0)?.s ?? null, t(0)?.c ?? null,
            key(t(1)?.id), t(1)?.s ?? null, t(1)?.c ?? null,
            key(t(2)?.id), t(2)?.s ?? null, t(2)?.c ?? null,
            key(e.options[0]), key(e.options[1]), key(e.options[2]),
            e.page, e.reasonText, e.turnsOmitted,
          ]
          for (let attempt = 0; ; attempt++) {
            try {
              insert.run(e.id, ...values)
              break
            } catch (err) {
              // The id is taken (another writer, or events imported twice): never drop the event, store it under the next free id.
              if (sqliteCode(err) !== 'SQLITE_CONSTRAINT_PRIMARYKEY' || attempt > 4 * ID_SHIFT) throw err
              if (e.id === e.issued) reassigned++
              e.id = this.nextId(Math.floor(e.id / ID_SHIFT))
              this.renamed.set(String(e.issued), String(e.id))
              if (this.renamed.size > MAX_RENAMED) this.renamed.delete(this.renamed.keys().next().value!)
            }
          }
          e.turns.forEach((t, n) => insertTurn.run(e.id, n, t.role, t.text, t.hash, t.at, t.cut))
        }
      })()
      this.queue.splice(0, batch.length)
      this.counts.written += batch.length
      store.wrote(batch.length)
      this.retryAt = -Infinity
      if (reassigned > 0) {
        this.counts.reassigned += reassigned
        this.report(
          logStoreError({
            path: this.path,
            reason: `${reassigned} event id(s) were already taken in the file (another process writes the same log, or the same events were imported twice): those events were stored under new ids, none was dropped`,
            hint: 'The ids returned by record still find them through this HitLog (getEvent, feedback); feedback sent with them through another process would not.',
            dropped: 0,
            incident: 'id-reassigned',
            queued: this.queue.length,
          }),
        )
      }
      return true
    } catch (err) {
      // Forget interned keys learnt in the rolled-back transaction.
      store.keys.clear()
      const e = store.failure(`cannot write ${batch.length} queued event(s)`, err, this.keptNote())
      if (store.db) {
        try {
          store.keys.load(store.db)
        } catch {
          /* reloaded on next success */
        }
      }
      this.report(e)
      return this.failed()
    }
  }

  /** After a failed attempt: back off, drop (and report) events that have waited longer than `retryForMs`. */
  private failed(): false {
    const now = monotonic()
    this.retryAt = now + this.opts.flushIntervalMs
    let n = 0
    while (n < this.queue.length && now - this.queue[n].queuedAt >= this.opts.retryForMs) n++
    if (n > 0) {
      this.queue.splice(0, n)
      this.lose('write-failed', n)
      this.report(
        logStoreError({
          path: this.path,
          reason: `${n} event(s) were dropped: they could not be written to the file for ${seconds(this.opts.retryForMs)} (last error: ${this.store.lastCause || 'unknown'})`,
          hint: '',
          dropped: n,
          incident: 'write-failed',
          queued: this.queue.length,
        }),
      )
    }
    this.reportOverflow()
    this.ensureTimer()
    return false
  }

  private reportOverflow(): void {
    const n = this.unreportedOverflow
    if (n === 0) return
    this.unreportedOverflow = 0
    this.report(queueFullError(this.path, n, this.opts.maxQueue, this.store.lastCause, this.queue.length))
  }

  /** Mark the writer closed without writing (a strict open that failed). */
  abandon(): void {
    this.isClosed = true
  }

  /** Write what is queued; events that still cannot be written are reported as lost. Further `record` calls are reported and ignored. */
  close(): void {
    if (this.isClosed) return
    this.closing = true
    if (this.immediate) clearImmediate(this.immediate)
    this.immediate = null
    if (!this.store.db) this.store.lastOpenAttempt = -Infinity // one last attempt
    this.trigger()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.queue.length > 0) {
      const n = this.queue.length
      this.queue.length = 0
      this.lose('write-failed', n)
      this.report(
        logStoreError({
          path: this.path,
          reason: `${n} queued event(s) could not be written to the file before the log was closed and are lost (last error: ${this.store.lastCause || 'unknown'})`,
          hint: '',
          dropped: n,
          incident: 'write-failed',
          queued: 0,
        }),
      )
    }
    this.reportOverflow()
    this.isClosed = true
  }
}
