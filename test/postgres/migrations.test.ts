import { afterAll, describe, expect, it } from 'vitest'
import { isKotaeError } from '../../src/errors.js'
import { openPostgres } from '../../src/postgres/connect.js'
import { STORE_SCHEMA_VERSION } from '../../src/postgres/migrations.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'

afterAll(dropDatabases)

describe.skipIf(!POSTGRES_URL)('PostgreSQL store schema (a real server)', () => {
  it('creates the schema on an empty database, once, even when replicas open it together', async () => {
    const url = await freshDatabase('migrate')
    const dbs = await Promise.all([1, 2, 3, 4].map(() => openPostgres(url, { poolSize: 2 })))
    const { rows } = await dbs[0]!.pool.query('SELECT version FROM kotae_schema_version ORDER BY version')
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: STORE_SCHEMA_VERSION }, (_, i) => i + 1))
    const tables = await dbs[0]!.pool.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'kotae_%' ORDER BY 1")
    expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(['kotae_events', 'kotae_feedback', 'kotae_suggestions', 'kotae_conversations', 'kotae_generations', 'kotae_generation_files', 'kotae_current_generation']))
    await Promise.all(dbs.map((db) => db.close()))
  })

  it('refuses a database a newer kotae migrated, without writing to it', async () => {
    const url = await freshDatabase('newer')
    const db = await openPostgres(url)
    await db.pool.query('INSERT INTO kotae_schema_version (version) VALUES ($1)', [STORE_SCHEMA_VERSION + 1])
    await db.close()
    const err = await openPostgres(url).catch((e: unknown) => e)
    expect(isKotaeError(err, 'STORE_VERSION')).toBe(true)
    expect((err as Error).message).toContain(`schema version ${STORE_SCHEMA_VERSION + 1}`)
    expect((err as Error).message).not.toContain('password')
  })

  it('names the server without its password when it cannot be reached', async () => {
    const err = await openPostgres('postgres://kotae:s3cret@127.0.0.1:1/none', { connectTimeoutMs: 2000 }).catch((e: unknown) => e)
    expect(isKotaeError(err, 'STORE_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).toContain('127.0.0.1:1')
    expect((err as Error).message).not.toContain('s3cret')
  })

  it('refuses a URL that is not PostgreSQL', async () => {
    const err = await openPostgres('mysql://x/y').catch((e: unknown) => e)
    expect(isKotaeError(err, 'INVALID_OPTIONS')).toBe(true)
  })
})
