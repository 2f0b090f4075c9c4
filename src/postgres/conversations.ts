/**
 * Conversation state in PostgreSQL (`kotae_conversations`), so that any replica behind a load
 * balancer continues a conversation another one started: a clarify answered on one replica, the
 * customer's pick read on the next. It implements the engine's {@link ConversationStore}:
 * `kb.conversation({ sessionId, store })`.
 */
import type { ConversationState, ConversationStore } from '../conversation/store.js'
import { createError } from '../errors.js'
import { openPostgres, storeError, type PostgresDatabase, type PostgresOptions } from './connect.js'
import { storable } from './text.js'

/**
 * Conversation states by session id, as plain JSON (one row each, written with
 * `INSERT … ON CONFLICT DO UPDATE`, so the last turn's state wins). This is live state the bot
 * needs to read the next turn, like the in-memory store's, not the hit log: it holds what the
 * customer typed, unredacted (the turns, the transcript, the customer given to the
 * conversation), and the session id as the caller gave it. Keep it as short as conversations
 * need: {@link prune} deletes the states not updated for a while (run it on a schedule).
 * Failures throw `STORE_UNAVAILABLE` (the conversation's `ask` or `pick` then fails; nothing is half-written).
 */
export class PostgresConversationStore implements ConversationStore {
  /** The store's URL without its password. */
  readonly path: string

  /** A store on an open database (see {@link openPostgresConversationStore}); `ownsPool`: `close` ends the pool. */
  constructor(
    private readonly db: PostgresDatabase,
    private readonly ownsPool = false,
  ) {
    this.path = db.description
  }

  /** The state of a session, or undefined when there is none. */
  async get(sessionId: string): Promise<ConversationState | undefined> {
    try {
      const { rows } = await this.db.pool.query<{ state: ConversationState }>('SELECT state FROM kotae_conversations WHERE session_id = $1', [storable(String(sessionId))])
      return rows[0]?.state
    } catch (err) {
      throw storeError(this.path, 'read a conversation', err)
    }
  }

  /** Store a session's state (replacing the previous one). */
  async put(sessionId: string, state: ConversationState): Promise<void> {
    // U+0000 and lone surrogates, which jsonb refuses, become U+FFFD rather than fail the turn.
    const json = JSON.stringify(state, (_, value: unknown) => (typeof value === 'string' ? storable(value) : value))
    try {
      await this.db.pool.query(
        `INSERT INTO kotae_conversations (session_id, state, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (session_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
        [storable(String(sessionId)), json],
      )
    } catch (err) {
      throw storeError(this.path, 'store a conversation', err)
    }
  }

  /** Delete the states not updated for `olderThanMs` (by the database's clock, the same for every replica); returns how many. */
  async prune(olderThanMs: number): Promise<number> {
    if (typeof olderThanMs !== 'number' || !Number.isFinite(olderThanMs) || olderThanMs < 0) {
      throw createError('INVALID_ARGUMENT', { where: 'PostgresConversationStore.prune', argument: 'olderThanMs', expected: 'a duration in ms, 0 or more', received: String(olderThanMs) })
    }
    try {
      const result = await this.db.pool.query("DELETE FROM kotae_conversations WHERE updated_at < now() - $1::double precision * interval '1 millisecond'", [olderThanMs])
      return result.rowCount ?? 0
    } catch (err) {
      throw storeError(this.path, 'prune conversations', err)
    }
  }

  /** End the pool when this store opened it (a database given to the constructor stays open). */
  async close(): Promise<void> {
    if (this.ownsPool) await this.db.close()
  }
}

/**
 * Open the conversation store of a PostgreSQL store: a `postgres://` URL (connected and migrated
 * with `options`; `close` ends that pool), or a {@link PostgresDatabase} already open (shared
 * with the hit log, say). Throws as {@link openPostgres} does.
 */
export async function openPostgresConversationStore(store: string | PostgresDatabase, options: PostgresOptions = {}): Promise<PostgresConversationStore> {
  if (typeof store !== 'string') return new PostgresConversationStore(store, false)
  return new PostgresConversationStore(await openPostgres(store, options), true)
}
