/**
 * The hit log's SQLite file: its schema and migrations, how a row encodes an event, opening it
 * (folder, WAL and synchronous pragmas, `PRAGMA quick_check`, migration), noticing that it was
 * deleted or replaced, and turning SQLite failures into errors a person can act on. One file per
 * log, versioned with `PRAGMA user_version`; the writer, the queries and the feedback all go
 * through the {@link HitLogStore} connection kept here, so a reopen is seen by all of them.
 */
import type { EventEmitter } from 'node:events'
import { existsSync, mkdirSync, statSync, type BigIntStats } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { createError, KotaeError, type ErrorDetails } from '../errors.js'
import type { DecisionKind, ReasonCode } from '../schema.js'

/** Current schema version (PRAGMA user_version). */
export const HITLOG_SCHEMA_VERSION = 4

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
  // Where a question was asked from, the conversation before it, and reasons this version does
  // not know (stored as text). Older events have no page and no turns (NULL, not 0 omitted).
  3: `
    ALTER TABLE events ADD COLUMN page TEXT;
    ALTER TABLE events ADD COLUMN reason_text TEXT;
    ALTER TABLE events ADD COLUMN turns_omitted INTEGER;
    CREATE TABLE turns (
      event_id INTEGER NOT NULL, n INTEGER NOT NULL,
      role TEXT NOT NULL, text TEXT, text_hash TEXT, at INTEGER, cut INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (event_id, n)
    ) WITHOUT ROWID;
    CREATE INDEX events_page ON events(page, id) WHERE page IS NOT NULL;
  `,
  // Why an editor rejected a suggestion (NULL for decisions recorded before, and for accepts).
  4: `
    ALTER TABLE suggestion_status ADD COLUMN reason TEXT;
  `,
}

/** Decisions as stored (their index in this list). */
export const DECISIONS: DecisionKind[] = ['answer', 'clarify', 'escalate']
/**
 * Reasons as stored (their index in this list; append only). A reason not in the list (one a
 * newer engine gives) is stored as {@link UNKNOWN_REASON} with its text in `reason_text`, so an
 * event is never lost for it. Files of schema 2 and older stored `exact-match` and
 * `uncalibrated` as `confident` (index 0): those events cannot be told apart afterwards.
 */
export const REASONS: readonly string[] = Object.freeze([
  'confident', 'ambiguous', 'low-confidence', 'out-of-scope', 'empty-query',
  // schema 3:
  'exact-match', 'uncalibrated', 'skill-failed', 'picked', 'unclear-pick', 'missing-data',
] satisfies ReasonCode[])
/** The stored `reason` of an event whose reason is not in {@link REASONS} (its text is in `reason_text`). */
export const UNKNOWN_REASON = -1
/** Longest reason text stored for a reason not in {@link REASONS}. */
export const MAX_REASON_TEXT = 64
/** Confidences and scores are stored as integers in units of 1e-4 (compact rows: the log holds millions). */
export const SCALE = 10_000
/**
 * Event ids are `time_ms * 1024 + n`: time-ordered, and a time range is an id range (see
 * `writer.ts` for how each writer numbers the events of one millisecond).
 */
export const ID_SHIFT = 1024
/** Event times must keep ids below 2^53 (year 2248). */
export const MAX_TIME = Math.floor(Number.MAX_SAFE_INTEGER / ID_SHIFT)
/** `meta` key of the log's own hash salt (hash mode without a caller's salt). */
export const META_SALT = 'hash_salt'
/** `meta` key counting the writers that opened the file (spreads their event ids apart). */
export const META_WRITERS = 'writers'

/** The id range of the events in [from, to) (times in ms). */
export function idRange(from: number, to: number): [number, number] {
  return [Math.max(0, Math.floor(from)) * ID_SHIFT, Math.floor(to) * ID_SHIFT - 1]
}

/** The time (ms) an event id encodes. */
export const idTime = (id: number): number => Math.floor(id / ID_SHIFT)

/** The message of an exception, without a final period. */
export const causeText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\.$/, '')

/** SQLite's error code (`SQLITE_BUSY`...) of an exception, if it is one. */
export function sqliteCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

/** A damaged or foreign file: SQLite's CORRUPT and NOTADB codes (with their extended forms). */
export function isDamaged(code: string | undefined): boolean {
  return !!code && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'))
}

/** How to recover from a damaged file (kotae never deletes a log). */
export const DAMAGED_ADVICE = 'The file is damaged or is not a hit log: move it away (kotae never deletes it); a new, empty log is then created at this path on the next open.'

/**
 * Why events were lost: `queue-full` (the store kept failing and the queue reached `maxQueue`;
 * the oldest were dropped), `write-failed` (writes kept failing for `retryForMs`, or still failed
 * when the log was closed), `store-gone` (the file was deleted or replaced while open: the events
 * this process had written to it are no longer in the log at its path).
 */
export type DropReason = 'queue-full' | 'write-failed' | 'store-gone'

/**
 * `details` of the `LOG_STORE` errors the hit log reports through `onError` (and throws from
 * reads): the catalogue's `LOG_STORE` details (`reason` and `hint` are the text; `dropped` is the
 * number of events lost by this report, 0 when nothing was lost, e.g. a failed write whose events
 * stay queued; `queued` the events still waiting; `sqliteCode` when SQLite failed), plus
 * `incident` for losses (a {@link DropReason}) and `id-reassigned` when events were stored under
 * new ids.
 */
export type HitLogErrorDetails = ErrorDetails['LOG_STORE'] & {
  queued: number
  incident?: DropReason | 'id-reassigned'
}

/** A `LOG_STORE` error of the hit log. */
export function logStoreError(details: HitLogErrorDetails, cause?: unknown): KotaeError<'LOG_STORE'> {
  return createError('LOG_STORE', details, cause === undefined ? undefined : { cause })
}

/**
 * Hand a hit log's failure or loss to `onError`, else to its 'error' listeners, else to a process
 * warning (both hit logs report this way). Never throws: a throwing handler must not break logging.
 */
export function deliverLogError(log: EventEmitter, onError: ((error: KotaeError) => void) | undefined, err: KotaeError): void {
  try {
    if (onError) onError(err)
    else if (log.listenerCount('error') > 0) log.emit('error', err)
    else process.emitWarning(err.message, { code: 'KOTAE_LOG_STORE' })
  } catch {
    /* a throwing error handler must not break logging either */
  }
}

/** The `LOG_STORE` error for `dropped` events lost because the queue was full (`queue-full`), with the write failure that filled it. */
export function queueFullError(path: string, dropped: number, maxQueue: number, lastCause: string, queued: number): KotaeError<'LOG_STORE'> {
  return logStoreError({
    path,
    reason: `${dropped} event(s) were dropped: the queue of events waiting to be written is full (maxQueue ${maxQueue}) because they cannot be written (last error: ${lastCause || 'none yet'})`,
    hint: 'the oldest are dropped first',
    dropped,
    incident: 'queue-full',
    queued,
  })
}

/** Sentences joined with a space (empty ones left out). */
export const sentences = (...parts: string[]): string => parts.filter((p) => p !== '').join(' ')

/** What a person can do about a SQLite failure, as a sentence ('' when nothing specific). */
function adviceFor(code: string | undefined, reason: string): string {
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code?.startsWith('SQLITE_BUSY_') || code?.startsWith('SQLITE_LOCKED_')) return 'Another process holds a lock on the file.'
  if (isDamaged(code)) return DAMAGED_ADVICE
  if (code === 'SQLITE_FULL') return 'The disk is full.'
  if (code?.startsWith('SQLITE_CANTOPEN') || code?.startsWith('SQLITE_READONLY') || /directory does not exist/.test(reason)) return 'Check that the folder exists and is writable.'
  if (code?.startsWith('SQLITE_IOERR')) return 'The disk or file system failed.'
  return ''
}

/**
 * Turn an exception into a `LOG_STORE` error a person can act on: `action` is what failed
 * (`cannot write 3 queued event(s)`), `context` says what happens to the events. A kotae error
 * is kept as it is, with `context` added to its hint when it has one.
 */
export function storeError(action: string, path: string, cause: unknown, context = '', details: Partial<HitLogErrorDetails> = {}): KotaeError {
  if (cause instanceof KotaeError) {
    if (!context || cause.code !== 'LOG_STORE') return cause
    const d = cause.details as HitLogErrorDetails
    return logStoreError({ ...d, ...details, hint: sentences(d.hint, context) }, cause.cause)
  }
  const reason = causeText(cause)
  const code = sqliteCode(cause)
  return logStoreError({ path, reason: `${action}: ${reason}`, hint: sentences(adviceFor(code, reason), context), dropped: 0, queued: 0, ...(code === undefined ? {} : { sqliteCode: code }), ...details }, cause)
}

/** Apply pending migrations inside one transaction; refuse files written by a newer kotae (`LOG_VERSION`). */
export function migrateHitLog(db: Database.Database, path = db.name): number {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > HITLOG_SCHEMA_VERSION) throw createError('LOG_VERSION', { path, version, supported: HITLOG_SCHEMA_VERSION })
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

/**
 * Entry ids interned as small integer keys (the `entry_keys` table), so an event row holds six
 * integers instead of six strings. Cached both ways; the cache is dropped when the file changes.
 */
export class EntryKeys {
  private readonly keys = new Map<string, number>()
  private readonly ids = new Map<number, string>()

  /** The key of an entry id, stored on first use (inside the caller's transaction). */
  key(db: Database.Database, id: string): number {
    let key = this.keys.get(id)
    if (key === undefined) {
      db.prepare('INSERT OR IGNORE INTO entry_keys (id) VALUES (?)').run(id)
      key = (db.prepare('SELECT key FROM entry_keys WHERE id = ?').get(id) as { key: number }).key
      this.keys.set(id, key)
      this.ids.set(key, id)
    }
    return key
  }

  /** The entry id of a key (`#key` when the file does not know it); null for no key. */
  id(db: Database.Database | null, key: number | null): string | null {
    if (key === null || key === undefined) return null
    let id = this.ids.get(key)
    if (id === undefined && db) {
      const row = db.prepare('SELECT id FROM entry_keys WHERE key = ?').get(key) as { id: string } | undefined
      id = row?.id ?? `#${key}`
      this.ids.set(key, id)
    }
    return id ?? `#${key}`
  }

  /** Read every key of the file into the cache. */
  load(db: Database.Database): void {
    for (const row of db.prepare('SELECT key, id FROM entry_keys').all() as { key: number; id: string }[]) {
      this.keys.set(row.id, row.key)
      this.ids.set(row.key, row.id)
    }
  }

  /** Forget the cache (another file, or keys learnt in a rolled-back transaction). */
  clear(): void {
    this.keys.clear()
    this.ids.clear()
  }
}

/** What the store needs from the log around it: where failures go and what happens to the queued events. */
export interface StoreHooks {
  /** Report a failure or a loss (never throws). */
  report(error: KotaeError): void
  /** Events waiting to be written (for error details). */
  queued(): number
  /** What happens to queued events while the store fails, appended to failure reports ('' when closing). */
  keptNote(): string
  /** Runs inside every successful open, before the file is in use (the log's salt, the writer's number). */
  opened(db: Database.Database): void
  /** `n` events written to a file that was then deleted or replaced are lost. */
  lost(n: number): void
}

const monotonic = () => performance.now()

/**
 * The connection to one hit-log file, reopened after failures. Opening creates the folder only
 * the first time: a knowledge-base folder removed while serving is not brought back with nothing
 * but a log in it. A damaged file or an I/O failure closes the connection; the next open runs
 * the quick check again.
 */
export class HitLogStore {
  /** The open database; null while the store is failing. */
  db: Database.Database | null = null
  /** The entry keys of the open file. */
  readonly keys = new EntryKeys()
  /** Monotonic time of the last open attempt. */
  lastOpenAttempt = -Infinity
  /** Why the last open failed (thrown by explicit calls while the store is down). */
  openError: KotaeError | null = null
  /** The underlying reason of the last store failure, for loss reports. */
  lastCause = ''
  /** Identity of the open file, to notice it being deleted or replaced. */
  private file: { dev: bigint; ino: bigint } | null = null
  /** Events this process wrote to the open file (lost with it if it is deleted). */
  private writtenToFile = 0

  constructor(
    readonly path: string,
    private readonly options: { busyTimeoutMs: number; quickCheck: boolean },
    private readonly hooks: StoreHooks,
  ) {}

  /** Open the file; on failure keep the error in {@link openError} and report it when `reportFailure`. */
  tryOpen(create: boolean, reportFailure: boolean): boolean {
    this.lastOpenAttempt = monotonic()
    let db: Database.Database | null = null
    try {
      const folder = dirname(this.path)
      if (create) mkdirSync(folder, { recursive: true })
      else if (!existsSync(folder)) {
        throw logStoreError({ path: this.path, reason: `cannot be opened: its folder ${folder} no longer exists (removed while the log was open?) and is not recreated`, hint: '', dropped: 0, queued: this.hooks.queued() })
      }
      const existed = (statSync(this.path, { throwIfNoEntry: false })?.size ?? 0) > 0
      db = new Database(this.path, { timeout: this.options.busyTimeoutMs })
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      if (existed && this.options.quickCheck) {
        let rows: string[]
        try {
          rows = (db.pragma('quick_check(3)') as Record<string, string>[]).map((r) => Object.values(r)[0])
        } catch (err) {
          if (!isDamaged(sqliteCode(err))) throw err
          rows = [causeText(err)]
        }
        if (rows.length !== 1 || rows[0] !== 'ok') {
          throw logStoreError({ path: this.path, reason: `the file is damaged (PRAGMA quick_check: ${rows.join('; ')})`, hint: DAMAGED_ADVICE, dropped: 0, queued: this.hooks.queued(), sqliteCode: 'SQLITE_CORRUPT' })
        }
      }
      migrateHitLog(db, this.path)
      this.hooks.opened(db)
      this.keys.clear()
      this.keys.load(db)
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
      this.openError = storeError('cannot be opened', this.path, err, reportFailure ? this.hooks.keptNote() : '', { queued: this.hooks.queued() })
      if (reportFailure) this.hooks.report(this.openError)
      return false
    }
  }

  /** Count events written to the open file (they are lost with it if it is deleted). */
  wrote(n: number): void {
    this.writtenToFile += n
  }

  /** Whether the file at `path` is no longer the one that is open (deleted, moved or replaced). */
  changed(): boolean {
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
  gone(): void {
    const lost = this.writtenToFile
    this.closeDb()
    this.file = null
    this.writtenToFile = 0
    this.keys.clear()
    if (lost > 0) this.hooks.lost(lost)
    const folderThere = existsSync(dirname(this.path))
    this.lastCause = 'the file was deleted or replaced'
    const what = lost > 0 ? `the ${lost} event(s) this process had written to it are no longer in the log at this path (deleted with the file, or moved away with it)` : 'nothing this process wrote to it was lost'
    const next = folderThere ? 'a new log is started at the same path' : `its folder ${dirname(this.path)} no longer exists and is not recreated`
    this.hooks.report(
      logStoreError({ path: this.path, reason: `the file was deleted or replaced while open: ${what}; ${next}`, hint: folderThere ? '' : this.hooks.keptNote(), dropped: lost, incident: 'store-gone', queued: this.hooks.queued() }),
    )
    if (folderThere) this.tryOpen(false, true)
    else this.lastOpenAttempt = monotonic()
  }

  /** Map a failure while using the open store to a `LOG_STORE` error (`action`: what failed); a damaged file or I/O failure closes it (reopening runs the quick check again). */
  failure(action: string, err: unknown, context = ''): KotaeError {
    const code = sqliteCode(err)
    this.lastCause = causeText(err)
    const e = storeError(action, this.path, err, context, { queued: this.hooks.queued() })
    if (isDamaged(code) || code?.startsWith('SQLITE_IOERR')) {
      this.closeDb()
      this.file = null
      this.openError = e
    }
    return e
  }

  /** Close the connection (the file stays). */
  closeDb(): void {
    try {
      this.db?.close()
    } catch {
      /* ignore */
    }
    this.db = null
  }
}
