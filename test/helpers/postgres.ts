/**
 * A database of its own for each PostgreSQL test file, in the run's throwaway cluster
 * (test/global-setup.ts starts it and sets KOTAE_TEST_DATABASE_URL). No vitest import here, so a
 * bench may use it too: a test file calls `freshDatabase()` in `beforeAll` and registers
 * `afterAll(dropDatabases)`. Tests never mock the database.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The run's server, or undefined when none is available (the tests skip: `describe.skipIf(!POSTGRES_URL)`). */
export const POSTGRES_URL: string | undefined = process.env.KOTAE_TEST_DATABASE_URL

const made: string[] = []

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!POSTGRES_URL) throw new Error('no PostgreSQL server for the tests: KOTAE_TEST_DATABASE_URL is not set')
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Create an empty database `kotae_<prefix>_<hex>` and return its URL. */
export async function freshDatabase(prefix = 'test'): Promise<string> {
  const name = `kotae_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  made.push(name)
  return withDatabase(POSTGRES_URL!, name)
}

/** Drop every database {@link freshDatabase} made (disconnecting what is still connected). */
export async function dropDatabases(): Promise<void> {
  const names = made.splice(0)
  if (names.length === 0) return
  await admin(async (c) => {
    for (const name of names) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  })
}
