/** `kotae publish <kb> --store <url>`, run as a user types it, against the run's real PostgreSQL server. */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgres } from '../../src/postgres/connect.js'
import { currentGeneration } from '../../src/postgres/generations.js'
import { kotae, saveMiniBase, tempFolder } from '../helpers/cli.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'

afterAll(dropDatabases)
const temp = tempFolder('kotae-cli-publish-')

const generationOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { generation: string }).generation

describe('kotae publish: usage errors', () => {
  it('refuses a --store that is not a PostgreSQL URL, naming --store (without the password)', async () => {
    const { code, stderr } = await kotae('publish', temp(), '--store', 'mysql://root:hunter2@db/kotae')
    expect(code).toBe(1)
    expect(stderr).toContain('CLI_USAGE')
    expect(stderr).toContain('--store')
    expect(stderr).not.toContain('hunter2')
  })

  it('requires --store', async () => {
    const { code, stderr } = await kotae('publish', temp())
    expect(code).toBe(1)
    expect(stderr).toContain('CLI_USAGE')
    expect(stderr).toContain('--store is required')
  })
})

describe.skipIf(!POSTGRES_URL)('kotae publish (a real server)', () => {
  let url: string
  let kb: string
  beforeAll(async () => {
    url = await freshDatabase('cli_publish')
    kb = join(temp(), 'kb')
    await saveMiniBase(kb)
  })

  it('publishes a saved base, then says a second publish has nothing to do', async () => {
    const name = generationOf(kb)
    const first = await kotae('publish', kb, '--store', url)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toContain(`Published ${name}`)
    const db = await openPostgres(url, { poolSize: 1 })
    try {
      expect(await currentGeneration(db)).toBe(name)
    } finally {
      await db.close()
    }
    const again = await kotae('publish', kb, '--store', url, '--json')
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ generation: name, outcome: 'already-current' })
  })

  it('gives the load error for a folder that is not a saved base, or a damaged one, and publishes nothing', async () => {
    const store = await freshDatabase('cli_publish_bad')
    const missing = await kotae('publish', join(temp(), 'nothing-here'), '--store', store)
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('KB_NOT_FOUND')

    const damaged = join(temp(), 'damaged')
    await saveMiniBase(damaged)
    writeFileSync(join(damaged, generationOf(damaged), 'entries.jsonl'), '{}\n')
    const refused = await kotae('publish', damaged, '--store', store)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('KB_CORRUPT')
    expect(refused.stderr).toContain('entries.jsonl')
    const db = await openPostgres(store, { poolSize: 1 })
    try {
      expect(await currentGeneration(db)).toBeNull()
    } finally {
      await db.close()
    }
  })

  it('names the store without its password when it cannot be reached', async () => {
    const { code, stderr } = await kotae('publish', kb, '--store', 'postgres://kotae:s3cret@127.0.0.1:1/none')
    expect(code).toBe(1)
    expect(stderr).toContain('STORE_UNAVAILABLE')
    expect(stderr).not.toContain('s3cret')
  })
})
