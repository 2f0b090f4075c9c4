/**
 * The connection to a PostgreSQL store: one pool per process, the schema migrated on open (under
 * an advisory lock, so replicas starting together migrate once), and failures turned into
 * `STORE_UNAVAILABLE` / `STORE_VERSION` errors that name the database without its password.
 * The hit log (`hitlog.ts`), the conversations (`conversations.ts`) and the knowledge-base
 * generations (`generations.ts`) all use the same {@link PostgresDatabase}.
 */
import pg from 'pg'
import { z } from 'zod'
import { createError, KotaeError } from '../errors.js'
import { parseOptions } from '../schema.js'
import { migrate } from './migrations.js'

/** Options of {@link openPostgres}: the pool's size and timeouts. */
export const PostgresOptionsSchema = z.strictObject({
  /** Most connections this process opens (the pool's `max`). */
  poolSize: z.number().int().min(1).max(100).default(10),
  /** How long to wait for a connection, ms, before a query fails (the store is then reported unavailable). */
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /** How long one statement may run, ms (PostgreSQL's `statement_timeout`; 0: no limit). */
  statementTimeoutMs: z.number().int().nonnegative().default(30_000),
  /** Name this process gives its connections (`application_name`), seen in `pg_stat_activity`. */
  applicationName: z.string().min(1).max(63).default('kotae'),
  /** Migrate the schema on open (off only for a helper connection of a process that already did: a replica's fetch thread). */
  migrate: z.boolean().default(true),
})
/** Options of {@link openPostgres} (see {@link PostgresOptionsSchema}). */
export type PostgresOptions = z.input<typeof PostgresOptionsSchema>
/** The defaults of {@link PostgresOptionsSchema}. */
export const DEFAULT_POSTGRES_OPTIONS = Object.freeze(PostgresOptionsSchema.parse({}))

/** Whether a store argument is a PostgreSQL URL (`postgres://` or `postgresql://`). */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value)
}

/** The URL without its password, for messages and logs. */
export function describeStore(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'postgres://(unparsable URL)'
  }
}

/** A `STORE_UNAVAILABLE` error for a failed connection or query, with what to check. */
export function storeError(store: string, what: string, cause: unknown): KotaeError {
  if (cause instanceof KotaeError) return cause
  const err = cause as { code?: string; message?: string }
  const pgCode = typeof err?.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined
  const refused = err?.code === 'ECONNREFUSED' || err?.code === 'ENOTFOUND' || err?.code === 'ETIMEDOUT' || /timeout|terminat|Connection/i.test(err?.message ?? '')
  const hint = refused ? 'check that the server is running and the URL (host, port, database, user) is right' : 'see the PostgreSQL message; the store was not changed by this failed statement'
  return createError('STORE_UNAVAILABLE', { store, reason: `cannot ${what}: ${err?.message ?? String(cause)}`, hint, ...(pgCode ? { pgCode } : {}) }, { cause })
}

/** An open PostgreSQL store: the pool, its description and `close`. */
export interface PostgresDatabase {
  /** The URL without its password. */
  readonly description: string
  /** The URL, for clients that need a connection of their own (LISTEN). */
  readonly url: string
  readonly pool: pg.Pool
  /** Run `fn` in one transaction on one connection (BEGIN … COMMIT, ROLLBACK on a throw). */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>
  /** Close the pool (waits for the queries running). */
  close(): Promise<void>
}

/**
 * Connect to a PostgreSQL store and migrate its schema to this version (creating it on an empty
 * database). Throws `INVALID_OPTIONS` for bad options or a URL that is not `postgres://`,
 * `STORE_UNAVAILABLE` when the server cannot be reached, `STORE_VERSION` when a newer kotae
 * migrated it.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresDatabase> {
  const opts = parseOptions(PostgresOptionsSchema, options, 'openPostgres')
  if (typeof url !== 'string' || !isPostgresUrl(url)) {
    throw createError('INVALID_OPTIONS', { where: 'openPostgres', problems: [{ path: 'url', message: `expected a postgres:// or postgresql:// URL, got ${JSON.stringify(typeof url === 'string' ? describeStore(url) : url)}` }] })
  }
  const description = describeStore(url)
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    statement_timeout: opts.statementTimeoutMs || undefined,
    application_name: opts.applicationName,
  })
  // An idle connection the server dropped (restart, network) is an event, not a crash: the next query reconnects.
  pool.on('error', () => {})
  const transaction = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  }
  try {
    if (opts.migrate) await transaction((client) => migrate(client, description))
    else await pool.query('SELECT 1')
  } catch (err) {
    await pool.end().catch(() => {})
    throw storeError(description, 'open the store', err)
  }
  return { description, url, pool, transaction, close: () => pool.end() }
}
