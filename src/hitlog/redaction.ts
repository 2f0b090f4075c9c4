/**
 * How one hit log redacts what customers typed (queries, session ids, feedback comments): the
 * configured redactor, except in `hash` mode without a salt, where the salt is the log file's own
 * (generated once and kept in its `meta` table) and is only known once the file is open.
 */
import type Database from 'better-sqlite3'
import { createRedactor, generateSalt, type RedactedQuery, type RedactionOptions, type Redactor } from '../privacy/redact.js'
import { logStoreError, META_SALT } from './store.js'

/** The redaction of one log (see the module comment). */
export class LogRedaction {
  /** Hash mode without a salt: the salt is the log file's own, read (or created) when it is opened. */
  readonly saltFromFile: boolean
  /** Ready once the salt is known (at once, except for {@link saltFromFile}). */
  private redactor: Redactor | null = null
  /** Redacted session ids (sessions repeat; redaction is the costly part of `record`). Cleared with the redactor. */
  private readonly sessions = new Map<string, string>()

  constructor(private readonly options: RedactionOptions) {
    this.saltFromFile = options.mode === 'hash' && options.salt === undefined
    // Validates the patterns now even when the salt comes from the file later.
    if (this.saltFromFile) createRedactor({ ...options, mode: 'mask', salt: undefined })
    else this.redactor = createRedactor(options)
  }

  /** Whether text can be redacted now (false until the file's salt is read). */
  get ready(): boolean {
    return this.redactor !== null
  }

  /** Take the salt from the file just opened (hash mode without a salt; otherwise nothing to do). */
  opened(db: Database.Database, path: string, queued: number): void {
    if (!this.saltFromFile) return
    this.redactor = createRedactor({ ...this.options, salt: fileSalt(db, path, queued) })
    this.sessions.clear()
  }

  /** Redact a query (only when {@link ready}). */
  query(text: string): RedactedQuery {
    return this.redactor!(text)
  }

  /** Redacted text to store: the masked text, or the hash in `hash` mode. */
  text(text: string): string {
    const r = this.redactor!(text)
    return r.text ?? r.hash ?? ''
  }

  /** A redacted session id (cached: sessions repeat). */
  session(session: string): string {
    let out = this.sessions.get(session)
    if (out === undefined) {
      if (this.sessions.size >= 10_000) this.sessions.clear()
      out = this.text(session)
      this.sessions.set(session, out)
    }
    return out
  }
}

/** The log's hash salt: read from `meta`, or generated and stored on first use (never empty). */
function fileSalt(db: Database.Database, path: string, queued: number): string {
  const get = () => (db.prepare('SELECT value FROM meta WHERE key = ?').get(META_SALT) as { value: string } | undefined)?.value
  let salt = get()
  if (salt === undefined) {
    // OR IGNORE: another process may store its salt first; everyone then uses that one.
    db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(META_SALT, generateSalt())
    salt = get()
  }
  if (!salt) throw logStoreError({ path, reason: 'its meta table has an empty hash salt', hint: 'move the file away to start a new log, or pass redaction.salt', dropped: 0, queued })
  return salt
}
