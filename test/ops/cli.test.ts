import { existsSync, readFileSync, writeFileSync } from 'node:fs'
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
    expect(text).toMatch(/Kept 3 entries, pruned 3 \(3 topics by translation group with fewer than 3 hits since 2026-04-01\); wrote /)
    const kept = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)
    expect(kept).toEqual(['ship-en', 'ship-ja', 'return-en'])
    expect((await loadKnowledgeBase(kbDir)).entries).toHaveLength(ENTRIES.length)
    expect(text).toMatch(/^Review it, then rebuild with: kotae build \S+pruned\.jsonl -o <new-kb-folder>$/m)
    await expect(run(['prune', kbDir, '--min-hits', '3', '--since', '30d', '-o', out, '--now', nowIso])).rejects.toThrow(/already exists; choose another file or pass --force/)
    await expect(run(['prune', kbDir, '--min-hits', '1', '--since', '30d', '-o', join(kbDir, 'x.jsonl')])).rejects.toThrow(/inside the knowledge-base folder/)
    await expect(run(['prune', kbDir, '--since', '30d', '-o', out])).rejects.toThrow(/--min-hits/)
    await expect(run(['prune', kbDir, '--min-hits', '1', '--since', '30d', '--now', nowIso])).rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringMatching(/no output file\. Pass -o <file> .*or --dry-run/) })
  })

  it('keeps or drops a translation group as one topic, --by entry judges each entry, and prints each dropped topic with its entries, hits and last hit', async () => {
    const out = join(tempDir(), 'pruned.jsonl')
    // ship-en 11 hits + ship-ja 4 = group ship 15; return-en 3; old-en (group fax) 0; dup-a 2 and dup-b 1 have no group.
    const text = await run(['prune', kbDir, '--min-hits', '5', '--since', '30d', '-o', out, '--now', nowIso])
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['ship-en', 'ship-ja'])
    expect(text).toMatch(/Kept 2 entries, pruned 4 \(4 topics by translation group with fewer than 5 hits since 2026-04-01\)/)
    expect(text).toContain('  - group fax (1 entry: en): 0 hits in the window, last hit never in the log\n      old-en [en] "Do you ship by fax?": 0 hits in the window, last hit never in the log')
    expect(text).toMatch(/^ {2}- dup-b \[en\] "How can I change my password\?" \(no group\): 1 hit in the window, last hit 2026-04-\d\d$/m)
    expect(text).toMatch(/^ {2}- group return \(1 entry: en\): 3 hits in the window, last hit 2026-0[45]-\d\d\n {6}return-en \[en\] "How do I return an item\?": 3 hits in the window, last hit 2026-/m)
    expect(text).toMatch(/Kept 1 entry with fewer than 5 hits of their own because another language of their group was used \(--by entry/)
    expect(text).not.toMatch(/ship-ja \[ja\]/)

    const byEntry = await run(['prune', kbDir, '--min-hits', '5', '--since', '30d', '-o', out, '--force', '--by', 'entry', '--now', nowIso])
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['ship-en'])
    expect(byEntry).toMatch(/Kept 1 entry, pruned 5 \(5 entries one by one with fewer than 5 hits/)
    expect(byEntry).toMatch(/^ {2}- ship-ja \[ja\] "配送にかかる日数は\?" \(group ship\): 4 hits in the window, last hit 2026-04-\d\d$/m)
    await expect(run(['prune', kbDir, '--min-hits', '5', '--since', '30d', '--dry-run', '--by', 'language'])).rejects.toThrow(/--by.*language.*group, entry/)
  })

  it('--dry-run prints what it would drop and writes nothing', async () => {
    const out = join(tempDir(), 'pruned.jsonl')
    const text = await run(['prune', kbDir, '--min-hits', '3', '--since', '30d', '-o', out, '--dry-run', '--now', nowIso])
    expect(text).toMatch(/Would keep 3 entries, would prune 3 \(3 topics by translation group/)
    expect(text).toContain('old-en [en] "Do you ship by fax?"')
    expect(text).toMatch(/Dry run: nothing written\. Run again without --dry-run to write /)
    expect(text).not.toMatch(/rebuild with/)
    expect(existsSync(out)).toBe(false)
    expect(await run(['prune', kbDir, '--min-hits', '3', '--since', '30d', '--dry-run', '--now', nowIso])).toMatch(/Dry run: nothing written\.$/m)
  })

  it('refuses as CLI_USAGE when the log covers less of the window than asked, saying how much it covers and what to do; --force prunes anyway', async () => {
    const out = join(tempDir(), 'pruned.jsonl')
    // The log starts 35 days before NOW; its last event is 42 minutes before NOW.
    const refused = run(['prune', kbDir, '--min-hits', '1', '--since', '90d', '-o', out, '--now', nowIso])
    await expect(refused).rejects.toMatchObject({ code: 'CLI_USAGE' })
    const message = await refused.catch((e: Error) => e.message)
    expect(message).toMatch(/^kotae prune: the hit log covers 34d \(39%\) of the 90d window \(2026-01-31 12:00 UTC to 2026-05-01 12:00 UTC\): its first event is 2026-03-27 12:00 UTC and its last 2026-05-01 11:18 UTC \(43 events\)/)
    expect(message).toMatch(/Prune on the part of the window the log has seen \(--since 35d\), wait until the log covers the window, or pass --force to prune anyway\.$/)
    expect(existsSync(out)).toBe(false)
    // What the message proposes works.
    expect(await run(['prune', kbDir, '--min-hits', '1', '--since', '35d', '-o', out, '--now', nowIso])).toMatch(/Kept 5 entries, pruned 1 /)
    // A window ending long after the log's last event: --now at its last event.
    const later = await run(['prune', kbDir, '--min-hits', '1', '--since', '30d', '--dry-run', '--now', '2026-06-15T00:00:00Z']).catch((e: Error) => e.message)
    expect(later).toMatch(/the hit log covers none \(0\.00%\) of the 30d window \(2026-05-16 00:00 UTC to 2026-06-15 00:00 UTC\): its first event is 2026-03-27 12:00 UTC and its last 2026-05-01 11:18 UTC .*Prune on the part of the window the log has seen \(--now 2026-05-01T11:18:00\.000Z\), check that questions are still being logged, or pass --force/)
    const forced = await run(['prune', kbDir, '--min-hits', '1', '--since', '90d', '-o', out, '--force', '--now', nowIso])
    expect(forced).toMatch(/^warning: the hit log covers 34d \(39%\) of the 90d window .*; pruning anyway \(--force\)$/m)
    expect(forced).toMatch(/Kept 5 entries, pruned 1 .*; wrote /)
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

  it('shows each suggestion with its entry and provenance, measures accepting with --dry-run, refuses a harmful one, rejects with a reason', async () => {
    const dir = tempDir('kotae-ops-kb3-')
    await (await buildKnowledgeBase(ENTRIES)).save(dir)
    const log = openHitLog(dir)
    const { result } = await import('./helpers.js')
    const at = NOW - 3600_000
    const good = ['c1', 'c2', 'c2'].map((sessionId, i) => log.record(result('parcel never came', 'escalate', [['ship-en', 0.1]]), { sessionId, at: at + i * 60_000 })!)
    const bad = log.record(result('How do I return an item?', 'answer', [['return-en', 0.99]]), { sessionId: 'c3', at: at + 300_000 })!
    log.record(result('parcel never came, call 090-1234-5678', 'escalate', [['ship-en', 0.1]]), { sessionId: 'c4', at: at + 400_000 })
    log.close()
    for (const id of good) await run(['feedback', dir, id, '--resolved', 'ship-en'])
    await run(['feedback', dir, bad, '--resolved', 'ship-en'])

    const list = JSON.parse(await run(['suggest', dir, '--json']))
    const goodS = list.find((s: { query: string }) => s.query === 'parcel never came')
    const badS = list.find((s: { query: string }) => s.query === 'How do I return an item?')
    expect(goodS).toMatchObject({ entryId: 'ship-en', count: 3, resolved: 3, picked: 0, source: 'resolved', sessions: 2, entry: { question: 'How long does shipping take?', answerStart: 'Two days.' } })
    const text = await run(['suggest', dir])
    expect(text).toContain('"parcel never came"\n  as a variant of: How long does shipping take?   [ship-en]\n  answer: Two days.\n  from: resolved by a person 3×, in 2 sessions; first seen ')
    expect(text).toContain(`id: ${goodS.id}`)

    // --dry-run: the logged question is now answered; the masked one is replayed masked; nothing written.
    const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8')
    const dry = await run(['suggest', dir, '--dry-run', '--accept', goodS.id, '--now', nowIso])
    expect(dry).toMatch(/^Dry run: 1 suggestion\(s\) measured on a base rebuilt in memory; nothing was written\./)
    expect(dry).toMatch(/"parcel never came" ×3: (clarify|escalate)[^\n]* → answer ship-en/)
    expect(dry).toMatch(/1 masked query was replayed with the mask/)
    expect(dry).toMatch(/ok {4}ship-en: "How long does shipping take\?" {2}answer ship-en/)
    const dryJson = JSON.parse(await run(['suggest', dir, '--dry-run', '--accept', goodS.id, '--now', nowIso, '--json']))
    expect(dryJson).toMatchObject({ dryRun: true, harmful: [], replay: { events: 5, masked: 1 } })
    expect(dryJson.replay.changed).toContainEqual(expect.objectContaining({ query: 'parcel never came', events: 3, after: expect.objectContaining({ decision: 'answer', entryId: 'ship-en' }) }))
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest)

    // Another entry's question as a variant: flagged, and --accept refuses it unless --force.
    const harm = await run(['suggest', dir, '--dry-run', '--accept', badS.id, '--now', nowIso])
    expect(harm).toMatch(/HARMFUL: accepting it makes an own question do worse:\n {4}- the question of return-en \("How do I return an item\?"\) went from answer return-en to /)
    expect(harm).toMatch(new RegExp(`Accepting ${badS.id} is refused unless --force`))
    await expect(run(['suggest', dir, '--accept', badS.id])).rejects.toThrow(new RegExp(`refused to accept ${badS.id}: accepting would make an entry's own question do worse .*nothing was written.*--dry-run --accept ${badS.id}`))
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest)
    await expect(run(['suggest', dir, '--dry-run', '--force'])).rejects.toThrow(/--force goes with --accept/)

    // Reject it with a reason: gone from the list, shown by --rejected, and never back.
    await expect(run(['suggest', dir, '--reason', 'x'])).rejects.toThrow(/--reason goes with --reject/)
    expect(await run(['suggest', dir, '--reject', badS.id, '--reason', "another entry's question"])).toMatch(/Rejected 1 suggestion\(s\) \(reason: another entry's question\); they will not be suggested again/)
    expect(JSON.parse(await run(['suggest', dir, '--json'])).map((s: { id: string }) => s.id)).toEqual([goodS.id])
    const again = openHitLog(dir)
    const more = again.record(result('how do i return an item?', 'answer', [['return-en', 0.99]]), { sessionId: 'c5', at: at + 500_000 })!
    again.close()
    await run(['feedback', dir, more, '--resolved', 'ship-en'])
    expect(JSON.parse(await run(['suggest', dir, '--json'])).map((s: { id: string }) => s.id)).toEqual([goodS.id])
    const rejected = await run(['suggest', dir, '--rejected'])
    expect(rejected).toMatch(/"How do I return an item\?"\n {2}as a variant of: How long does shipping take\? {3}\[ship-en\]\n {2}rejected [\d-]+ [\d:]+: another entry's question; picked or resolved 1× since \(still hidden\)/)
    expect(JSON.parse(await run(['suggest', dir, '--rejected', '--json']))).toEqual([expect.objectContaining({ id: badS.id, reason: "another entry's question", seenSince: 1 })])
    expect(await run(['suggest', dir, '--accept', goodS.id])).toMatch(/Accepted 1 suggestion\(s\)/)
  })
})
