/** `kotae prune` (src/cli/commands/prune.ts) as a user runs it: a real process, exit codes, and the rebuild hint it prints, run as printed. */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, loadKnowledgeBase } from '../../src/index.js'
import { openHitLog } from '../../src/ops/index.js'
import { ENTRIES, fixtureLog, NOW } from '../ops/fixture-log.js'
import { result } from '../ops/helpers.js'
import { kotae, tempFolder } from '../helpers/cli.js'

const tmp = tempFolder('kotae-cli-prune-')
const nowIso = new Date(NOW).toISOString()
let kbDir: string

beforeAll(async () => {
  kbDir = join(tmp(), 'kb')
  await (await buildKnowledgeBase(ENTRIES)).save(kbDir)
  fixtureLog(kbDir).log.close()
}, 60_000)

describe('kotae prune', () => {
  it('refuses (exit 1, CLI_USAGE) --since 90d on a log minutes old, saying how much it covers and what to do, and writes nothing', async () => {
    const young = join(tmp(), 'young.sqlite')
    const log = openHitLog(young, { strict: true })
    log.record(result('how long does shipping take', 'answer', [['ship-en', 0.95]]), { at: Date.now() - 5 * 60_000 })
    log.record(result('do you sell gift cards', 'escalate', []), { at: Date.now() - 60_000 })
    log.close()
    const out = join(tmp(), 'young.jsonl')
    const run = await kotae('prune', kbDir, '--log', young, '--min-hits', '1', '--since', '90d', '-o', out)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^error \[CLI_USAGE\]: kotae prune: the hit log covers 4m \(0\.00%\) of the 90d window \(.* UTC to .* UTC\): its first event is .* UTC and its last .* UTC \(2 events\), so entries would look unused only because the log has not seen the whole window\. Wait until the log covers the window, or pass --force to prune anyway\./m)
    expect(existsSync(out)).toBe(false)
    const forced = await kotae('prune', kbDir, '--log', young, '--min-hits', '1', '--since', '90d', '-o', out, '--force')
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toMatch(/^warning: the hit log covers 4m/m)
    expect(forced.stdout).toMatch(/Kept 2 entries, pruned 4 \(4 topics by translation group with no hits since/)
  }, 60_000)

  it('prints a rebuild hint that works as printed (with a new folder for the placeholder)', async () => {
    const out = join(tmp(), 'pruned.jsonl')
    const run = await kotae('prune', kbDir, '--min-hits', '3', '--since', '30d', '-o', out, '--now', nowIso)
    expect(run.code, run.stderr).toBe(0)
    const hint = /^Review it, then rebuild with: kotae (.+)$/m.exec(run.stdout)?.[1]
    expect(hint).toBe(`build ${out} -o <new-kb-folder>`)
    const newKb = join(tmp(), 'new-kb')
    const args = hint!.split(' ').map((a) => (a === '<new-kb-folder>' ? newKb : a))
    const build = await kotae(...args)
    expect(build.code, build.stderr).toBe(0)
    expect((await loadKnowledgeBase(newKb)).entries.map((e) => e.id)).toEqual(['ship-en', 'ship-ja', 'return-en'])
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(3)
  }, 120_000)

  it('--dry-run needs no output file and writes nothing', async () => {
    const run = await kotae('prune', kbDir, '--min-hits', '3', '--since', '30d', '--dry-run', '--now', nowIso)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/Would keep 3 entries, would prune 3/)
    expect(run.stdout).toMatch(/Dry run: nothing written\.$/m)
    const none = await kotae('prune', kbDir, '--min-hits', '3', '--since', '30d', '--now', nowIso)
    expect(none.code).toBe(1)
    expect(none.stderr).toMatch(/^error \[CLI_USAGE\]: kotae prune: no output file\. Pass -o <file>/m)
  }, 60_000)
})
