/**
 * How one hit log redacts what customers typed (queries, pages, conversation turns, session ids,
 * feedback comments): the
 * configured redactor, except in `hash` mode without a salt, where the salt is the log file's own
 * (generated once and kept in its `meta` table) and is only known once the file is open.
 */
import type Database from 'better-sqlite3'
import { createRedactor, generateSalt, type RedactedQuery, type RedactionOptions, type Redactor } from '../privacy/redact.js'
import { cutText, type BoundedTurn, type StoredTurn } from './context.js'
import { logStoreError, META_SALT } from './store.js'

/** Most redacted values cached per kind (sessions, pages and turns repeat within a conversation). */
const CACHE_SIZE = 10_000

/** Most redacted turn texts cached (they are longer: at most about 2,000 × `maxChars` characters held). */
const TURN_CACHE_SIZE = 2_000

/** A value from `cache`, or `make`'s, remembered (the cache is emptied when it holds `size`). */
function cached<V>(cache: Map<string, V>, key: string, make: () => V, size = CACHE_SIZE): V {
  let out = cache.get(key)
  if (out === undefined) {
    if (cache.size >= size) cache.clear()
    out = make()
    cache.set(key, out)
  }
  return out
}

/** The redaction of one log (see the module comment). */
export class LogRedaction {
  /** Hash mode without a salt: the salt is the log file's own, read (or created) when it is opened. */
  readonly saltFromFile: boolean
  /** Ready once the salt is known (at once, except for {@link saltFromFile}). */
  private redactor: Redactor | null = null
  /** Redacted session ids (sessions repeat; redaction is the costly part of `record`). Cleared with the redactor. */
  private readonly sessions = new Map<string, string>()
  /** Redacted pages (few pages take most traffic). Cleared with the redactor. */
  private readonly pages = new Map<string, string>()
  /** Redacted turn texts: each ask of a conversation passes the turns so far again. Cleared with the redactor. */
  private readonly turns = new Map<string, { text: string | null; hash: string | null }>()

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
    this.useSalt(fileSalt(db, path, queued))
  }

  /**
   * Hash mode without a salt: redact with the log's own salt from now on, wherever the store
   * keeps it (the SQLite file's `meta` table, read by {@link opened}; PostgreSQL's `kotae_meta`,
   * shared by every replica). Nothing to do in the other modes.
   */
  useSalt(salt: string): void {
    if (!this.saltFromFile) return
    this.redactor = createRedactor({ ...this.options, salt })
    this.sessions.clear()
    this.pages.clear()
    this.turns.clear()
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
    return cached(this.sessions, session, () => this.text(session))
  }

  /**
   * A normalised page (see `normalisePage`), redacted like a query: masked as a whole (a phone
   * number written with slashes is still one number), verbatim in `none` mode, and in `hash`
   * mode hashed one path segment at a time (`/<hash>/<hash>`), so a page family such as
   * `/products/*` can still be looked up by its hashed root. '' stays ''.
   */
  page(page: string): string {
    if (page === '') return ''
    return cached(this.pages, page, () => {
      const r = this.redactor!(page)
      if (r.text !== null) return r.text
      return page
        .split('/')
        .map((segment) => (segment === '' ? '' : this.redactor!(segment).hash ?? ''))
        .join('/')
    })
  }

  /** A bounded turn, redacted exactly like a query (masked, hashed or verbatim) and then cut to `maxChars`. */
  turn(turn: BoundedTurn, maxChars: number): StoredTurn {
    const r = cached(this.turns, turn.text, () => {
      const red = this.redactor!(turn.text)
      return { text: red.text, hash: red.hash }
    }, TURN_CACHE_SIZE)
    if (r.text === null) return { role: turn.role, text: null, hash: r.hash, at: turn.at, cut: turn.unread }
    const stored = cutText(r.text, maxChars)
    return { role: turn.role, text: stored.text, hash: null, at: turn.at, cut: turn.unread + stored.cut }
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
