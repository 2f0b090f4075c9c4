/**
 * PostgresGenerationSource against real servers: a publish reaches a watching source through
 * NOTIFY; a generation that cannot be loaded is reported and the old one keeps answering; the
 * poll sees a change made without a notification; and, on a cluster of this file's own, the
 * source survives a database restart and picks up a generation published while it was
 * disconnected. No timing assertions: only generous waits until something happened.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BuiltinEmbedder, buildKnowledgeBase, type KnowledgeBase, type KotaeError } from '../../src/index.js'
import { openPostgres, type PostgresDatabase } from '../../src/postgres/connect.js'
import { publishGeneration } from '../../src/postgres/generations.js'
import { PostgresGenerationSource } from '../../src/postgres/source.js'
import type { ServedGeneration } from '../../src/serve/source.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { ROOT } from '../helpers/cli.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'
import { removeTempDirs, tempDir } from '../helpers/tmp.js'
// @ts-expect-error a plain ESM script without types
import { findPostgresBin, restartCluster, startCluster, stopCluster } from '../../scripts/pg-cluster.mjs'

afterAll(removeTempDirs)
afterAll(dropDatabases)

const generationOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { generation: string }).generation

/** Wait until `check` holds (polled every 50 ms), failing with `what` after a generous minute. */
async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** What a listener was given. */
function recorder() {
  const generations: ServedGeneration[] = []
  const errors: KotaeError[] = []
  return { generations, errors, ids: () => generations.map((g) => g.id), listener: { onGeneration: (g: ServedGeneration) => generations.push(g), onError: (e: KotaeError) => errors.push(e) } }
}

/** Whether a connection named `app` is listening (its last statement was LISTEN). */
async function listening(url: string, app: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'", [app])
    return rows[0]!.n > 0
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

let kb: KnowledgeBase
/** Save the mini base into a new folder: a new generation. */
async function savedBase(base = kb): Promise<string> {
  const dir = tempDir('kotae-pg-source-kb-')
  await base.save(dir)
  return dir
}

beforeAll(async () => {
  kb = await buildKnowledgeBase(MINI_FAQ.slice(0, 16), { embedder: new BuiltinEmbedder({ dimension: 128 }) })
})

describe.skipIf(!POSTGRES_URL)('PostgresGenerationSource (the run\'s server)', () => {
  let url: string
  let db: PostgresDatabase
  beforeAll(async () => {
    url = await freshDatabase('source')
    db = await openPostgres(url, { poolSize: 4 })
  })
  afterAll(async () => {
    await db?.close()
  })

  it('opens the current generation, and loads each one a publish announces before handing it over', async () => {
    const first = await savedBase()
    await publishGeneration(db, first)
    const source = new PostgresGenerationSource(db, { cacheDir: tempDir('kotae-pg-source-cache-'), pollIntervalMs: 3_600_000, listenApplicationName: 'kotae-test-notify' })
    const seen = recorder()
    try {
      const opened = await source.open()
      expect(opened.id).toBe(generationOf(first))
      expect((await opened.kb.ask('いつ届きますか')).decision).toBeDefined()
      source.watch(seen.listener)
      await waitUntil('the source listens', () => listening(url, 'kotae-test-notify'))

      const second = await savedBase()
      await publishGeneration(db, second)
      await waitUntil('the new generation is handed over', () => seen.generations.length > 0)
      expect(seen.ids()).toEqual([generationOf(second)])
      const loaded = seen.generations[0]!
      expect(loaded.kb.entries.length).toBe(16)
      expect((await loaded.kb.ask('いつ届きますか')).candidates[0]!.id).toBe((await kb.ask('いつ届きますか')).candidates[0]!.id)

      // A rollback is announced too.
      await publishGeneration(db, first)
      await waitUntil('the rollback is handed over', () => seen.generations.length > 1)
      expect(seen.ids()).toEqual([generationOf(second), generationOf(first)])
      expect(seen.errors).toEqual([])
    } finally {
      await source.close()
    }
  })

  it('reports a generation it cannot load and keeps the old one; the next good one is loaded', async () => {
    const store = await openPostgres(await freshDatabase('source_bad'), { poolSize: 2 })
    const source = new PostgresGenerationSource(store, { cacheDir: tempDir('kotae-pg-source-cache-'), pollIntervalMs: 3_600_000, listenApplicationName: 'kotae-test-bad', load: { embedder: new BuiltinEmbedder({ dimension: 128 }) } })
    const seen = recorder()
    try {
      await publishGeneration(store, await savedBase())
      await source.open()
      source.watch(seen.listener)
      await waitUntil('the source listens', () => listening(store.url, 'kotae-test-bad'))
      const other = await buildKnowledgeBase(MINI_FAQ.slice(0, 16), { embedder: new BuiltinEmbedder({ dimension: 64 }) })
      await publishGeneration(store, await savedBase(other))
      await waitUntil('the failed load is reported', () => seen.errors.length > 0)
      expect(seen.errors[0]!.code).toBe('EMBEDDER_MISMATCH')
      expect(seen.generations).toEqual([])

      const good = await savedBase()
      await publishGeneration(store, good)
      await waitUntil('the good generation is handed over', () => seen.generations.length > 0)
      expect(seen.ids()).toEqual([generationOf(good)])
    } finally {
      await source.close()
      await store.close()
    }
  })

  it('sees a generation made current without a notification on its poll', async () => {
    const store = await openPostgres(await freshDatabase('source_poll'), { poolSize: 2 })
    const source = new PostgresGenerationSource(store, { cacheDir: tempDir('kotae-pg-source-cache-'), pollIntervalMs: 100, listenApplicationName: 'kotae-test-poll' })
    const seen = recorder()
    try {
      const a = await savedBase()
      const b = await savedBase()
      await publishGeneration(store, a)
      await publishGeneration(store, b)
      expect((await source.open()).id).toBe(generationOf(b))
      source.watch(seen.listener)
      await store.pool.query('UPDATE kotae_current_generation SET name = $1', [generationOf(a)])
      await waitUntil('the poll hands the generation over', () => seen.generations.length > 0)
      expect(seen.ids()).toEqual([generationOf(a)])
    } finally {
      await source.close()
      await store.close()
    }
  })

  it('says what to do when nothing was published yet', async () => {
    const source = new PostgresGenerationSource(await freshDatabase('source_empty'), { cacheDir: tempDir('kotae-pg-source-cache-') })
    try {
      const err = (await source.open().catch((e: unknown) => e)) as KotaeError
      expect(err.code).toBe('KB_NOT_FOUND')
      expect(err.message).toContain('kotae publish')
    } finally {
      await source.close()
    }
  })
})

describe.skipIf(!findPostgresBin())('PostgresGenerationSource across a database restart (a cluster of its own)', () => {
  let cluster: { url: string; dir: string }
  let url: string
  beforeAll(async () => {
    // The cluster's folder must be reachable by the `postgres` user, which the run's own temp
    // folder (mode 0700) is not: make it in the system temp folder (stopCluster removes it).
    const runTmp = process.env.TMPDIR
    process.env.TMPDIR = dirname(tmpdir())
    try {
      cluster = await startCluster({ fast: true })
    } finally {
      process.env.TMPDIR = runTmp
    }
    const admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    await admin.query('CREATE DATABASE kotae_restart')
    await admin.end()
    url = cluster.url.replace(/\/postgres$/, '/kotae_restart')
  })
  afterAll(() => {
    if (cluster) stopCluster(cluster)
  })

  it('reconnects after a restart, picks up later publishes, and one published while it was disconnected', async () => {
    const cache = tempDir('kotae-pg-source-cache-')
    await publishGeneration(url, await savedBase())
    // A URL: the source opens (and closes) the store itself; the poll is out of the way.
    const source = new PostgresGenerationSource(url, { cacheDir: cache, pollIntervalMs: 3_600_000, listenApplicationName: 'kotae-test-restart' })
    const seen = recorder()
    try {
      await source.open()
      source.watch(seen.listener)
      await waitUntil('the source listens', () => listening(url, 'kotae-test-restart'))

      restartCluster(cluster)
      await waitUntil('the source listens again after the restart', () => listening(url, 'kotae-test-restart'))
      const afterRestart = await savedBase()
      await publishGeneration(url, afterRestart)
      await waitUntil('the publish after the restart is handed over', () => seen.generations.length > 0)
      expect(seen.ids()).toEqual([generationOf(afterRestart)])

      // Restart and publish while this process's event loop is blocked: the source is
      // disconnected the whole time, so the notification cannot reach it; it must read the
      // current generation once it is listening again.
      const whileDown = await savedBase()
      restartCluster(cluster)
      execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'publish', whileDown, '--store', url], { cwd: ROOT, stdio: 'pipe' })
      await waitUntil('the generation published while disconnected is handed over', () => seen.generations.length > 1)
      expect(seen.ids()).toEqual([generationOf(afterRestart), generationOf(whileDown)])

      // Each outage was reported as the store being unavailable, nothing else.
      expect(seen.errors.length).toBeGreaterThan(0)
      expect(new Set(seen.errors.map((e) => e.code))).toEqual(new Set(['STORE_UNAVAILABLE']))
    } finally {
      await source.close()
    }
  })

  it('starts from its cache while the store cannot be reached, and reports the outage', async () => {
    const cache = tempDir('kotae-pg-source-cache-')
    const served = new PostgresGenerationSource(url, { cacheDir: cache })
    const first = await served.open()
    await served.close()

    // The server is gone (a port nothing listens on stands in for it).
    const down = new PostgresGenerationSource(url.replace(/:(\d+)\//, ':1/'), { cacheDir: cache, postgres: { connectTimeoutMs: 1000 }, reconnectMaxMs: 200 })
    const seen = recorder()
    try {
      const opened = await down.open()
      expect(opened.id).toBe(first.id)
      down.watch(seen.listener)
      const fromCache = () => seen.errors.find((e) => e.message.includes(`answering from the cached generation ${first.id}`))
      await waitUntil('the outage is reported', () => fromCache() !== undefined)
      expect(new Set(seen.errors.map((e) => e.code))).toEqual(new Set(['STORE_UNAVAILABLE']))
      expect(seen.generations).toEqual([])
    } finally {
      await down.close()
    }
  })
})
