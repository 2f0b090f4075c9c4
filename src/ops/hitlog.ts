/**
 * The hit log: one row per `ask` (time, session, channel, language, redacted query, decision,
 * top entries with scores and confidence, latency) plus the feedback given on it. Embedded store:
 * a versioned SQLite file (WAL mode).
 *
 * Logging must never break an answer, so `record` only queues the event and returns its id; the
 * queue is written in one transaction per batch, and any store failure (damaged file, lock held
 * by another process, full disk, file or folder removed) is reported through `onError`/'error'
 * and counted, never thrown into `ask`. Every event that is lost is reported with its count and
 * reason (see {@link DropReason}).
 *
 * Durability: queued events are written at least every `flushIntervalMs` (default 1 s) and as
 * soon as `batchSize` (default 256) are queued. `ask` does not yield to the event loop, so a
 * tight loop of awaited asks would starve a timer: `record` therefore also writes inline when
 * the oldest queued event is older than the interval or twice `batchSize` are queued. A process
 * that crashes loses at most the events of the last flush interval (1 s by default, and never
 * more than 2 × batchSize events), plus any time the event loop was blocked by other synchronous
 * work; while the store is failing, up to `maxQueue` events wait in memory for `retryForMs` and
 * are lost with the process. A normal exit (including an uncaught exception) writes the queue
 * first. Committed events survive a process crash; with `synchronous = NORMAL` the last
 * transactions may roll back after a power loss or an operating-system crash.
 */
import { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, statSync, type BigIntStats } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { z } from 'zod'
import { KotaeError } from '../errors.js'
import type { AskContext, AskLogger, AskResult, DecisionKind, ReasonCode } from '../schema.js'
import { createRedactor, generateSalt, UnsaltedRedactionOptionsSchema, type RedactionOptions, type Redactor } from '../privacy/redact.js'

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
  /**
   * How queries, session ids and feedback comments are stored (default: masked). In `hash` mode
   * without a `salt`, a random salt is generated once per log file and kept in its `meta` table,
   * so hashes stay comparable across restarts of the same log.
   */
  redaction?: RedactionOptions
  /** Write as soon as this many events are queued (default 256). */
  batchSize?: number
  /**
   * Write queued events at least this often, ms (default 1,000). This bounds what a crash loses:
   * the events of the last interval (see the module comment). 0 writes every event at once,
   * inside `record`.
   */
  flushIntervalMs?: number
  /** Most events kept in memory while the store is failing; older ones are dropped and reported (default 20,000). */
  maxQueue?: number
  /** How long queued events are retried while writes fail, ms (default 60,000); then they are dropped and reported. */
  retryForMs?: number
  /** How long a write may wait for another process's lock, ms (default 20: logging must not stall answers). */
  busyTimeoutMs?: number
  /** After a failed open, retry at most this often, ms (default 5,000). */
  reopenIntervalMs?: number
  /** Run `PRAGMA quick_check` when an existing file is opened, so a damaged log is found at once (default true; it reads the whole file). */
  quickCheck?: boolean
  /** Throw a `LOG_STORE` error when the store cannot be opened (for reports); default false: report and retry. */
  strict?: boolean
  /** Called with every store failure and every loss (a `LOG_STORE` KotaeError, see {@link HitLogErrorDetails}). Without it, 'error' listeners, else a process warning. */
  onError?: (error: KotaeError) => void
  /** Clock for event times, ms since epoch (tests). Flush scheduling uses the monotonic clock. */
  now?: () => number
}

const HitLogOptionsSchema = z.object({
  // Without the salt rule: in hash mode the log supplies its own salt when none is given.
  redaction: UnsaltedRedactionOptionsSchema.optional(),
  batchSize: z.number().int().positive().optional(),
  flushIntervalMs: z.number().int().nonnegative().optional(),
  maxQueue: z.number().int().positive().optional(),
  retryForMs: z.number().int().nonnegative().optional(),
  busyTimeoutMs: z.number().int().nonnegative().optional(),
  reopenIntervalMs: z.number().int().nonnegative().optional(),
  quickCheck: z.boolean().optional(),
  strict: z.boolean().optional(),
  onError: z.function().optional(),
  now: z.function().optional(),
})

/**
 * Why events were lost: `queue-full` (the store kept failing and the queue reached `maxQueue`;
 * the oldest were dropped), `write-failed` (writes kept failing for `retryForMs`, or still failed
 * when the log was closed), `store-gone` (the file was deleted or replaced while open: the events
 * this process had written to it are no longer in the log at its path).
 */
export type DropReason = 'queue-full' | 'write-failed' | 'store-gone'

/**
 * `details` of the `LOG_STORE` errors passed to `onError`. `dropped` is the number of events lost
 * by this report (0 when nothing was lost, e.g. a failed write whose events stay queued);
 * `reason` is set for losses, and `id-reassigned` when events were stored under new ids.
 */
export interface HitLogErrorDetails {
  path: string
  dropped: number
  reason?: DropReason | 'id-reassigned'
  /** Events still queued after this failure. */
  queued: number
  /** The SQLite error code, when SQLite failed. */
  sqliteCode?: string
}

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
  lastError?: string
}

/** One decoded event. */
export interface HitEvent {
  id: string
  time: number
  /** The session id as stored: redacted like the query (a hash in `hash` mode). */
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
/**
 * Event ids are `time_ms * 1024 + n`: time-ordered, and a time range is an id range. Each writer
 * numbers the events of one millisecond from its own offset (spread apart per log: see
 * `claimOffset`); past 1,024 events in one millisecond it moves on to the next millisecond, so ids
 * never repeat within a process and a burst's stored times drift by a millisecond per 1,024 events.
 */
const ID_SHIFT = 1024
/** Milliseconds whose per-writer counters are remembered (older ones are only revisited by back-dated events). */
const COUNTER_MS = 4096
/** Old → new ids of events stored under a new id, kept for `getEvent`/`feedback` through this HitLog. */
const MAX_RENAMED = 100_000
/** `meta` keys. */
const META_SALT = 'hash_salt'
const META_WRITERS = 'writers'

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
  /** Redacted values to store (null until redacted when `raw` is set). */
  session: string | null
  query: string | null
  hash: string | null
  /** What the customer typed, kept only until the log's salt is known (`hash` mode without a salt, before the file is open). */
  raw: { query: string; session: string | null } | null
  channel: string | null
  lang: string
  decision: number
  reason: number
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
/** Event times must keep ids below 2^53 (year 2248). */
const MAX_TIME = Math.floor(Number.MAX_SAFE_INTEGER / ID_SHIFT)
const seconds = (ms: number) => (ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)
const causeText = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\.$/, '')

function sqliteCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

/** A damaged or foreign file: SQLite's CORRUPT and NOTADB codes (with their extended forms). */
function isDamaged(code: string | undefined): boolean {
  return !!code && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'))
}

const DAMAGED_ADVICE = 'The file is damaged or is not a hit log: move it away (kotae never deletes it); a new, empty log is then created at this path on the next open.'

/** Turn an exception into a `LOG_STORE` error a person can act on; `context` says what happens to the events. */
function storeError(message: string, path: string, cause: unknown, context = '', details: Partial<HitLogErrorDetails> = {}): KotaeError {
  if (cause instanceof KotaeError) return context ? new KotaeError(cause.code, `${cause.message} ${context}`, { ...cause.details, ...details }, { cause: cause.cause }) : cause
  const reason = cause instanceof Error ? cause.message : String(cause)
  const code = sqliteCode(cause)
  let advice = ''
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code?.startsWith('SQLITE_BUSY_') || code?.startsWith('SQLITE_LOCKED_')) advice = ' Another process holds a lock on the file.'
  else if (isDamaged(code)) advice = ` ${DAMAGED_ADVICE}`
  else if (code === 'SQLITE_FULL') advice = ' The disk is full.'
  else if (code?.startsWith('SQLITE_CANTOPEN') || code?.startsWith('SQLITE_READONLY') || /directory does not exist/.test(reason)) advice = ' Check that the folder exists and is writable.'
  else if (code?.startsWith('SQLITE_IOERR')) advice = ' The disk or file system failed.'
  const text = `${message} (${path}): ${reason.replace(/\.$/, '')}.${advice}${context ? ` ${context}` : ''}`
  return new KotaeError('LOG_STORE', text, { path, dropped: 0, sqliteCode: code, ...details }, { cause })
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

/** The 10-bit reversal of n: consecutive writers get offsets 0, 512, 256, 768, 128… (as far apart as possible). */
function spreadOffset(n: number): number {
  let r = 0
  for (let i = 0; i < 10; i++) r |= ((n >> i) & 1) << (9 - i)
  return r
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
 *
 * Writes: see the module comment (a crash loses at most the last `flushIntervalMs`, 1 s by
 * default). Reads (`coverage`, `timeline`, `entryCounts`, …, used by reports, prune and suggest)
 * write the queue first and throw a `LOG_STORE` KotaeError when the store is unusable, e.g. a
 * damaged file (`SQLITE_CORRUPT`/`SQLITE_NOTADB`), with how to recover in the message.
 */
export class HitLog extends EventEmitter implements AskLogger {
  /** Path of the SQLite file. */
  readonly path: string
  private db: Database.Database | null = null
  private readonly queue: PendingEvent[] = []
  private readonly opts: Required<Omit<HitLogOptions, 'onError' | 'redaction' | 'strict'>> & { onError?: (e: KotaeError) => void }
  private readonly redaction: RedactionOptions
  /** Hash mode without a salt: the salt is the log file's own, read (or created) when it is opened. */
  private readonly saltFromFile: boolean
  /** Ready once the salt is known (at once, except for {@link saltFromFile}). */
  private redactor: Redactor | null = null
  private timer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
  private lastOpenAttempt = -Infinity
  /** After a failed write, automatic writes wait until then (monotonic ms). */
  private retryAt = -Infinity
  private closed = false
  /** Inside `close()`: no more retries, so failure reports must not promise them. */
  private closing = false
  private openError: KotaeError | null = null
  /** The underlying reason of the last store failure, for loss reports. */
  private lastCause = ''
  /** Identity of the open file, to notice it being deleted or replaced. */
  private file: { dev: bigint; ino: bigint } | null = null
  /** Events this process wrote to the open file. */
  private writtenToFile = 0
  /** This writer's offset within each millisecond's 1,024 ids. */
  private offset = Math.floor(Math.random() * ID_SHIFT)
  /** Events numbered per millisecond by this writer. */
  private readonly perMs = new Map<number, number>()
  /** Ids returned by `record` → the id the event was stored under, when it had to change. */
  private readonly renamed = new Map<string, string>()
  /** Redacted session ids (sessions repeat; redaction is the costly part of `record`). Cleared with the redactor. */
  private readonly sessions = new Map<string, string>()
  private unreportedOverflow = 0
  private readonly entryKeys = new Map<string, number>()
  private readonly entryIds = new Map<number, string>()
  private readonly counts = { recorded: 0, written: 0, dropped: 0, reassigned: 0, errors: 0 }
  private readonly drops: Record<DropReason, number> = { 'queue-full': 0, 'write-failed': 0, 'store-gone': 0 }
  private lastError: string | undefined

  constructor(path: string, options: HitLogOptions = {}) {
    super()
    const parsed = HitLogOptionsSchema.safeParse(options)
    if (!parsed.success) {
      throw new KotaeError('INVALID_INPUT', `invalid hit log options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`)
    }
    this.path = path
    this.redaction = options.redaction ?? {}
    this.saltFromFile = this.redaction.mode === 'hash' && this.redaction.salt === undefined
    // Validates the patterns now (INVALID_INPUT) even when the salt comes from the file later.
    if (this.saltFromFile) createRedactor({ ...this.redaction, mode: 'mask', salt: undefined })
    else this.redactor = createRedactor(this.redaction)
    this.opts = {
      batchSize: options.batchSize ?? 256,
      flushIntervalMs: options.flushIntervalMs ?? 1_000,
      maxQueue: options.maxQueue ?? 20_000,
      retryForMs: options.retryForMs ?? 60_000,
      busyTimeoutMs: options.busyTimeoutMs ?? 20,
      reopenIntervalMs: options.reopenIntervalMs ?? 5_000,
      quickCheck: options.quickCheck ?? true,
      now: options.now ?? Date.now,
      onError: options.onError,
    }
    const ok = this.tryOpen(true, !options.strict)
    if (!ok && options.strict) {
      this.closed = true
      throw this.openError!
    }
    openLogs.add(this)
    installExitHook()
  }

  /** What happens to queued events while the store fails (appended to failure reports). */
  private keptNote(): string {
    if (this.closing) return ''
    const n = this.queue.length
    return `${n === 0 ? 'New events are' : `The ${n} queued event(s) are`} kept and retried for up to ${seconds(this.opts.retryForMs)} (at most ${this.opts.maxQueue} kept), then dropped and reported.`
  }

  private tryOpen(create: boolean, reportFailure: boolean): boolean {
    this.lastOpenAttempt = monotonic()
    let db: Database.Database | null = null
    try {
      const folder = dirname(this.path)
      // The folder is created on the first open only: a knowledge-base folder removed while
      // serving is not brought back with nothing but a log in it.
      if (create) mkdirSync(folder, { recursive: true })
      else if (!existsSync(folder)) {
        throw new KotaeError('LOG_STORE', `cannot open the hit log (${this.path}): its folder ${folder} no longer exists (removed while the log was open?) and is not recreated.`, { path: this.path, dropped: 0, queued: this.queue.length })
      }
      const existed = (statSync(this.path, { throwIfNoEntry: false })?.size ?? 0) > 0
      db = new Database(this.path, { timeout: this.opts.busyTimeoutMs })
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      if (existed && this.opts.quickCheck) {
        let rows: string[]
        try {
          rows = (db.pragma('quick_check(3)') as Record<string, string>[]).map((r) => Object.values(r)[0])
        } catch (err) {
          if (!isDamaged(sqliteCode(err))) throw err
          rows = [causeText(err)]
        }
        if (rows.length !== 1 || rows[0] !== 'ok') {
          throw new KotaeError('LOG_STORE', `the hit log ${this.path} is damaged (PRAGMA quick_check: ${rows.join('; ')}). ${DAMAGED_ADVICE}`, { path: this.path, dropped: 0, queued: this.queue.length, sqliteCode: 'SQLITE_CORRUPT' })
        }
      }
      migrateHitLog(db, this.path)
      if (this.saltFromFile) {
        this.redactor = createRedactor({ ...this.redaction, salt: this.fileSalt(db) })
        this.sessions.clear()
      }
      this.claimOffset(db)
      this.entryKeys.clear()
      this.entryIds.clear()
      this.loadEntryKeys(db)
      const st = statSync(this.path, { bigint: true })
      this.file = { dev: st.dev, ino: st.ino }
      this.writtenToFile = 0
      this.db = db
      this.openError = null
      return true
    } catch (err) {
      try {
        db?.close()
      } catch {
        /* already broken */
      }
      this.db = null
      this.lastCause = causeText(err)
      this.openError = storeError('cannot open the hit log', this.path, err, reportFailure ? this.keptNote() : '', { queued: this.queue.length })
      if (reportFailure) this.report(this.openError)
      return false
    }
  }

  /** The log's hash salt: read from `meta`, or generated and stored on first use (never empty). */
  private fileSalt(db: Database.Database): string {
    const get = () => (db.prepare('SELECT value FROM meta WHERE key = ?').get(META_SALT) as { value: string } | undefined)?.value
    let salt = get()
    if (salt === undefined) {
      // OR IGNORE: another process may store its salt first; everyone then uses that one.
      db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(META_SALT, generateSalt())
      salt = get()
    }
    if (!salt) throw new KotaeError('LOG_STORE', `the hit log ${this.path} has an empty hash salt in its meta table; move the file away to start a new log, or pass redaction.salt`, { path: this.path, dropped: 0, queued: this.queue.length })
    return salt
  }

  /** Take the next writer number of this file, so writers of one log number events from offsets far apart. */
  private claimOffset(db: Database.Database): void {
    try {
      const row = db
        .prepare(`INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value`)
        .get(META_WRITERS) as { value: string | number }
      this.offset = spreadOffset((Number(row.value) - 1) & (ID_SHIFT - 1))
    } catch {
      /* read-only or locked: keep the random offset (a collision is still resolved when writing) */
    }
  }

  private loadEntryKeys(db: Database.Database): void {
    for (const row of db.prepare('SELECT key, id FROM entry_keys').all() as { key: number; id: string }[]) {
      this.entryKeys.set(row.id, row.key)
      this.entryIds.set(row.key, row.id)
    }
  }

  private report(err: KotaeError): void {
    this.counts.errors++
    this.lastError = err.message
    try {
      if (this.opts.onError) this.opts.onError(err)
      else if (this.listenerCount('error') > 0) this.emit('error', err)
      else process.emitWarning(err.message, { code: 'KOTAE_LOG_STORE' })
    } catch {
      /* a throwing error handler must not break logging either */
    }
  }

  private lose(reason: DropReason, n: number): void {
    this.counts.dropped += n
    this.drops[reason] += n
  }

  /** Health counters (see {@link HitLogStats}). */
  stats(): HitLogStats {
    return { ...this.counts, drops: { ...this.drops }, queued: this.queue.length, ...(this.lastError === undefined ? {} : { lastError: this.lastError }) }
  }

  /** Whether the store is open and usable right now. */
  get healthy(): boolean {
    return this.db !== null
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
   * spill into the next ones). Never throws: a malformed result or a closed log is reported
   * through `onError` and `undefined` is returned. The query and session id are redacted here
   * (in `hash` mode without a salt, once the log's salt has been read from the file).
   */
  record(result: AskResult, context: AskContext = {}): string | undefined {
    try {
      if (this.closed) throw new KotaeError('LOG_STORE', `the hit log ${this.path} is closed; this event was not recorded`, { path: this.path, dropped: 0, queued: 0 })
      const at = context.at instanceof Date ? context.at.getTime() : context.at ?? this.opts.now()
      if (typeof at !== 'number' || !Number.isFinite(at) || at < 0 || at >= MAX_TIME) {
        throw new KotaeError('LOG_STORE', `cannot record an event in ${this.path}: its time ${String(context.at ?? at)} is not a valid date; this event was not recorded`, { path: this.path, dropped: 0, queued: this.queue.length })
      }
      const id = this.nextId(Math.floor(at))
      const top = (result.candidates ?? []).slice(0, 3).map((c) => ({ id: c.id, s: Math.round(c.score * SCALE), c: Math.round(c.confidence * SCALE) }))
      const decision = DECISIONS.indexOf(result.decision)
      const query = typeof result.query === 'string' ? result.query : ''
      const session = context.sessionId === undefined || context.sessionId === null ? null : String(context.sessionId)
      const red = this.redactor ? this.redactor(query) : null
      const event: PendingEvent = {
        id,
        issued: id,
        session: red && session !== null ? this.redactSession(session) : null,
        query: red?.text ?? null,
        hash: red?.hash ?? null,
        raw: red ? null : { query, session },
        channel: context.channel ?? null,
        lang: result.language ?? 'und',
        decision: decision < 0 ? 2 : decision,
        reason: Math.max(0, REASONS.indexOf(result.reason)),
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
      this.flush()
      return
    }
    if (n >= this.opts.batchSize && !this.immediate) {
      // Write after the current `ask` has returned, when the caller yields.
      this.immediate = setImmediate(() => {
        this.immediate = null
        this.flush()
      })
      this.immediate.unref?.()
    }
  }

  private ensureTimer(): void {
    if (this.timer || this.closed || this.closing || this.queue.length === 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.flush()
      this.ensureTimer()
    }, this.opts.flushIntervalMs)
    this.timer.unref()
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

  /** Redacted text to store: the masked text, or the hash in `hash` mode. */
  private redactText(text: string): string {
    const r = this.redactor!(text)
    return r.text ?? r.hash ?? ''
  }

  private redactSession(session: string): string {
    let out = this.sessions.get(session)
    if (out === undefined) {
      if (this.sessions.size >= 10_000) this.sessions.clear()
      out = this.redactText(session)
      this.sessions.set(session, out)
    }
    return out
  }

  /** Whether the file at `path` is no longer the one that is open (deleted, moved or replaced). */
  private fileChanged(): boolean {
    if (!this.file) return false
    let st: BigIntStats | undefined
    try {
      st = statSync(this.path, { bigint: true, throwIfNoEntry: false })
    } catch {
      return false
    }
    return !st || st.ino !== this.file.ino || st.dev !== this.file.dev
  }

  /** The open file was deleted or replaced: what this process wrote to it is gone from the log; start a new one if the folder is still there. */
  private storeGone(): void {
    const lost = this.writtenToFile
    try {
      this.db?.close()
    } catch {
      /* ignore */
    }
    this.db = null
    this.file = null
    this.writtenToFile = 0
    this.entryKeys.clear()
    this.entryIds.clear()
    if (lost > 0) {
      this.counts.written -= lost
      this.lose('store-gone', lost)
    }
    const folderThere = existsSync(dirname(this.path))
    this.lastCause = 'the file was deleted or replaced'
    const what = lost > 0 ? `the ${lost} event(s) this process had written to it are no longer in the log at this path (deleted with the file, or moved away with it)` : 'nothing this process wrote to it was lost'
    const next = folderThere ? 'a new log is started at the same path.' : `its folder ${dirname(this.path)} no longer exists and is not recreated. ${this.keptNote()}`
    this.report(new KotaeError('LOG_STORE', `the hit log file ${this.path} was deleted or replaced while open: ${what}; ${next}`, { path: this.path, dropped: lost, reason: 'store-gone', queued: this.queue.length }))
    if (folderThere) this.tryOpen(false, true)
    else this.lastOpenAttempt = monotonic()
  }

  /** Map a failure while using the open store to a `LOG_STORE` error; a damaged file or I/O failure closes it (reopening runs the quick check again). */
  private storeFailure(message: string, err: unknown, context = ''): KotaeError {
    const code = sqliteCode(err)
    this.lastCause = causeText(err)
    const e = storeError(message, this.path, err, context, { queued: this.queue.length })
    if (isDamaged(code) || code?.startsWith('SQLITE_IOERR')) {
      try {
        this.db?.close()
      } catch {
        /* ignore */
      }
      this.db = null
      this.file = null
      this.openError = e
    }
    return e
  }

  /**
   * Write all queued events now (one transaction). Returns true when the queue is empty
   * afterwards. Never throws: on failure the events stay queued and are retried (for up to
   * `retryForMs`), and the failure is reported. Losses are reported here too.
   */
  flush(): boolean {
    this.reportOverflow()
    if (this.queue.length === 0) return true
    if (this.closed) return false
    if (this.db && this.fileChanged()) this.storeGone()
    if (!this.db) {
      if (monotonic() - this.lastOpenAttempt < this.opts.reopenIntervalMs) return this.failed()
      if (!this.tryOpen(false, true)) return this.failed()
    }
    const db = this.db!
    const batch = this.queue.slice()
    let reassigned = 0
    try {
      const insert = db.prepare(
        `INSERT INTO events (id, session, channel, lang, query, query_hash, decision, reason, confidence, latency_us, answer,
           e1, s1, c1, e2, s2, c2, e3, s3, c3, o1, o2, o3)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      const key = (id: string | null | undefined) => (id ? this.entryKey(db, id) : null)
      db.transaction(() => {
        for (const e of batch) {
          if (e.raw) {
            const q = this.redactor!(e.raw.query)
            e.query = q.text
            e.hash = q.hash
            e.session = e.raw.session === null ? null : this.redactSession(e.raw.session)
            e.raw = null
          }
          const t = (i: number) => e.top[i]
          const values = [
            e.session, e.channel, e.lang, e.query, e.hash, e.decision, e.reason, e.confidence, e.latencyUs, key(e.answer),
            key(t(0)?.id), t(0)?.s ?? null, t(0)?.c ?? null,
            key(t(1)?.id), t(1)?.s ?? null, t(1)?.c ?? null,
            key(t(2)?.id), t(2)?.s ?? null, t(2)?.c ?? null,
            key(e.options[0]), key(e.options[1]), key(e.options[2]),
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
        }
      })()
      this.queue.splice(0, batch.length)
      this.counts.written += batch.length
      this.writtenToFile += batch.length
      this.retryAt = -Infinity
      if (reassigned > 0) {
        this.counts.reassigned += reassigned
        this.report(
          new KotaeError(
            'LOG_STORE',
            `${reassigned} event id(s) were already taken in ${this.path} (another process writes the same log, or the same events were imported twice): those events were stored under new ids, none was dropped. The ids returned by record still find them through this HitLog (getEvent, feedback); feedback sent with them through another process would not.`,
            { path: this.path, dropped: 0, reason: 'id-reassigned', queued: this.queue.length },
          ),
        )
      }
      return true
    } catch (err) {
      // Forget interned keys learnt in the rolled-back transaction.
      this.entryKeys.clear()
      this.entryIds.clear()
      const e = this.storeFailure(`cannot write ${batch.length} queued event(s) to the hit log`, err, this.keptNote())
      if (this.db) {
        try {
          this.loadEntryKeys(this.db)
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
        new KotaeError('LOG_STORE', `${n} event(s) were dropped: they could not be written to ${this.path} for ${seconds(this.opts.retryForMs)} (last error: ${this.lastCause || 'unknown'}).`, {
          path: this.path,
          dropped: n,
          reason: 'write-failed',
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
    this.report(
      new KotaeError(
        'LOG_STORE',
        `${n} event(s) were dropped: the queue of events waiting to be written to ${this.path} is full (maxQueue ${this.opts.maxQueue}) because they cannot be written (last error: ${this.lastCause || 'none yet'}); the oldest are dropped first.`,
        { path: this.path, dropped: n, reason: 'queue-full', queued: this.queue.length },
      ),
    )
  }

  /** Write what is queued and close the file; events that still cannot be written are reported as lost. Further `record` calls are reported and ignored. */
  close(): void {
    if (this.closed) return
    this.closing = true
    if (this.immediate) clearImmediate(this.immediate)
    this.immediate = null
    if (!this.db) this.lastOpenAttempt = -Infinity // one last attempt
    this.flush()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.queue.length > 0) {
      const n = this.queue.length
      this.queue.length = 0
      this.lose('write-failed', n)
      this.report(
        new KotaeError('LOG_STORE', `${n} queued event(s) could not be written to ${this.path} before the log was closed and are lost (last error: ${this.lastCause || 'unknown'}).`, {
          path: this.path,
          dropped: n,
          reason: 'write-failed',
          queued: 0,
        }),
      )
    }
    this.reportOverflow()
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
    if (this.closed) throw new KotaeError('LOG_STORE', `the hit log ${this.path} is closed`, { path: this.path, dropped: 0, queued: 0 })
    if (this.db && this.fileChanged()) this.storeGone()
    if (!this.db && !this.tryOpen(false, false)) throw this.openError!
    return this.db!
  }

  /** Run a query on the store (queue written first); SQLite failures become `LOG_STORE` errors, and a damaged file is closed. */
  private read<T>(what: string, fn: (db: Database.Database) => T, flush = true): T {
    if (flush) this.flush()
    const db = this.requireDb()
    try {
      return fn(db)
    } catch (err) {
      if (err instanceof KotaeError) throw err
      throw this.storeFailure(`cannot ${what}`, err)
    }
  }

  /** Read one event by id (flushes first); undefined when unknown. Ids returned by `record` work even when the event was stored under a new id. */
  getEvent(eventId: string): HitEvent | undefined {
    const id = Number(this.renamed.get(eventId) ?? eventId)
    return this.read('read an event', (db) => {
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
    })
  }

  /**
   * Record feedback on an event: `helpful` / `not-helpful` (about the answer given), `picked`
   * (the option the user chose after `clarify`; must be one of the offered options) or
   * `resolved` (the entry a person used after an escalation). The comment is stored through the
   * log's redaction, like queries. Throws `INVALID_INPUT` for an unknown event or entry,
   * `LOG_STORE` when the store is unusable.
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
    const comment = 'comment' in fb && fb.comment !== undefined ? fb.comment : null
    const info = this.read(
      'store feedback',
      (db) =>
        db
          .prepare('INSERT INTO feedback (event_id, ts, kind, entry, comment) VALUES (?, ?, ?, ?, ?)')
          .run(Number(event.id), at, fb.kind, entryId ? this.entryKey(db, entryId) : null, comment === null ? null : this.redactText(comment)),
      false,
    )
    return { feedbackId: Number(info.lastInsertRowid), eventId, kind: fb.kind, entryId }
  }

  private range(from: number, to: number): [number, number] {
    return [Math.max(0, Math.floor(from)) * ID_SHIFT, Math.floor(to) * ID_SHIFT - 1]
  }

  /** First and last event time and the number of events (flushes first). */
  coverage(): { first: number | null; last: number | null; events: number } {
    const r = this.read('read the log coverage', (db) => db.prepare('SELECT min(id) lo, max(id) hi, count(*) n FROM events').get() as { lo: number | null; hi: number | null; n: number })
    return { first: r.lo === null ? null : Math.floor(r.lo / ID_SHIFT), last: r.hi === null ? null : Math.floor(r.hi / ID_SHIFT), events: r.n }
  }

  /** Event counts per time bucket and decision in [from, to). Bucket index = floor((t - from) / bucketMs). */
  timeline(from: number, to: number, bucketMs: number): { bucket: number; decision: DecisionKind; count: number }[] {
    const [lo, hi] = this.range(from, to)
    const rows = this.read('read the timeline', (db) =>
      db
        .prepare('SELECT CAST(((id >> 10) - ?) / ? AS INTEGER) AS b, decision AS d, count(*) AS n FROM events WHERE id BETWEEN ? AND ? GROUP BY b, d ORDER BY b')
        .all(Math.floor(from), Math.floor(bucketMs), lo, hi) as { b: number; d: number; n: number }[],
    )
    return rows.map((r) => ({ bucket: r.b, decision: DECISIONS[r.d], count: r.n }))
  }

  /** Per-entry counters over [from, to): top candidate, answers, offered, picked, resolved, (not) helpful, last hit. */
  entryCounts(from: number, to: number): Map<string, EntryCounts> {
    const [lo, hi] = this.range(from, to)
    return this.read('count hits per entry', (db) => {
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
    })
  }

  /** Number of events per top candidate in [from, to) (the per-entry volume used for surge alerts). */
  topCounts(from: number, to: number): Map<string, number> {
    const [lo, hi] = this.range(from, to)
    const rows = this.read('count events per entry', (db) => db.prepare('SELECT e1 k, count(*) n FROM events WHERE id BETWEEN ? AND ? AND e1 IS NOT NULL GROUP BY e1').all(lo, hi) as { k: number; n: number }[])
    return new Map(rows.map((r) => [this.entryId(r.k)!, r.n]))
  }

  /** How often each pair of entries came back as the top two with a confidence margin ≤ `maxMargin`, in [from, to). */
  closePairs(from: number, to: number, maxMargin: number): { a: string; b: string; count: number }[] {
    const [lo, hi] = this.range(from, to)
    const rows = this.read('read close pairs', (db) =>
      db.prepare('SELECT e1, e2, count(*) n FROM events WHERE id BETWEEN ? AND ? AND e2 IS NOT NULL AND c1 - c2 <= ? GROUP BY e1, e2').all(lo, hi, Math.round(maxMargin * SCALE)) as { e1: number; e2: number; n: number }[],
    )
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
    const [lo, hi] = this.range(from, to)
    const rows = this.read('read unanswered questions', (db) =>
      db
        .prepare('SELECT id, query, query_hash, lang, e1, c1 FROM events WHERE id BETWEEN ? AND ? AND (decision = 2 OR confidence < ?)')
        .all(lo, hi, Math.round(lowConfidence * SCALE)) as { id: number; query: string | null; query_hash: string | null; lang: string; e1: number | null; c1: number | null }[],
    )
    return rows.map((r) => ({ time: Math.floor(r.id / ID_SHIFT), query: r.query, queryHash: r.query_hash, language: r.lang, topId: this.entryId(r.e1), topConfidence: (r.c1 ?? 0) / SCALE }))
  }

  /** Queries users picked or humans resolved, with the entry they went to (raw material for suggestions). */
  resolvedQueries(from = 0, to = Number.MAX_SAFE_INTEGER / ID_SHIFT): { entryId: string; query: string; kind: 'picked' | 'resolved'; time: number }[] {
    const rows = this.read('read resolved questions', (db) =>
      db
        .prepare(
          `SELECT f.kind, f.entry, e.query, f.ts FROM feedback f JOIN events e ON e.id = f.event_id
           WHERE f.kind IN ('picked', 'resolved') AND f.entry IS NOT NULL AND e.query IS NOT NULL AND f.ts >= ? AND f.ts < ?`,
        )
        .all(Math.floor(from), Math.floor(to)) as { kind: 'picked' | 'resolved'; entry: number; query: string; ts: number }[],
    )
    return rows.map((r) => ({ entryId: this.entryId(r.entry)!, query: r.query, kind: r.kind, time: r.ts }))
  }

  /** Suggestions already accepted or rejected, keyed `entryId\u0000query`. */
  suggestionStatus(): Map<string, 'accepted' | 'rejected'> {
    const rows = this.read('read suggestion status', (db) => db.prepare('SELECT entry_id, query, status FROM suggestion_status').all() as { entry_id: string; query: string; status: 'accepted' | 'rejected' }[], false)
    return new Map(rows.map((r) => [`${r.entry_id}\u0000${r.query}`, r.status]))
  }

  /** Mark suggestions accepted or rejected so they are not offered again. */
  setSuggestionStatus(items: { entryId: string; query: string }[], status: 'accepted' | 'rejected', at: number = this.opts.now()): void {
    this.read(
      'update suggestion status',
      (db) => {
        const stmt = db.prepare('INSERT OR REPLACE INTO suggestion_status (entry_id, query, status, ts) VALUES (?, ?, ?, ?)')
        db.transaction(() => {
          for (const it of items) stmt.run(it.entryId, it.query, status, at)
        })()
      },
      false,
    )
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
