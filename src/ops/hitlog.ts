/**
 * The hit log: one row per `ask` (time, session, channel, language, redacted query, decision,
 * top entries with scores and confidence, latency) plus the feedback given on it. Embedded store:
 * a versioned SQLite file. Logging must never slow down or break an answer, so `record` only
 * queues the event and returns its id; a timer writes queued events in one transaction per batch,
 * and any store failure (corrupt file, lock held by another process, full disk) is reported
 * through `onError`/'error' and a counter, never thrown into `ask`.
 */
import { EventEmitter } from 'node:events'
import { mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { z } from 'zod'
import { KotaeError } from '../errors.js'
import type { AskResult, DecisionKind, ReasonCode } from '../schema.js'
import { createRedactor, RedactionOptionsSchema, type RedactionOptions, type Redactor } from './redact.js'

/** Context passed by the engine with each `ask`. `at` back-dates an event (imports, benchmarks). */
export interface AskContext {
  sessionId?: string
  channel?: string
  transcript?: string[]
  /** Event time (ms since epoch or Date); default: now. */
  at?: number | Date
}

/**
 * What the engine needs from a log: record one answered question and get its event id back at
 * once (the write happens later). Must never throw and never wait for the disk.
 */
export interface AskLogger {
  record(result: AskResult, context: { sessionId?: string; channel?: string; transcript?: string[] }): string | undefined
}

/** Feedback on one event: was the answer helpful, which offered option did the user pick, which entry did a human use. */
export type Feedback =
  | { kind: 'helpful'; comment?: string }
  | { kind: 'not-helpful'; comment?: string }
  | { kind: 'picked'; entryId: string }
  | { kind: 'resolved'; entryId: string; comment?: string }

/** Validates {@link Feedback} at the boundary. */
export const FeedbackSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('helpful'), comment: z.string().max(2000).optional() }),
  z.object({ kind: z.literal('not-helpful'), comment: z.string().max(2000).optional() }),
  z.object({ kind: z.literal('picked'), entryId: z.string().trim().min(1, { message: 'entryId must name the option the user picked' }) }),
  z.object({ kind: z.literal('resolved'), entryId: z.string().trim().min(1, { message: 'entryId must name the entry the human used' }), comment: z.string().max(2000).optional() }),
])

/** Options of {@link openHitLog}. */
export interface HitLogOptions {
  /** How queries are stored (default: masked). */
  redaction?: RedactionOptions
  /** Write after this many queued events (default 256). */
  batchSize?: number
  /** Write queued events at least this often, ms (default 250). */
  flushIntervalMs?: number
  /** Most events kept in memory while the store is failing; older ones are dropped and counted (default 20,000). */
  maxQueue?: number
  /** How long a write may wait for another process's lock, ms (default 20: logging must not stall answers). */
  busyTimeoutMs?: number
  /** After a failed open, retry at most this often, ms (default 5,000). */
  reopenIntervalMs?: number
  /** Throw a `LOG_STORE` error when the store cannot be opened (for reports); default false: report and retry. */
  strict?: boolean
  /** Called with every store failure (a `LOG_STORE` KotaeError). Without it, 'error' listeners, else a process warning. */
  onError?: (error: KotaeError) => void
  /** Clock, ms since epoch (tests). */
  now?: () => number
}

const HitLogOptionsSchema = z.object({
  redaction: RedactionOptionsSchema.optional(),
  batchSize: z.number().int().positive().optional(),
  flushIntervalMs: z.number().int().nonnegative().optional(),
  maxQueue: z.number().int().positive().optional(),
  busyTimeoutMs: z.number().int().nonnegative().optional(),
  reopenIntervalMs: z.number().int().nonnegative().optional(),
  strict: z.boolean().optional(),
  onError: z.function().optional(),
  now: z.function().optional(),
})

/** Counters describing the log's health, for monitoring. */
export interface HitLogStats {
  recorded: number
  written: number
  dropped: number
  errors: number
  queued: number
  lastError?: string
}

/** One decoded event. */
export interface HitEvent {
  id: string
  time: number
  sessionId: string | null
  channel: string | null
  language: string
  query: string | null
  queryHash: string | null
  decision: DecisionKind
  reason: ReasonCode
  confidence: number
  latencyMs: number
  answerId: string | null
  top: { id: string; score: number; confidence: number }[]
  options: string[]
}

/** Per-entry counters over a time range (see {@link HitLog.entryCounts}). */
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
  language: string
  topId: string | null
  topConfidence: number
}

const DECISIONS: DecisionKind[] = ['answer', 'clarify', 'escalate']
const REASONS: ReasonCode[] = ['confident', 'ambiguous', 'low-confidence', 'out-of-scope', 'empty-query']
/** Confidences and scores are stored as integers in units of 1e-4 (compact rows: the log holds millions). */
const SCALE = 10_000
/** Event ids are `time_ms * 1024 + n`: time-ordered, unique per process, and a time range is an id range. */
const ID_SHIFT = 1024

/** Current schema version (PRAGMA user_version). */
export const HITLOG_SCHEMA_VERSION = 2

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE entry_keys (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
    CREATE TABLE events (
      id INTEGER PRIMARY KEY,
      session TEXT, channel TEXT, lang TEXT NOT NULL,
      query TEXT, query_hash TEXT,
      decision INTEGER NOT NULL, reason INTEGER NOT NULL, confidence INTEGER NOT NULL, latency_us INTEGER NOT NULL,
      answer INTEGER,
      e1 INTEGER, s1 INTEGER, c1 INTEGER,
      e2 INTEGER, s2 INTEGER, c2 INTEGER,
      e3 INTEGER, s3 INTEGER, c3 INTEGER,
      o1 INTEGER, o2 INTEGER, o3 INTEGER
    );
    CREATE TABLE feedback (
      id INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL, ts INTEGER NOT NULL,
      kind TEXT NOT NULL, entry INTEGER, comment TEXT
    );
    CREATE INDEX feedback_event ON feedback(event_id);
  `,
  2: `
    CREATE TABLE suggestion_status (
      entry_id TEXT NOT NULL, query TEXT NOT NULL, status TEXT NOT NULL, ts INTEGER NOT NULL,
      PRIMARY KEY (entry_id, query)
    ) WITHOUT ROWID;
    CREATE INDEX feedback_kind_ts ON feedback(kind, ts);
  `,
}

interface PendingEvent {
  id: number
  session: string | null
  channel: string | null
  lang: string
  query: string | null
  hash: string | null
  decision: number
  reason: number
  confidence: number
  latencyUs: number
  answer: string | null
  top: { id: string; s: number; c: number }[]
  options: string[]
}

function storeError(message: string, path: string, cause: unknown): KotaeError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  const code = (cause as { code?: string } | null)?.code
  let advice = ''
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') advice = ' Another process holds a lock on the file; events stay queued and are retried.'
  else if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') advice = ' The file is not a valid hit log: move it aside (it is never deleted automatically) and a new log will be created.'
  else if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') advice = ' Check that the folder exists and is writable.'
  return new KotaeError('LOG_STORE', `${message} (${path}): ${reason}.${advice}`, { path, sqliteCode: code }, { cause })
}

/** Apply pending migrations inside one transaction; refuse files written by a newer kotae. */
export function migrateHitLog(db: Database.Database, path = db.name): number {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > HITLOG_SCHEMA_VERSION) {
    throw new KotaeError('LOG_STORE', `the hit log ${path} has schema version ${version}, newer than this kotae understands (${HITLOG_SCHEMA_VERSION}); upgrade kotae or use another log file`, { path, version })
  }
  if (version === HITLOG_SCHEMA_VERSION) return version
  db.transaction(() => {
    for (let v = version + 1; v <= HITLOG_SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v])
      db.pragma(`user_version = ${v}`)
    }
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('migrated_at', new Date().toISOString())
  })()
  return HITLOG_SCHEMA_VERSION
}

const openLogs = new Set<HitLog>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // better-sqlite3 is synchronous, so queued events can still be written while the process exits.
  process.once('exit', () => {
    for (const log of openLogs) log.close()
  })
}

/**
 * The SQLite-backed hit log. Implements {@link AskLogger} for the engine, records feedback, and
 * answers the aggregate queries the reports need. Use {@link openHitLog} to create one.
 */
export class HitLog extends EventEmitter implements AskLogger {
  /** Path of the SQLite file. */
  readonly path: string
  private db: Database.Database | null = null
  private readonly queue: PendingEvent[] = []
  private readonly opts: Required<Omit<HitLogOptions, 'onError' | 'redaction' | 'strict'>> & { onError?: (e: KotaeError) => void }
  private readonly redact: Redactor
  private timer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
  private lastOpenAttempt = -Infinity
  private closed = false
  private lastMs = -1
  private seq = 0
  private readonly entryKeys = new Map<string, number>()
  private readonly entryIds = new Map<number, string>()
  private readonly counters: HitLogStats = { recorded: 0, written: 0, dropped: 0, errors: 0, queued: 0 }

  constructor(path: string, options: HitLogOptions = {}) {
    super()
    const parsed = HitLogOptionsSchema.safeParse(options)
    if (!parsed.success) {
      throw new KotaeError('INVALID_INPUT', `invalid hit log options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
    }
    this.path = path
    this.redact = createRedactor(options.redaction)
    this.opts = {
      batchSize: options.batchSize ?? 256,
      flushIntervalMs: options.flushIntervalMs ?? 250,
      maxQueue: options.maxQueue ?? 20_000,
      busyTimeoutMs: options.busyTimeoutMs ?? 20,
      reopenIntervalMs: options.reopenIntervalMs ?? 5_000,
      now: options.now ?? Date.now,
      onError: options.onError,
    }
    const ok = this.tryOpen(!options.strict)
    if (!ok && options.strict) {
      const err = this.openError
      this.closed = true
      throw err
    }
    openLogs.add(this)
    installExitHook()
  }

  private openError: KotaeError | null = null

  private tryOpen(reportFailure = true): boolean {
    this.lastOpenAttempt = this.opts.now()
    let db: Database.Database | null = null
    try {
      mkdirSync(dirname(this.path), { recursive: true })
      db = new Database(this.path, { timeout: this.opts.busyTimeoutMs })
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      migrateHitLog(db, this.path)
      this.db = db
      this.openError = null
      this.entryKeys.clear()
      this.entryIds.clear()
      for (const row of db.prepare('SELECT key, id FROM entry_keys').all() as { key: number; id: string }[]) {
        this.entryKeys.set(row.id, row.key)
        this.entryIds.set(row.key, row.id)
      }
      return true
    } catch (err) {
      try {
        db?.close()
      } catch {
        /* already broken */
      }
      this.db = null
      this.openError = err instanceof KotaeError ? err : storeError('cannot open the hit log', this.path, err)
      if (reportFailure) this.report(this.openError)
      return false
    }
  }

  private report(err: KotaeError): void {
    this.counters.errors++
    this.counters.lastError = err.message
    try {
      if (this.opts.onError) this.opts.onError(err)
      else if (this.listenerCount('error') > 0) this.emit('error', err)
      else process.emitWarning(err.message, { code: 'KOTAE_LOG_STORE' })
    } catch {
      /* a throwing error handler must not break logging either */
    }
  }

  /** Health counters: recorded, written, dropped, errors, queued, last error message. */
  stats(): HitLogStats {
    return { ...this.counters, queued: this.queue.length }
  }

  /** Whether the store is open and usable right now. */
  get healthy(): boolean {
    return this.db !== null
  }

  private nextId(ms: number): number {
    if (ms !== this.lastMs) {
      this.lastMs = ms
      // Random start per millisecond, so two processes writing the same file rarely collide.
      this.seq = Math.floor(Math.random() * 768)
    } else if (++this.seq >= ID_SHIFT) {
      return this.nextId(ms + 1)
    }
    return ms * ID_SHIFT + this.seq
  }

  /**
   * Queue one `ask` result and return its event id at once. Never throws: a malformed result or
   * a closed log is reported through `onError` and `undefined` is returned.
   */
  record(result: AskResult, context: AskContext = {}): string | undefined {
    try {
      if (this.closed) throw new KotaeError('LOG_STORE', `the hit log ${this.path} is closed; events are no longer recorded`)
      const at = context.at instanceof Date ? context.at.getTime() : context.at ?? this.opts.now()
      const id = this.nextId(Math.floor(at))
      const red = this.redact(result.query ?? '')
      const top = (result.candidates ?? []).slice(0, 3).map((c) => ({ id: c.id, s: Math.round(c.score * SCALE), c: Math.round(c.confidence * SCALE) }))
      const decision = DECISIONS.indexOf(result.decision)
      const event: PendingEvent = {
        id,
        session: context.sessionId ?? null,
        channel: context.channel ?? null,
        lang: result.language ?? 'und',
        query: red.text,
        hash: red.hash,
        decision: decision < 0 ? 2 : decision,
        reason: Math.max(0, REASONS.indexOf(result.reason)),
        confidence: Math.round((result.confidence ?? 0) * SCALE),
        latencyUs: Math.round((result.latencyMs ?? 0) * 1000),
        answer: result.decision === 'answer' ? result.answer?.id ?? result.candidates?.[0]?.id ?? null : null,
        top,
        options: result.decision === 'clarify' ? (result.options ?? []).slice(0, 3).map((o) => o.id) : [],
      }
      this.queue.push(event)
      this.counters.recorded++
      if (this.queue.length > this.opts.maxQueue) {
        const n = this.queue.length - this.opts.maxQueue
        this.queue.splice(0, n)
        this.counters.dropped += n
      }
      this.schedule()
      return String(id)
    } catch (err) {
      this.report(err instanceof KotaeError ? err : storeError('cannot record an event', this.path, err))
      return undefined
    }
  }

  private schedule(): void {
    if (this.queue.length >= this.opts.batchSize) {
      // Write after the current `ask` has returned, never inside it.
      if (!this.immediate) {
        this.immediate = setImmediate(() => {
          this.immediate = null
          this.flush()
        })
        this.immediate.unref?.()
      }
      return
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null
        this.flush()
        if (this.queue.length > 0) this.schedule()
      }, this.opts.flushIntervalMs)
      this.timer.unref()
    }
  }

  private entryKey(db: Database.Database, id: string): number {
    let key = this.entryKeys.get(id)
    if (key === undefined) {
      db.prepare('INSERT OR IGNORE INTO entry_keys (id) VALUES (?)').run(id)
      key = (db.prepare('SELECT key FROM entry_keys WHERE id = ?').get(id) as { key: number }).key
      this.entryKeys.set(id, key)
      this.entryIds.set(key, id)
    }
    return key
  }

  private entryId(key: number | null): string | null {
    if (key === null || key === undefined) return null
    let id = this.entryIds.get(key)
    if (id === undefined && this.db) {
      const row = this.db.prepare('SELECT id FROM entry_keys WHERE key = ?').get(key) as { id: string } | undefined
      id = row?.id ?? `#${key}`
      this.entryIds.set(key, id)
    }
    return id ?? `#${key}`
  }

  /**
   * Write all queued events now (one transaction). Returns true when the queue is empty
   * afterwards. Never throws; on failure the events stay queued for the next attempt.
   */
  flush(): boolean {
    if (this.queue.length === 0) return true
    if (!this.db) {
      if (this.closed || this.opts.now() - this.lastOpenAttempt < this.opts.reopenIntervalMs) return false
      if (!this.tryOpen()) return false
    }
    const db = this.db!
    const batch = this.queue.slice()
    let collisions = 0
    try {
      const insert = db.prepare(
        `INSERT INTO events (id, session, channel, lang, query, query_hash, decision, reason, confidence, latency_us, answer,
           e1, s1, c1, e2, s2, c2, e3, s3, c3, o1, o2, o3)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      db.transaction(() => {
        for (const e of batch) {
          const t = (i: number) => e.top[i]
          const key = (id: string | null | undefined) => (id ? this.entryKey(db, id) : null)
          try {
            insert.run(
              e.id, e.session, e.channel, e.lang, e.query, e.hash, e.decision, e.reason, e.confidence, e.latencyUs, key(e.answer),
              key(t(0)?.id), t(0)?.s ?? null, t(0)?.c ?? null,
              key(t(1)?.id), t(1)?.s ?? null, t(1)?.c ?? null,
              key(t(2)?.id), t(2)?.s ?? null, t(2)?.c ?? null,
              key(e.options[0]), key(e.options[1]), key(e.options[2]),
            )
          } catch (err) {
            if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw err
            collisions++
          }
        }
      })()
      this.queue.splice(0, batch.length)
      this.counters.written += batch.length - collisions
      if (collisions > 0) {
        this.counters.dropped += collisions
        this.report(new KotaeError('LOG_STORE', `${collisions} event(s) had an id already in ${this.path} (another process writing the same log in the same millisecond) and were not stored`, { path: this.path }))
      }
      return true
    } catch (err) {
      // Forget interned keys learnt in the rolled-back transaction.
      this.entryKeys.clear()
      this.entryIds.clear()
      const e = storeError(`cannot write ${batch.length} event(s) to the hit log`, this.path, err)
      const code = (err as { code?: string }).code
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code === 'SQLITE_IOERR') {
        try {
          db.close()
        } catch {
          /* ignore */
        }
        this.db = null
      } else {
        try {
          for (const row of db.prepare('SELECT key, id FROM entry_keys').all() as { key: number; id: string }[]) {
            this.entryKeys.set(row.id, row.key)
            this.entryIds.set(row.key, row.id)
          }
        } catch {
          /* reloaded on next success */
        }
      }
      this.report(e)
      return false
    }
  }

  /** Flush and close the file. Further `record` calls are reported and ignored. */
  close(): void {
    if (this.closed) return
    if (this.timer) clearTimeout(this.timer)
    if (this.immediate) clearImmediate(this.immediate)
    this.timer = null
    this.immediate = null
    this.flush()
    if (this.queue.length > 0) {
      this.counters.dropped += this.queue.length
      this.report(new KotaeError('LOG_STORE', `${this.queue.length} queued event(s) could not be written to ${this.path} before closing`, { path: this.path }))
      this.queue.length = 0
    }
    this.closed = true
    openLogs.delete(this)
    try {
      this.db?.close()
    } catch {
      /* ignore */
    }
    this.db = null
  }

  /** The open database, or a `LOG_STORE` error a person can act on (for explicit API calls, which may throw). */
  private requireDb(): Database.Database {
    if (this.closed) throw new KotaeError('LOG_STORE', `the hit log ${this.path} is closed`)
    if (!this.db && !this.tryOpen(false)) throw this.openError!
    return this.db!
  }

  /** Read one event by id (flushes first); undefined when unknown. */
  getEvent(eventId: string): HitEvent | undefined {
    this.flush()
    const db = this.requireDb()
    const id = Number(eventId)
    if (!Number.isSafeInteger(id)) return undefined
    const r = db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Record<string, number | string | null> | undefined
    if (!r) return undefined
    const top: HitEvent['top'] = []
    for (const i of [1, 2, 3]) {
      const k = r[`e${i}`] as number | null
      if (k !== null) top.push({ id: this.entryId(k)!, score: (r[`s${i}`] as number) / SCALE, confidence: (r[`c${i}`] as number) / SCALE })
    }
    return {
      id: String(r.id),
      time: Math.floor((r.id as number) / ID_SHIFT),
      sessionId: r.session as string | null,
      channel: r.channel as string | null,
      language: r.lang as string,
      query: r.query as string | null,
      queryHash: r.query_hash as string | null,
      decision: DECISIONS[r.decision as number],
      reason: REASONS[r.reason as number],
      confidence: (r.confidence as number) / SCALE,
      latencyMs: (r.latency_us as number) / 1000,
      answerId: this.entryId(r.answer as number | null),
      top,
      options: [r.o1, r.o2, r.o3].filter((k): k is number => k !== null).map((k) => this.entryId(k)!),
    }
  }

  /**
   * Record feedback on an event: `helpful` / `not-helpful` (about the answer given), `picked`
   * (the option the user chose after `clarify`; must be one of the offered options) or
   * `resolved` (the entry a person used after an escalation). Throws `INVALID_INPUT` for an
   * unknown event or entry, `LOG_STORE` when the store is unusable.
   */
  feedback(eventId: string, feedback: Feedback, at: number = this.opts.now()): { feedbackId: number; eventId: string; kind: Feedback['kind']; entryId: string | null } {
    const parsed = FeedbackSchema.safeParse(feedback)
    if (!parsed.success) {
      throw new KotaeError('INVALID_INPUT', `invalid feedback for event ${eventId}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'kind'}: ${i.message}`).join('; ')} (kind is one of helpful, not-helpful, picked, resolved)`)
    }
    const fb = parsed.data
    const event = this.getEvent(eventId)
    if (!event) throw new KotaeError('INVALID_INPUT', `no event with id "${eventId}" in the hit log ${this.path}; use the eventId returned by ask`, { eventId })
    let entryId: string | null
    if (fb.kind === 'picked') {
      if (event.options.length > 0 && !event.options.includes(fb.entryId)) {
        throw new KotaeError('INVALID_INPUT', `entry "${fb.entryId}" was not offered for event ${eventId} (offered: ${event.options.join(', ')}); use kind "resolved" for an entry chosen by a person`, { eventId, entryId: fb.entryId })
      }
      entryId = fb.entryId
    } else if (fb.kind === 'resolved') {
      entryId = fb.entryId
    } else {
      entryId = event.answerId ?? event.top[0]?.id ?? null
    }
    const db = this.requireDb()
    try {
      const info = db
        .prepare('INSERT INTO feedback (event_id, ts, kind, entry, comment) VALUES (?, ?, ?, ?, ?)')
        .run(Number(eventId), at, fb.kind, entryId ? this.entryKey(db, entryId) : null, 'comment' in fb ? fb.comment ?? null : null)
      return { feedbackId: Number(info.lastInsertRowid), eventId, kind: fb.kind, entryId }
    } catch (err) {
      throw storeError('cannot store feedback', this.path, err)
    }
  }

  private range(from: number, to: number): [number, number] {
    return [Math.max(0, Math.floor(from)) * ID_SHIFT, Math.floor(to) * ID_SHIFT - 1]
  }

  /** First and last event time and the number of events (flushes first). */
  coverage(): { first: number | null; last: number | null; events: number } {
    this.flush()
    const r = this.requireDb().prepare('SELECT min(id) lo, max(id) hi, count(*) n FROM events').get() as { lo: number | null; hi: number | null; n: number }
    return { first: r.lo === null ? null : Math.floor(r.lo / ID_SHIFT), last: r.hi === null ? null : Math.floor(r.hi / ID_SHIFT), events: r.n }
  }

  /** Event counts per time bucket and decision in [from, to). Bucket index = floor((t - from) / bucketMs). */
  timeline(from: number, to: number, bucketMs: number): { bucket: number; decision: DecisionKind; count: number }[] {
    this.flush()
    const [lo, hi] = this.range(from, to)
    const rows = this.requireDb()
      .prepare('SELECT CAST(((id >> 10) - ?) / ? AS INTEGER) AS b, decision AS d, count(*) AS n FROM events WHERE id BETWEEN ? AND ? GROUP BY b, d ORDER BY b')
      .all(Math.floor(from), Math.floor(bucketMs), lo, hi) as { b: number; d: number; n: number }[]
    return rows.map((r) => ({ bucket: r.b, decision: DECISIONS[r.d], count: r.n }))
  }

  /** Per-entry counters over [from, to): top candidate, answers, offered, picked, resolved, (not) helpful, last hit. */
  entryCounts(from: number, to: number): Map<string, EntryCounts> {
    this.flush()
    const db = this.requireDb()
    const [lo, hi] = this.range(from, to)
    const out = new Map<string, EntryCounts>()
    const get = (key: number) => {
      const id = this.entryId(key)!
      let c = out.get(id)
      if (!c) out.set(id, (c = { top: 0, answers: 0, offered: 0, picked: 0, resolved: 0, helpful: 0, notHelpful: 0, lastHit: null }))
      return c
    }
    const hit = (c: EntryCounts, t: number | null) => {
      if (t !== null && (c.lastHit === null || t > c.lastHit)) c.lastHit = t
    }
    for (const r of db.prepare('SELECT e1 k, count(*) n FROM events WHERE id BETWEEN ? AND ? AND e1 IS NOT NULL GROUP BY e1').all(lo, hi) as { k: number; n: number }[]) get(r.k).top = r.n
    for (const r of db.prepare('SELECT answer k, count(*) n, max(id) >> 10 t FROM events WHERE id BETWEEN ? AND ? AND answer IS NOT NULL GROUP BY answer').all(lo, hi) as { k: number; n: number; t: number }[]) {
      const c = get(r.k)
      c.answers = r.n
      hit(c, r.t)
    }
    const offered = db.prepare(
      `SELECT k, count(*) n FROM (
         SELECT o1 k FROM events WHERE id BETWEEN @lo AND @hi AND o1 IS NOT NULL
         UNION ALL SELECT o2 FROM events WHERE id BETWEEN @lo AND @hi AND o2 IS NOT NULL
         UNION ALL SELECT o3 FROM events WHERE id BETWEEN @lo AND @hi AND o3 IS NOT NULL) GROUP BY k`,
    )
    for (const r of offered.all({ lo, hi }) as { k: number; n: number }[]) get(r.k).offered = r.n
    const fb = db.prepare('SELECT kind, entry k, count(*) n, max(ts) t FROM feedback WHERE ts >= ? AND ts < ? AND entry IS NOT NULL GROUP BY kind, entry')
    for (const r of fb.all(Math.floor(from), Math.floor(to)) as { kind: Feedback['kind']; k: number; n: number; t: number }[]) {
      const c = get(r.k)
      if (r.kind === 'picked') (c.picked = r.n), hit(c, r.t)
      else if (r.kind === 'resolved') (c.resolved = r.n), hit(c, r.t)
      else if (r.kind === 'helpful') c.helpful = r.n
      else if (r.kind === 'not-helpful') c.notHelpful = r.n
    }
    return out
  }

  /** Number of events per top candidate in [from, to) (the per-entry volume used for surge alerts). */
  topCounts(from: number, to: number): Map<string, number> {
    this.flush()
    const [lo, hi] = this.range(from, to)
    const rows = this.requireDb().prepare('SELECT e1 k, count(*) n FROM events WHERE id BETWEEN ? AND ? AND e1 IS NOT NULL GROUP BY e1').all(lo, hi) as { k: number; n: number }[]
    return new Map(rows.map((r) => [this.entryId(r.k)!, r.n]))
  }

  /** How often each pair of entries came back as the top two with a confidence margin ≤ `maxMargin`, in [from, to). */
  closePairs(from: number, to: number, maxMargin: number): { a: string; b: string; count: number }[] {
    this.flush()
    const [lo, hi] = this.range(from, to)
    const rows = this.requireDb()
      .prepare('SELECT e1, e2, count(*) n FROM events WHERE id BETWEEN ? AND ? AND e2 IS NOT NULL AND c1 - c2 <= ? GROUP BY e1, e2')
      .all(lo, hi, Math.round(maxMargin * SCALE)) as { e1: number; e2: number; n: number }[]
    const pairs = new Map<string, { a: string; b: string; count: number }>()
    for (const r of rows) {
      const [a, b] = [this.entryId(r.e1)!, this.entryId(r.e2)!].sort()
      if (a === b) continue
      const k = `${a}\u0000${b}`
      const p = pairs.get(k) ?? { a, b, count: 0 }
      p.count += r.n
      pairs.set(k, p)
    }
    return [...pairs.values()]
  }

  /** Events in [from, to) that were escalated or whose confidence was below `lowConfidence`. */
  unanswered(from: number, to: number, lowConfidence: number): UnansweredRow[] {
    this.flush()
    const [lo, hi] = this.range(from, to)
    const rows = this.requireDb()
      .prepare('SELECT id, query, query_hash, lang, e1, c1 FROM events WHERE id BETWEEN ? AND ? AND (decision = 2 OR confidence < ?)')
      .all(lo, hi, Math.round(lowConfidence * SCALE)) as { id: number; query: string | null; query_hash: string | null; lang: string; e1: number | null; c1: number | null }[]
    return rows.map((r) => ({ time: Math.floor(r.id / ID_SHIFT), query: r.query, queryHash: r.query_hash, language: r.lang, topId: this.entryId(r.e1), topConfidence: (r.c1 ?? 0) / SCALE }))
  }

  /** Queries users picked or humans resolved, with the entry they went to (raw material for suggestions). */
  resolvedQueries(from = 0, to = Number.MAX_SAFE_INTEGER / ID_SHIFT): { entryId: string; query: string; kind: 'picked' | 'resolved'; time: number }[] {
    this.flush()
    const rows = this.requireDb()
      .prepare(
        `SELECT f.kind, f.entry, e.query, f.ts FROM feedback f JOIN events e ON e.id = f.event_id
         WHERE f.kind IN ('picked', 'resolved') AND f.entry IS NOT NULL AND e.query IS NOT NULL AND f.ts >= ? AND f.ts < ?`,
      )
      .all(Math.floor(from), Math.floor(to)) as { kind: 'picked' | 'resolved'; entry: number; query: string; ts: number }[]
    return rows.map((r) => ({ entryId: this.entryId(r.entry)!, query: r.query, kind: r.kind, time: r.ts }))
  }

  /** Suggestions already accepted or rejected, keyed `entryId\u0000query`. */
  suggestionStatus(): Map<string, 'accepted' | 'rejected'> {
    const rows = this.requireDb().prepare('SELECT entry_id, query, status FROM suggestion_status').all() as { entry_id: string; query: string; status: 'accepted' | 'rejected' }[]
    return new Map(rows.map((r) => [`${r.entry_id}\u0000${r.query}`, r.status]))
  }

  /** Mark suggestions accepted or rejected so they are not offered again. */
  setSuggestionStatus(items: { entryId: string; query: string }[], status: 'accepted' | 'rejected', at: number = this.opts.now()): void {
    const db = this.requireDb()
    try {
      const stmt = db.prepare('INSERT OR REPLACE INTO suggestion_status (entry_id, query, status, ts) VALUES (?, ?, ?, ?)')
      db.transaction(() => {
        for (const it of items) stmt.run(it.entryId, it.query, status, at)
      })()
    } catch (err) {
      throw storeError('cannot update suggestion status', this.path, err)
    }
  }
}

/** Default file name of the hit log inside a knowledge-base folder. */
export const DEFAULT_HITLOG_FILE = 'hits.sqlite'

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
 * later, so the bot keeps answering; pass `strict: true` to get the `LOG_STORE` error instead.
 */
export function openHitLog(pathOrKbDir: string, options: HitLogOptions = {}): HitLog {
  if (typeof pathOrKbDir !== 'string' || pathOrKbDir.trim() === '') {
    throw new KotaeError('INVALID_INPUT', 'openHitLog needs a file path or a knowledge-base folder')
  }
  return new HitLog(resolveHitLogPath(pathOrKbDir), options)
}
