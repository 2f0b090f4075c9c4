import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { buildReport, type HitLog } from '../../../src/ops/index.js'
import { ENTRIES, fixtureLog, NOW } from '../fixture-log.js'
import { removeTempDirs } from '../helpers.js'

afterAll(removeTempDirs)

let log: HitLog
afterEach(() => log?.close())

describe('buildReport', () => {
  it('counts per entry, group and language', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { since: '30d', now: NOW, entries: ENTRIES })
    expect(r.totals).toMatchObject({ events: 42, answer: 17, clarify: 6, escalate: 19 })
    const by = Object.fromEntries(r.entries.map((e) => [e.id, e]))
    expect(by['ship-en']).toMatchObject({ answers: 10, resolved: 1, hits: 11, top: 15, group: 'ship', lang: 'en', inKb: true })
    expect(by['ship-ja']).toMatchObject({ answers: 4, hits: 4 })
    expect(by['return-en']).toMatchObject({ answers: 3, notHelpful: 1 })
    expect(by['dup-a']).toMatchObject({ offered: 6, picked: 2, hits: 2 })
    expect(by['dup-b']).toMatchObject({ offered: 6, picked: 1, hits: 1 })
    expect(by['ship-en'].hitRate).toBeCloseTo(11 / 42, 3)
    expect(by['ship-en'].lastHit).not.toBeNull()
    expect(r.groups.find((g) => g.key === 'ship')).toMatchObject({ entries: 2, answers: 14, hits: 15 })
    expect(r.languages.find((g) => g.key === 'ja')).toMatchObject({ entries: 1, hits: 4 })
    expect(r.timeline.points).toHaveLength(30)
    expect(r.timeline.points.reduce((s, p) => s + p.answer + p.clarify + p.escalate, 0)).toBe(42)
  })

  it('lists stale entries with a prune list, oldest first', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(r.stale.prune).toEqual(['old-en'])
    expect(r.stale.entries[0]).toMatchObject({ id: 'old-en', hits: 0, groupHits: 0 })
    expect(r.stale.oldestUpdated[0]).toMatchObject({ id: 'old-en', updatedAt: '2020-01-01' })
    const few = await buildReport(log, { now: NOW, entries: ENTRIES, staleMinHits: 3 })
    expect(few.stale.prune).toEqual(['old-en', 'dup-b', 'dup-a'])
  })

  it('finds merge candidates: co-ranked with a small margin, and near-identical phrasings', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(r.nearDuplicates.coRanked).toEqual([{ a: 'dup-a', b: 'dup-b', count: 6, share: 1 }])
    expect(r.nearDuplicates.similarPhrasings[0]).toMatchObject({ a: 'dup-a', b: 'dup-b' })
    expect(r.nearDuplicates.similarPhrasings.some((p) => p.a.startsWith('ship') && p.b.startsWith('ship'))).toBe(false)
  })

  it('groups unanswered questions by meaning, CJK included, with the nearest entry', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(r.unanswered.total).toBe(19)
    const [first, second, third] = r.unanswered.clusters
    expect(first.count).toBe(13) // 4 + 9 Japanese "parcel has not arrived"
    expect(first.languages).toEqual({ ja: 13 })
    expect(first.recent).toBe(9)
    expect(first.nearestEntry?.id).toBe('ship-ja')
    expect(second.count).toBe(5)
    expect(second.representatives.map((x) => x.query)).toContain('my parcel has not arrived')
    expect(third).toMatchObject({ count: 1, representatives: [{ query: 'do you sell gift cards', count: 1 }] })
  })

  it('raises the surge of the last hour and states its rule', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(r.surges.rule).toMatch(/same window of the week/)
    const kinds = r.surges.alerts.map((a) => `${a.kind}:${a.count}`)
    expect(kinds).toContain('cluster:9')
    expect(kinds).toContain('entry:9') // ship-ja was the top candidate of those 9 questions
    expect(r.surges.alerts.every((a) => a.basis === 'same-hour-of-week' && a.baseline.length === 4)).toBe(true)
  })

  it('can cluster with an embed function instead of n-grams', async () => {
    ;({ log } = fixtureLog())
    // A toy embedder: one dimension per "topic word".
    const embed = async (texts: string[]) => texts.map((t) => [/parcel|荷物/.test(t) ? 1 : 0, /gift/.test(t) ? 1 : 0, 0.01])
    const r = await buildReport(log, { now: NOW, entries: ENTRIES, embed })
    expect(r.unanswered.clusters.map((c) => c.count)).toEqual([18, 1])
  })

  it('explains bad options', async () => {
    ;({ log } = fixtureLog())
    await expect(buildReport(log, { since: 'a month' })).rejects.toThrow(/use a number and a unit/)
    await expect(buildReport(log, { since: 'a month' })).rejects.toMatchObject({ code: 'INVALID_DURATION', details: { option: 'since', text: 'a month' } })
    await expect(buildReport(log, { lowConfidence: 3 })).rejects.toThrow(/lowConfidence/)
    await expect(buildReport(log, { lowConfidence: 3 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
  })
})
