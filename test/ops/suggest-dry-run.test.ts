/**
 * `previewSuggestions` (what `kotae suggest --dry-run` prints) with the real engine: accepting a
 * good variant is measured as a decision change of the logged questions it would now answer; a
 * variant that is another entry's question is flagged harmful by the own-question check, and
 * `acceptSuggestions` refuses it (writing nothing) unless `force`. Nothing is written by a dry run.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, loadKnowledgeBase, type KnowledgeBase } from '../../src/engine.js'
import { acceptSuggestions, listSuggestions, openHitLog, type HitLog } from '../../src/ops/index.js'
import { previewSuggestions } from '../../src/ops/suggest.js'
import { ENTRIES } from './fixture-log.js'
import { removeTempDirs, tempDir } from './helpers.js'

afterAll(removeTempDirs)

const UNANSWERED = 'parcel never came'

let dir: string
let kb: KnowledgeBase
let log: HitLog

/** Ask through the logged base and resolve the event with `entryId`, as a person would. */
async function askAndResolve(query: string, entryId: string, sessionId: string): Promise<void> {
  const r = await kb.ask(query, { sessionId })
  log.feedback(r.eventId!, { kind: 'resolved', entryId })
}

beforeAll(async () => {
  dir = tempDir('kotae-dry-run-')
  kb = await buildKnowledgeBase(ENTRIES)
  await kb.save(dir)
  log = openHitLog(dir, { strict: true, onError: (e) => { throw e } })
  kb.useLogger(log)
  // Before learning, the question is not answered (three customers asked it).
  expect((await kb.decideOnly(UNANSWERED)).decision).not.toBe('answer')
  await askAndResolve(UNANSWERED, 'ship-en', 'c1')
  await askAndResolve(UNANSWERED, 'ship-en', 'c2')
  await kb.ask(UNANSWERED, { sessionId: 'c3' })
  // A question with a phone number: stored masked, replayed masked.
  await kb.ask('my parcel never came, call me on 090-1234-5678', { sessionId: 'c4' })
  await kb.ask('How long does shipping take?', { sessionId: 'c5' })
  // A wrong resolution: another entry's own question resolved with ship-en.
  await askAndResolve('How do I return an item?', 'ship-en', 'c6')
})

afterAll(() => log?.close())

const byQuery = async (query: string) => (await listSuggestions(log, { entries: kb.entries })).find((s) => s.query === query)!

describe('previewSuggestions (suggest --dry-run)', () => {
  it('lists each suggestion with its variant, where it came from and its entry', async () => {
    const s = await byQuery(UNANSWERED)
    expect(s).toMatchObject({ entryId: 'ship-en', count: 2, resolved: 2, picked: 0, source: 'resolved', sessions: 2, masked: false, entry: { question: 'How long does shipping take?', answerStart: 'Two days.', lang: 'en' } })
    expect(Date.parse(s.firstSeen)).toBeLessThanOrEqual(Date.parse(s.lastSeen))
  })

  it('shows the logged questions whose decision changes, replaying masked queries masked, and writes nothing', async () => {
    const before = readFileSync(join(dir, 'manifest.json'), 'utf8')
    const s = await byQuery(UNANSWERED)
    const preview = await previewSuggestions(kb, log, { ids: [s.id] })
    expect(preview.harmful).toEqual([])
    expect(preview.suggestions).toEqual([expect.objectContaining({ id: s.id, harmful: false, problems: [] })])
    const change = preview.replay.changed.find((c) => c.query === UNANSWERED)
    expect(change).toMatchObject({ events: 3, masked: false, after: { decision: 'answer', entryId: 'ship-en' } })
    expect(change!.before.decision).not.toBe('answer')
    expect(preview.replay.events).toBe(6)
    expect(preview.replay.masked).toBe(1)
    expect(preview.replay.notReplayable).toBe(0)
    // The entry's own question still answers.
    expect(preview.ownQuestions.checked).toBe(ENTRIES.length)
    expect(preview.ownQuestions.results.find((r) => r.entryId === 'ship-en')).toMatchObject({ ok: true, after: { decision: 'answer', entryId: 'ship-en' } })
    // Nothing written: the base and the suggestion are as they were.
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(before)
    expect((await loadKnowledgeBase(dir)).entry('ship-en')!.variants).not.toContain(UNANSWERED)
    expect(await byQuery(UNANSWERED)).toBeDefined()
  })

  it('bounds the replay to the newest events of the window', async () => {
    const s = await byQuery(UNANSWERED)
    expect((await previewSuggestions(kb, log, { ids: [s.id], maxQueries: 2 })).replay.events).toBe(2)
    expect((await previewSuggestions(kb, log, { ids: [s.id], now: Date.now() - 3600_000, windowMs: 60_000 })).replay.events).toBe(0)
  })

  it("flags a variant that is another entry's question, and accepting it is refused unless forced", async () => {
    const bad = await byQuery('How do I return an item?')
    const preview = await previewSuggestions(kb, log, { ids: [bad.id] })
    expect(preview.harmful).toEqual([bad.id])
    expect(preview.suggestions[0]).toMatchObject({ id: bad.id, harmful: true, problems: [expect.stringMatching(/the question of return-en \("How do I return an item\?"\) went from answer return-en to /)] })
    expect(preview.ownQuestions.results.find((r) => r.entryId === 'return-en')).toMatchObject({ ok: false, affected: true, blamedOn: [bad.id], before: { decision: 'answer', entryId: 'return-en' } })

    // Measured together with the good one, only the bad one is blamed (each is measured alone).
    const both = await previewSuggestions(kb, log, { ids: [(await byQuery(UNANSWERED)).id, bad.id] })
    expect(both.harmful).toEqual([bad.id])
    expect(both.suggestions.map((s) => [s.query, s.harmful])).toEqual([[UNANSWERED, false], ['How do I return an item?', true]])

    const manifest = readFileSync(join(dir, 'manifest.json'), 'utf8')
    const refused = await acceptSuggestions(dir, log, { ids: [bad.id] })
    expect(refused.accepted).toEqual([])
    expect(refused.refused).toEqual([{ suggestion: expect.objectContaining({ id: bad.id }), problems: preview.suggestions[0].problems }])
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(manifest)
    expect(await byQuery('How do I return an item?')).toBeDefined()

    // --accept-all leaves the harmful one out and accepts the good one.
    const all = await acceptSuggestions(dir, log, { all: true, minCount: 1 })
    expect(all.accepted.map((s) => s.query)).toEqual([UNANSWERED])
    expect(all.refused.map((r) => r.suggestion.id)).toEqual([bad.id])
    const after = await loadKnowledgeBase(dir)
    expect(after.entry('ship-en')!.variants).toContain(UNANSWERED)
    expect(after.entry('ship-en')!.variants).not.toContain('How do I return an item?')
    expect((await after.ask(UNANSWERED)).answer?.id).toBe('ship-en')

    // Forced, it is accepted.
    const forced = await acceptSuggestions(dir, log, { ids: [bad.id], force: true })
    expect(forced.accepted.map((s) => s.id)).toEqual([bad.id])
    expect((await loadKnowledgeBase(dir)).entry('ship-en')!.variants).toContain('How do I return an item?')
  })

  it('validates its options and ids', async () => {
    await expect(previewSuggestions(kb, log, {})).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await expect(previewSuggestions(kb, log, { ids: ['s-0000000000'] })).rejects.toMatchObject({ code: 'UNKNOWN_SUGGESTION', details: { ids: ['s-0000000000'] } })
    await expect(previewSuggestions(kb, log, { ids: ['x'], maxQueries: 0 })).rejects.toThrow(/maxQueries/)
  })
})
