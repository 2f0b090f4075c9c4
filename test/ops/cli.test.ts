import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerOpsCommands } from '../../src/cli/ops-commands.js'
import { buildKnowledgeBase } from '../../src/engine.js'
import { loadKnowledgeBase } from '../../src/engine.js'
import { openHitLog } from '../../src/ops/index.js'
import { ENTRIES, fixtureLog, NOW } from './fixture-log.js'
import { removeTempDirs, tempDir } from './helpers.js'

afterAll(removeTempDirs)

const nowIso = new Date(NOW).toISOString()
let kbDir: string

function program(lines: string[]): Command {
  const p = new Command().exitOverride().configureOutput({ writeOut: (s) => lines.push(s), writeErr: (s) => lines.push(s) })
  registerOpsCommands(p, { out: (s) => lines.push(s), now: () => NOW })
  return p
}
async function run(args: string[]): Promise<string> {
  const lines: string[] = []
  await program(lines).parseAsync(['node', 'kotae', ...args])
  return lines.join('\n')
}

beforeAll(async () => {
  kbDir = tempDir('kotae-ops-kb-')
  const kb = await buildKnowledgeBase(ENTRIES)
  await kb.save(kbDir)
  fixtureLog(kbDir).log.close()
})

describe('kotae report', () => {
  it('prints a text summary, JSON, and writes the HTML page', async () => {
    const text = await run(['report', kbDir, '--since', '30d', '--now', nowIso])
    expect(text).toMatch(/Questions: 42 {2}answered 17 {2}clarified 6 {2}escalated 19/)
    expect(text).toMatch(/Surge alerts \(2\)/)
    expect(text).toMatch(/old-en/)
    const json = JSON.parse(await run(['report', kbDir, '--json', '--now', nowIso]))
    expect(json.totals.events).toBe(42)
    expect(json.stale.prune).toEqual(['old-en'])
    const html = join(tempDir(), 'out', 'report.html')
    await run(['report', kbDir, '--html', html, '--now', nowIso])
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/)
  })

  it('explains a missing log, a bad duration, and a corrupt log', async () => {
    const empty = tempDir()
    await (await buildKnowledgeBase(ENTRIES)).save(empty)
    await expect(run(['report', empty])).rejects.toThrow(/no hit log at .*hits\.sqlite/)
    await expect(run(['report', kbDir, '--since', 'last month'])).rejects.toThrow(/--since "last month" is not a duration/)
    const bad = join(tempDir(), 'bad.sqlite')
    writeFileSync(bad, 'not a database '.repeat(100))
    await expect(run(['report', kbDir, '--log', bad])).rejects.toMatchObject({ code: 'LOG_STORE' })
  })

  it('has help text', async () => {
    const p = program([])
    expect(p.commands.map((c) => c.name())).toEqual(['report', 'suggest', 'prune', 'feedback'])
    for (const c of p.commands) expect(c.description().length).toBeGreaterThan(20)
    expect(p.commands[0].helpInformation()).toMatch(/--html <file>/)
  })
})

describe('kotae prune', () => {
  it('writes a pruned JSONL file and never touches the knowledge base', async () => {
    const out = join(tempDir(), 'pruned.jsonl')
    const text = await run(['prune', kbDir, '--min-hits', '3', '--since', '30d', '-o', out, '--now', nowIso])
    expect(text).toMatch(/Kept 3 entries, pruned 3/)
    const kept = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)
    expect(kept).toEqual(['ship-en', 'ship-ja', 'return-en'])
    expect((await loadKnowledgeBase(kbDir)).entries).toHaveLength(ENTRIES.length)
    await expect(run(['prune', kbDir, '--min-hits', '3', '--since', '30d', '-o', out])).rejects.toThrow(/already exists; choose another file or pass --force/)
    await expect(run(['prune', kbDir, '--min-hits', '1', '--since', '30d', '-o', join(kbDir, 'x.jsonl')])).rejects.toThrow(/inside the knowledge-base folder/)
    await expect(run(['prune', kbDir, '--since', '30d', '-o', out])).rejects.toThrow(/--min-hits/)
  })
})

describe('kotae feedback and suggest', () => {
  it('records feedback, lists suggestions and accepts them (rebuilding the knowledge base)', async () => {
    const dir = tempDir('kotae-ops-kb2-')
    await (await buildKnowledgeBase(ENTRIES)).save(dir)
    const log = openHitLog(dir)
    const { result } = await import('./helpers.js')
    const id = log.record(result('parcel never came', 'escalate', [['ship-en', 0.1]]), {})!
    const id2 = log.record(result('parcel never came', 'escalate', [['ship-en', 0.1]]), {})!
    log.close()
    expect(await run(['feedback', dir, id, '--resolved', 'ship-en'])).toMatch(/Recorded resolved feedback on event \d+ \(entry ship-en\)/)
    await run(['feedback', dir, id2, '--resolved', 'ship-en'])
    await expect(run(['feedback', dir, id, '--helpful', '--resolved', 'x'])).rejects.toThrow(/exactly one of/)
    const list = JSON.parse(await run(['suggest', dir, '--json']))
    expect(list).toEqual([expect.objectContaining({ entryId: 'ship-en', query: 'parcel never came', count: 2, resolved: 2 })])
    expect(await run(['suggest', dir])).toMatch(/parcel never came/)
    expect(await run(['suggest', dir, '--accept', list[0].id])).toMatch(/Accepted 1 suggestion\(s\)/)
    const kb = await loadKnowledgeBase(dir)
    expect(kb.entries.find((e) => e.id === 'ship-en')!.variants).toContain('parcel never came')
    expect(JSON.parse(await run(['suggest', dir, '--json']))).toEqual([])
    await expect(run(['suggest', dir, '--accept', 's-0000000000'])).rejects.toThrow(/unknown or already decided suggestion id/)
  })
})
