/** `kotae build` (src/cli/commands/build.ts) as a user runs it: a real process, exit codes, stdout/stderr. */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { kotae, ROOT, tempFolder, type Run } from '../helpers/cli.js'
import { MINI_FAQ, miniFaqJsonl } from '../fixtures/mini-faq.js'

const tmp = tempFolder('kotae-cli-build-')
let faqPath: string
let kbDir: string
let build: Run

beforeAll(async () => {
  faqPath = join(tmp(), 'faq.jsonl')
  writeFileSync(faqPath, miniFaqJsonl(MINI_FAQ.slice(0, 16)))
  kbDir = join(tmp(), 'kb')
  build = await kotae('build', faqPath, '-o', kbDir)
}, 60_000)

describe('kotae build', () => {
  it('writes a knowledge base and says what it built', () => {
    expect(build.code, build.stderr).toBe(0)
    expect(build.stdout).toContain(`built ${kbDir}: 16 entries, 64 phrasings, embedder builtin-hash-v1:256`)
    expect(build.stdout).toMatch(/calibration: self, answer threshold/)
    expect(existsSync(join(kbDir, 'manifest.json'))).toBe(true)
  })

  it('refuses an FAQ with duplicate ids as DUPLICATE_ID naming the id and rows, and writes nothing', async () => {
    const out = join(tmp(), 'kb-duplicates')
    const run = await kotae('build', join(ROOT, 'fixtures', 'malformed', 'duplicate-ids.csv'), '-o', out)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^error \[DUPLICATE_ID\]: .*duplicate-ids\.csv: duplicate entry id\(s\) ship-fee \(rows 2, 4\)/m)
    expect(existsSync(out)).toBe(false)
  })

  it('--lock-timeout: KB_LOCKED naming the holder when another writer holds the folder longer than the timeout', async () => {
    const { acquireWriteLock } = await import('../../src/kb/lock.js')
    const lock = await acquireWriteLock(kbDir, 'gen-0000000-00000000')
    try {
      const run = await kotae('build', faqPath, '-o', kbDir, '--lock-timeout', '0')
      expect(run.code).not.toBe(0)
      expect(run.stderr).toContain('KB_LOCKED')
      expect(run.stderr).toContain(String(process.pid))
    } finally {
      await lock.release()
    }
  })
})
