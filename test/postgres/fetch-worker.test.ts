/**
 * The compiled package fetches generations in a worker thread (`dist/postgres/fetch-worker.js`;
 * from the TypeScript sources the fetch runs on the calling thread, which the other tests cover).
 * Against the run's real server: the thread writes a loadable folder, and its errors come back
 * with their codes and details. Needs `npm run build` (the CLI tests need it too).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, saveMiniBase } from '../helpers/cli.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'
import { removeTempDirs, tempDir } from '../helpers/tmp.js'

afterAll(removeTempDirs)
afterAll(dropDatabases)

const DIST = join(ROOT, 'dist', 'postgres')

describe.skipIf(!POSTGRES_URL)('fetching a generation in a worker thread (the compiled package)', () => {
  it('writes the current generation into the cache as a loadable base, reports a damaged one by its code, and keeps serving jobs', async () => {
    expect(existsSync(join(DIST, 'fetch-worker-entry.js')), 'run `npm run build` first').toBe(true)
    const { FetchThread } = (await import(join(DIST, 'fetch-worker.js'))) as typeof import('../../src/postgres/fetch-worker.js')
    const { openPostgres, publishGeneration } = (await import(join(DIST, 'index.js'))) as typeof import('../../src/postgres/index.js')
    const { loadKnowledgeBase } = (await import(join(ROOT, 'dist', 'index.js'))) as typeof import('../../src/index.js')
    const url = await freshDatabase('fetchworker')
    const kbDir = tempDir('kotae-fetch-worker-kb-')
    await saveMiniBase(kbDir)
    const db = await openPostgres(url)
    const thread = new FetchThread(db)
    try {
      const { generation } = await publishGeneration(db, kbDir)
      const cache = tempDir('kotae-fetch-worker-cache-')
      const fetched = await thread.fetch('current', cache, { keep: 3, protect: [] })
      expect(fetched).toEqual({ generation, dir: join(cache, generation), fetched: true })
      const kb = await loadKnowledgeBase(fetched.dir)
      expect((await kb.ask('주문하면 며칠 만에 배송되나요?')).candidates[0]!.id).toBe('delivery-time-ko')
      expect(await thread.fetch(generation, cache, { keep: 3, protect: [] })).toMatchObject({ fetched: false })

      await db.pool.query("UPDATE kotae_generation_files SET data = 'x'::bytea WHERE name = 'entries.jsonl'")
      const err = await thread.fetch(generation, tempDir('kotae-fetch-worker-cache-'), { keep: 3, protect: [] }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'KB_CORRUPT' })
      expect((err as Error).message).toContain('entries.jsonl')
      // The thread outlives a failed job: the next fetch goes through it again.
      expect(await thread.fetch('current', cache, { keep: 3, protect: [] })).toMatchObject({ generation, fetched: false })
    } finally {
      await thread.close()
      await db.close()
    }
  })
})
