/**
 * The PostgreSQL store's schema, versioned: an ordered list of migrations, each applied once in
 * the transaction that opens the store, under an advisory lock (replicas starting together
 * migrate once; the others wait, then see it done). A database migrated by a newer kotae is
 * refused (`STORE_VERSION`), never written. Add a migration at the end; never edit one that
 * has shipped.
 *
 * Tables (all prefixed `kotae_`):
 * - `events`: one row per ask (what the SQLite hit log's events hold: redacted query, decision,
 *   top candidates, context), `feedback` on them, `suggestions` (editors' decisions);
 * - `meta`: the log's salt and other single values;
 * - `conversations`: conversation state by session id (plain JSON);
 * - `generations` / `generation_files` / `current_generation`: the saved knowledge-base
 *   generations as files (bytea, with their SHA-256), and which one replicas serve. Publishing
 *   one sends `NOTIFY kotae_generation, '<name>'`.
 */
import type pg from 'pg'
import { createError } from '../errors.js'

/** The schema version this kotae writes and reads. */
export const STORE_SCHEMA_VERSION = 1

/** The channel a published generation is announced on (payload: the generation's name). */
export const GENERATION_CHANNEL = 'kotae_generation'

/** Advisory-lock key of migrations (any constant; the same for every kotae). */
const MIGRATION_LOCK = 0x6b6f7461

const MIGRATIONS: readonly string[] = [
  // 1: events, feedback, suggestions, meta, conversations, generations.
  `
  CREATE TABLE kotae_meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE kotae_events (
    id text PRIMARY KEY,
    time bigint NOT NULL,
    session_id text,
    channel text,
    page text,
    lang text NOT NULL,
    query text,
    query_hash text,
    decision text NOT NULL,
    reason text NOT NULL,
    confidence double precision NOT NULL,
    latency_ms double precision NOT NULL,
    answer_id text,
    top_id text,
    top jsonb NOT NULL,
    options jsonb NOT NULL,
    turns jsonb,
    turns_omitted integer,
    replica text
  );
  CREATE INDEX kotae_events_time ON kotae_events (time);
  CREATE INDEX kotae_events_top ON kotae_events (top_id, time);
  CREATE INDEX kotae_events_page ON kotae_events (page, time);
  CREATE TABLE kotae_feedback (
    id bigserial PRIMARY KEY,
    event_id text NOT NULL REFERENCES kotae_events (id),
    time bigint NOT NULL,
    kind text NOT NULL,
    entry_id text,
    comment text
  );
  CREATE INDEX kotae_feedback_event ON kotae_feedback (event_id);
  CREATE INDEX kotae_feedback_time ON kotae_feedback (time);
  CREATE TABLE kotae_suggestions (
    entry_id text NOT NULL,
    query text NOT NULL,
    status text NOT NULL,
    time bigint NOT NULL,
    reason text,
    PRIMARY KEY (entry_id, query)
  );
  CREATE TABLE kotae_conversations (
    session_id text PRIMARY KEY,
    state jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX kotae_conversations_updated ON kotae_conversations (updated_at);
  CREATE TABLE kotae_generations (
    name text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    manifest jsonb NOT NULL,
    bytes bigint NOT NULL
  );
  CREATE TABLE kotae_generation_files (
    generation text NOT NULL REFERENCES kotae_generations (name) ON DELETE CASCADE,
    name text NOT NULL,
    sha256 text NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (generation, name)
  );
  CREATE TABLE kotae_current_generation (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    name text NOT NULL REFERENCES kotae_generations (name),
    updated_at timestamptz NOT NULL DEFAULT now()
  );
  `,
]

/**
 * Bring the schema to {@link STORE_SCHEMA_VERSION} inside the caller's transaction. Returns the
 * version found before. Throws `STORE_VERSION` for a database a newer kotae migrated.
 */
export async function migrate(client: pg.PoolClient, store: string): Promise<number> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
  await client.query('CREATE TABLE IF NOT EXISTS kotae_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
  const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM kotae_schema_version')
  const found = rows[0]?.version ?? 0
  if (found > STORE_SCHEMA_VERSION) throw createError('STORE_VERSION', { store, version: found, supported: STORE_SCHEMA_VERSION })
  for (let version = found + 1; version <= STORE_SCHEMA_VERSION; version++) {
    await client.query(MIGRATIONS[version - 1]!)
    await client.query('INSERT INTO kotae_schema_version (version) VALUES ($1)', [version])
  }
  return found
}
