/**
 * Knowledge-base generations in PostgreSQL, against the run's real server: publish a saved
 * folder, fetch it into a cache folder, load it; refuse a damaged base before writing anything;
 * a republish of the current generation is a no-op, one of an older one a rollback; the store
 * and the cache stay bounded.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadKnowledgeBase, type KnowledgeBase } from '../../src/index.js'
import { openPostgres, type PostgresDatabase } from '../../src/postgres/connect.js'
import { cachedGenerations, currentGeneration, fetchGeneration, listGenerations, publishGeneration } from '../../src/postgres/generations.js'
import { GENERATION_CHANNEL } from '../../src/postgres/migrations.js'
import { generations, kotaeError, miniBase, removeTempDirs, tempDir, views } from '../kb/helpers.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'

afterAll(removeTempDirs)
afterAll(dropDatabases)

/** The generation a saved folder's manifest names. */
function generationOf(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { generation: string }).generation
}

/** Rows in the three generation tables. */
async function rowCounts(db: PostgresDatabase): Promise<number[]> {
  const { rows } = await db.pool.query<{ g: number; f: number; c: number }>(
    'SELECT (SELECT count(*)::int FROM kotae_generations) AS g, (SELECT count(*)::int FROM kotae_generation_files) AS f, (SELECT count(*)::int FROM kotae_current_generation) AS c',
  )
  return [rows[0]!.g, rows[0]!.f, rows[0]!.c]
}

/** Notifications on the generation channel, in the order they came. */
async function notifications(url: string): Promise<{ payloads: string[]; next: (count: number) => Promise<string[]>; close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const payloads: string[] = []
  const waiting: Array<{ count: number; resolve: (p: string[]) => void }> = []
  client.on('notification', (m) => {
    if (m.channel !== GENERATION_CHANNEL) return
    payloads.push(m.payload ?? '')
    for (const w of waiting.splice(0)) {
      if (payloads.length >= w.count) w.resolve([...payloads])
      else waiting.push(w)
    }
  })
  await client.query(`LISTEN ${GENERATION_CHANNEL}`)
  return {
    payloads,
    next: (count) => (payloads.length >= count ? Promise.resolve([...payloads]) : new Promise((resolve) => waiting.push({ count, resolve }))),
    close: () => client.end(),
  }
}

describe.skipIf(!POSTGRES_URL)('knowledge-base generations in PostgreSQL (a real server)', () => {
  let kb: KnowledgeBase
  let url: string
  let db: PostgresDatabase
  /** Save the mini base into a new folder: a new generation each time. */
  const savedBase = async () => {
    const dir = tempDir('kotae-pg-gen-kb-')
    await kb.save(dir)
    return dir
  }

  beforeAll(async () => {
    kb = await miniBase(16)
    url = await freshDatabase('generations')
    db = await openPostgres(url, { poolSize: 4 })
  })
  afterAll(async () => {
    await db?.close()
  })

  it('publishes a saved base, fetches it into a cache folder and loads it: the same answers as the folder', async () => {
    const dir = await savedBase()
    const published = await publishGeneration(db, dir)
    const name = generationOf(dir)
    const listed = readdirSync(join(dir, name))
    expect(published).toMatchObject({ generation: name, files: listed.length, outcome: 'published', removed: [] })
    expect(published.bytes).toBe(listed.reduce((sum, f) => sum + readFileSync(join(dir, name, f)).length, 0))
    expect(await currentGeneration(db)).toBe(name)

    const cache = tempDir('kotae-pg-gen-cache-')
    const fetched = await fetchGeneration(db, 'current', cache)
    expect(fetched).toEqual({ generation: name, dir: join(cache, name), fetched: true })
    expect(readdirSync(fetched.dir).sort()).toEqual([name, 'manifest.json'].sort())
    expect(readdirSync(join(fetched.dir, name)).sort()).toEqual(listed.sort())
    expect(readdirSync(cache).filter((n) => n.startsWith('.'))).toEqual([])

    const fromStore = await loadKnowledgeBase(fetched.dir)
    const fromFolder = await loadKnowledgeBase(dir)
    expect(await views(fromStore)).toEqual(await views(fromFolder))

    // Complete already: reused, not written again.
    expect(await fetchGeneration(db, name, cache)).toEqual({ generation: name, dir: join(cache, name), fetched: false })
  })

  it('refuses a base with a damaged file before writing anything to the store', async () => {
    const empty = await openPostgres(await freshDatabase('damaged'), { poolSize: 2 })
    try {
      const dir = await savedBase()
      const file = join(dir, generationOf(dir), 'lexical.json')
      const data = readFileSync(file)
      data[10] = data[10]! ^ 0x20
      writeFileSync(file, data)
      const err = await kotaeError(() => publishGeneration(empty, dir))
      expect(err.code).toBe('KB_CORRUPT')
      expect(err.message).toContain('lexical.json')
      expect(await rowCounts(empty)).toEqual([0, 0, 0])

      const notABase = await kotaeError(() => publishGeneration(empty, tempDir('kotae-pg-gen-empty-')))
      expect(notABase.code).toBe('KB_NOT_FOUND')
      expect(await rowCounts(empty)).toEqual([0, 0, 0])
    } finally {
      await empty.close()
    }
  })

  it('republishing the current generation is a no-op; publishing an older one makes it current again (rollback)', async () => {
    const listen = await notifications(url)
    try {
      const a = await savedBase()
      const b = await savedBase()
      const [ga, gb] = [generationOf(a), generationOf(b)]
      expect((await publishGeneration(db, a)).outcome).toBe('published')
      const before = await rowCounts(db)
      const again = await publishGeneration(db, a)
      expect(again).toMatchObject({ generation: ga, outcome: 'already-current', removed: [] })
      expect(await rowCounts(db)).toEqual(before)

      expect((await publishGeneration(db, b)).outcome).toBe('published')
      expect(await currentGeneration(db)).toBe(gb)
      const rollback = await publishGeneration(db, a)
      expect(rollback).toMatchObject({ generation: ga, outcome: 'reactivated' })
      expect(await currentGeneration(db)).toBe(ga)
      // Notifications come in commit order: the no-op sent none.
      expect(await listen.next(3)).toEqual([ga, gb, ga])
      const stored = await listGenerations(db)
      expect(stored.filter((g) => g.current).map((g) => g.name)).toEqual([ga])
      expect(stored.map((g) => g.name)).toEqual(expect.arrayContaining([ga, gb]))
    } finally {
      await listen.close()
    }
  })

  it('keeps the last generations (the current and the one it replaced first) and deletes older ones with their files', async () => {
    const store = await openPostgres(await freshDatabase('keep'), { poolSize: 2 })
    try {
      const dirs = [await savedBase(), await savedBase(), await savedBase()]
      const names = dirs.map(generationOf)
      await publishGeneration(store, dirs[0]!, { keep: 2 })
      await publishGeneration(store, dirs[1]!, { keep: 2 })
      const third = await publishGeneration(store, dirs[2]!, { keep: 2 })
      expect(third.removed).toEqual([names[0]])
      expect((await listGenerations(store)).map((g) => g.name).sort()).toEqual([names[1], names[2]].sort())
      const { rows } = await store.pool.query('SELECT DISTINCT generation FROM kotae_generation_files ORDER BY 1')
      expect(rows.map((r) => r.generation)).toEqual([names[1], names[2]].sort())
      const gone = await kotaeError(() => fetchGeneration(store, names[0]!, tempDir('kotae-pg-gen-cache-')))
      expect(gone.code).toBe('KB_NOT_FOUND')

      // A rollback keeps the generation it replaced, even when it is the newest.
      const rollback = await publishGeneration(store, dirs[1]!, { keep: 2 })
      expect(rollback.outcome).toBe('reactivated')
      expect((await listGenerations(store)).map((g) => g.name).sort()).toEqual([names[1], names[2]].sort())
    } finally {
      await store.close()
    }
  })

  it('refuses a generation damaged in the store without writing it to the cache, and says when none is published', async () => {
    const store = await openPostgres(await freshDatabase('fetchbad'), { poolSize: 2 })
    try {
      const cache = tempDir('kotae-pg-gen-cache-')
      const none = await kotaeError(() => fetchGeneration(store, 'current', cache))
      expect(none.code).toBe('KB_NOT_FOUND')
      expect(none.message).toContain('kotae publish')

      const dir = await savedBase()
      const name = generationOf(dir)
      await publishGeneration(store, dir)
      await store.pool.query("UPDATE kotae_generation_files SET data = overlay(data placing '\\x00'::bytea from 5 for 1) WHERE generation = $1 AND name = 'entries.jsonl'", [name])
      const err = await kotaeError(() => fetchGeneration(store, 'current', cache))
      expect(err.code).toBe('KB_CORRUPT')
      expect(err.message).toContain('entries.jsonl')
      expect(readdirSync(cache)).toEqual([])

      const bad = await kotaeError(() => fetchGeneration(store, '../../etc', cache))
      expect(bad.code).toBe('INVALID_OPTIONS')
    } finally {
      await store.close()
    }
  })

  it('keeps the cache bounded, and fetches again a cached generation that lost a file', async () => {
    const store = await openPostgres(await freshDatabase('cache'), { poolSize: 2 })
    try {
      const cache = tempDir('kotae-pg-gen-cache-')
      const names: string[] = []
      for (let i = 0; i < 4; i++) {
        const dir = await savedBase()
        await publishGeneration(store, dir)
        names.push((await fetchGeneration(store, 'current', cache, { keep: 2, protect: names.slice(0, 1) })).generation)
      }
      // The protected first one, and the newest (the one just fetched).
      expect(generations(cache)).toEqual([names[0], names[3]].sort())
      expect((await cachedGenerations(cache)).map((c) => c.generation)).toEqual(expect.arrayContaining([names[0], names[3]]))

      writeFileSync(join(cache, names[3]!, names[3]!, 'recipe.json'), '{}')
      const again = await fetchGeneration(store, names[3]!, cache, { keep: 2 })
      expect(again.fetched).toBe(true)
      expect(await views(await loadKnowledgeBase(again.dir))).toEqual(await views(kb))
    } finally {
      await store.close()
    }
  })
})
