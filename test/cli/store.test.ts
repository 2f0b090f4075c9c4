/**
 * `kotae report` / `suggest` / `prune` with `--store postgres://…` (issue 11), run as a user
 * types them, against a real PostgreSQL server (the run's throwaway cluster, a database of this
 * file's own): they read the events and feedback recorded through the PostgreSQL hit log, not the
 * folder's SQLite file; a rejection is kept in the store; an accepted suggestion's rebuilt base is
 * published as the store's current generation. A `--store` that is not PostgreSQL is refused
 * naming the flag (that part needs no server).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/engine.js'
import { kotae, tempFolder } from '../helpers/cli.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'
import { ENTRIES } from '../ops/fixture-log.js'
import { result } from '../ops/helpers.js'

afterAll(dropDatabases)

const folder = tempFolder('kotae-cli-store-')

describe('kotae --store with another scheme', () => {
  it('is refused naming the flag, what was given (without its password) and what is expected', async () => {
    for (const command of [['report'], ['suggest'], ['prune', '--min-hits', '1', '--since', '30d', '--dry-run']]) {
      const r = await kotae(command[0], folder(), ...command.slice(1), '--store', 'mysql://kotae:s3cret@db.example/kotae')
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toContain(`error [CLI_USAGE]: kotae ${command[0]}: --store must be a postgres:// or postgresql:// URL, got "mysql://kotae:***@db.example/kotae"`)
      expect(r.stderr).not.toContain('s3cret')
    }
    const plain = await kotae('report', folder(), '--store', 'mysql://x')
    expect(plain.stderr).toMatch(/--store must be a postgres:\/\/ or postgresql:\/\/ URL, got "mysql:\/\/x"/)
  })
})

describe.skipIf(!POSTGRES_URL)('kotae report / suggest / prune --store postgres:// (a real server)', () => {
  let url: string
  let kbDir: string
  const picked = 'when does my parcel arrive'

  beforeAll(async () => {
    url = await freshDatabase('cli_store')
    kbDir = join(folder(), 'kb')
    await (await buildKnowledgeBase(ENTRIES)).save(kbDir)
    const { openPostgresHitLog } = await import('../../src/postgres/index.js')
    const log = await openPostgresHitLog(url)
    try {
      for (let i = 0; i < 3; i++) log.record(result('how long does shipping take', 'answer', [['ship-en', 0.93]]), { channel: 'web' })
      log.record(result('return an item', 'answer', [['return-en', 0.9]]), {})
      // Two customers pick ship-en after a clarify: a suggested variant, seen in two sessions.
      for (const sessionId of ['a', 'b']) {
        const id = log.record(result(picked, 'clarify', [['ship-en', 0.45], ['return-en', 0.42]]), { sessionId })
        await log.feedback(id!, { kind: 'picked', entryId: 'ship-en' })
      }
      const cancel = log.record(result('cancel my order', 'clarify', [['return-en', 0.4], ['ship-en', 0.38]]), { sessionId: 'c' })
      await log.feedback(cancel!, { kind: 'picked', entryId: 'return-en' })
      await log.flush()
    } finally {
      await log.close()
    }
  })

  it('report --store counts the events recorded in the store (the folder has no SQLite log)', async () => {
    expect(existsSync(join(kbDir, 'hits.sqlite'))).toBe(false)
    const r = await kotae('report', kbDir, '--store', url, '--json')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.totals).toMatchObject({ events: 7, answer: 4, clarify: 3, escalate: 0, pickedAfterClarify: 3 })
    const ship = report.entries.find((e: { id: string }) => e.id === 'ship-en')
    expect(ship).toMatchObject({ answers: 3, picked: 2, top: 5 })
    // Without --store the same command looks for the folder's SQLite log, and there is none.
    const local = await kotae('report', kbDir)
    expect(local.code).toBe(1)
    expect(local.stderr).toMatch(/LOG_NOT_FOUND/)
  })

  it('suggest --store lists a suggestion from picks recorded in the store; --reject keeps it out for good', async () => {
    const list = await kotae('suggest', kbDir, '--store', url, '--json')
    expect(list.code, list.stderr).toBe(0)
    const suggestions = JSON.parse(list.stdout) as Array<{ id: string; entryId: string; query: string; picked: number; sessions: number }>
    const cancel = suggestions.find((s) => s.query === 'cancel my order')!
    expect(cancel).toMatchObject({ entryId: 'return-en', picked: 1, sessions: 1 })
    expect(suggestions.find((s) => s.query === picked)).toMatchObject({ entryId: 'ship-en', picked: 2, sessions: 2 })

    const reject = await kotae('suggest', kbDir, '--store', url, '--reject', cancel.id, '--reason', 'cancelling is not returning')
    expect(reject.code, reject.stderr).toBe(0)
    expect(reject.stdout).toMatch(/Rejected 1 suggestion\(s\) \(reason: cancelling is not returning\)/)
    const again = JSON.parse((await kotae('suggest', kbDir, '--store', url, '--json')).stdout) as Array<{ id: string }>
    expect(again.map((s) => s.id)).not.toContain(cancel.id)
    expect(again).toHaveLength(suggestions.length - 1)
    const rejected = JSON.parse((await kotae('suggest', kbDir, '--store', url, '--rejected', '--json')).stdout)
    expect(rejected).toEqual([expect.objectContaining({ id: cancel.id, entryId: 'return-en', query: 'cancel my order', reason: 'cancelling is not returning' })])
    // The decision is in the store, not in a SQLite file.
    expect(existsSync(join(kbDir, 'hits.sqlite'))).toBe(false)
  })

  it('suggest --store --dry-run replays the questions recorded in the store, and writes nothing', async () => {
    const [s] = (JSON.parse((await kotae('suggest', kbDir, '--store', url, '--json')).stdout) as Array<{ id: string; query: string }>).filter((x) => x.query === picked)
    const r = await kotae('suggest', kbDir, '--store', url, '--dry-run', '--accept', s.id, '--json')
    expect(r.code, r.stderr).toBe(0)
    const preview = JSON.parse(r.stdout)
    expect(preview).toMatchObject({ dryRun: true, suggestions: [expect.objectContaining({ id: s.id, entryId: 'ship-en' })] })
    // The 7 events recorded, 4 distinct questions.
    expect(preview.replay).toMatchObject({ events: 7, replayed: 4, notReplayable: 0 })
    const still = JSON.parse((await kotae('suggest', kbDir, '--store', url, '--json')).stdout) as Array<{ id: string }>
    expect(still.map((x) => x.id)).toContain(s.id)
  })

  it('suggest --store --accept rebuilds the folder and publishes it as the store’s current generation', async () => {
    const [s] = (JSON.parse((await kotae('suggest', kbDir, '--store', url, '--json')).stdout) as Array<{ id: string; query: string }>).filter((x) => x.query === picked)
    const r = await kotae('suggest', kbDir, '--store', url, '--accept', s.id)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`ship-en += "${picked}"`)
    const generation = /Published generation (\S+) \(\d+ files, \d+ bytes\) to the store/.exec(r.stdout)?.[1]
    expect(generation, r.stdout).toBeDefined()
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      expect((await client.query('SELECT name FROM kotae_current_generation')).rows).toEqual([{ name: generation }])
    } finally {
      await client.end()
    }
    // Accepted in the store: no longer suggested.
    const after = JSON.parse((await kotae('suggest', kbDir, '--store', url, '--json')).stdout) as Array<{ id: string }>
    expect(after.map((x) => x.id)).not.toContain(s.id)
  })

  it('prune --store reads the coverage and hits from the store', async () => {
    const refused = await kotae('prune', kbDir, '--store', url, '--min-hits', '1', '--since', '30d', '--dry-run')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/the hit log covers under a minute .* \(7 events\)/)
    const forced = await kotae('prune', kbDir, '--store', url, '--min-hits', '1', '--since', '30d', '--dry-run', '--force')
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toMatch(/Would keep 3 entries, would prune 3/)
    expect(forced.stdout).toMatch(/old-en \[en\] "Do you ship by fax\?"/)
  })

  it('refuses --log with --store', async () => {
    const r = await kotae('report', kbDir, '--store', url, '--log', join(kbDir, 'hits.sqlite'))
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('--log and --store cannot be used together')
  })
})
