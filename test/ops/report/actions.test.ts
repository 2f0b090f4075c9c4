/** The report's "what to do next" data (issue 10): trend, warnings, settled clusters, the engine's nearest entry, drafts, entries to improve, stale groups, merge candidates. */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { buildReport, type HitLog } from '../../../src/ops/index.js'
import { ENTRIES, fixtureLog, NOW } from '../fixture-log.js'
import { DAY, HOUR, removeTempDirs, result } from '../helpers.js'

afterAll(removeTempDirs)

let log: HitLog
afterEach(() => log?.close())

describe('the report summary', () => {
  it('gives the automation rate and the previous window of the same length', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(r.totals).toMatchObject({ events: 42, answer: 17, clarify: 6, pickedAfterClarify: 3 })
    expect(r.totals.automationRate).toBeCloseTo(20 / 42, 3)
    expect(r.totals.clarifyRate).toBeCloseTo(6 / 42, 3)
    // The previous 30 days hold the one event of five weeks ago; the log does not reach their start.
    expect(r.previous).toMatchObject({ events: 1, answer: 1, covered: false, to: r.window.from })
    const week = await buildReport(log, { now: NOW, since: '7d', entries: ENTRIES })
    const before = await buildReport(log, { now: NOW - 7 * DAY, since: '7d', entries: ENTRIES })
    expect(week.previous).toMatchObject({ covered: true, events: before.totals.events, answer: before.totals.answer, escalate: before.totals.escalate, automationRate: before.totals.automationRate })
  })

  it('warns when the base never answers, or its calibration rests on few samples', async () => {
    ;({ log } = fixtureLog())
    const never = await buildReport(log, { now: NOW, calibration: { answerThreshold: 1.01, notes: ['not calibrated yet'] } })
    expect(never.warnings).toContainEqual(expect.stringMatching(/never answers \(its answer threshold is 1\.01/))
    expect(never.warnings).toContain('not calibrated yet')
    const few = await buildReport(log, { now: NOW, calibration: { answerThreshold: 0.8, notes: [], source: 'labelled', samples: { inScope: 30, outOfScope: 10, simulatedOutOfScope: 0 } } })
    expect(few.warnings).toContainEqual(expect.stringMatching(/^calibration estimated from 40 samples \(labelled\)/))
    const enough = await buildReport(log, { now: NOW, calibration: { answerThreshold: 0.8, notes: [], samples: { inScope: 300, outOfScope: 10, simulatedOutOfScope: 0 } } })
    expect(enough.warnings.filter((w) => /calibration|never answers/.test(w))).toEqual([])
  })

  it('states the surge rule with its numbers', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { now: NOW, surge: { minCount: 5, baselineWeeks: 3 } })
    expect(r.surges.rule).toMatch(/the last 1 hour .* in the 3 previous weeks .* 1\/4\) ≥ k\], below 0\.001; k ≥ 5; and k ≥ 1\.5 × the baseline mean/i)
    expect(r.surges.rule).not.toMatch(/alpha|minCount|minRatio/)
  })
})

describe('unanswered clusters', () => {
  it("name the engine's own top candidate and give a draft entry", async () => {
    ;({ log } = fixtureLog())
    // Worded like shipping, but the engine's logged top candidate was return-en.
    for (let i = 0; i < 3; i++) log.record(result('how long does shipping to mars take', 'escalate', [['return-en', 0.12]]), { at: NOW - 2 * DAY + i * HOUR })
    log.flush()
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    const mars = r.unanswered.clusters.find((c) => c.representatives[0].query.includes('mars'))!
    expect(mars.nearestEntry).toEqual({ id: 'return-en', question: 'How do I return an item?', similarity: null, share: 1, confidence: 0.12 })
    const ja = r.unanswered.clusters[0]
    expect(ja.nearestEntry).toMatchObject({ id: 'ship-ja', share: 1 })
    expect(ja.draft).toEqual({ lang: 'ja', question: '荷物がまだ届きません', variants: expect.arrayContaining(['荷物が届かない', '注文した荷物が届かない']), answer: '' })
    expect(ja.draft.variants).toHaveLength(4)
    expect(r.unanswered.clusters.find((c) => c.representatives[0].query === 'do you sell gift cards')!.nearestEntry).toBeNull()
  })

  it('leave out a cluster whose questions were all resolved since, or accepted as suggestions', async () => {
    ;({ log } = fixtureLog())
    const ids = [0, 1].map((i) => log.record(result('do you ship to the moon', 'escalate', []), { at: NOW - 3 * DAY + i * HOUR })!)
    log.flush()
    const before = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(before.unanswered.clusters.some((c) => c.representatives[0].query === 'do you ship to the moon')).toBe(true)
    // A person resolves only the first: the text came back unanswered after, so it is still open.
    log.feedback(ids[0], { kind: 'resolved', entryId: 'ship-en' }, NOW - 3 * DAY + 30 * 60_000)
    expect((await buildReport(log, { now: NOW, entries: ENTRIES })).unanswered.clusters.find((c) => c.representatives[0].query === 'do you ship to the moon')).toMatchObject({ count: 2, settled: 0 })
    log.feedback(ids[1], { kind: 'resolved', entryId: 'ship-en' }, NOW - 2 * DAY)
    const after = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(after.unanswered.clusters.some((c) => c.representatives[0].query === 'do you ship to the moon')).toBe(false)
    expect(after.unanswered.resolvedClusters).toBe(before.unanswered.resolvedClusters + 1)
    // The English parcel cluster has one resolved question of five: still listed, with it counted.
    expect(after.unanswered.clusters.find((c) => c.count === 5)).toMatchObject({ settled: 1 })
    // Accepted as a suggested variant: the base answers it now.
    log.setSuggestionStatus([{ entryId: 'ship-en', query: 'do you sell gift cards' }], 'accepted', NOW - DAY)
    const accepted = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(accepted.unanswered.clusters.some((c) => c.representatives[0].query === 'do you sell gift cards')).toBe(false)
    expect(accepted.unanswered.total).toBe(after.unanswered.total) // the questions still count as unanswered in the window
  })
})

describe('entries to improve, stale groups and merge candidates', () => {
  it('lists entries often clarified, passed over or not helpful', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(r.improve.map((x) => [x.id, x.reasons])).toEqual([
      ['dup-b', ['often-clarified', 'passed-over']],
      ['dup-a', ['often-clarified', 'passed-over']],
      ['return-en', ['not-helpful']],
    ])
    expect(r.improve[0]).toMatchObject({ offered: 6, picked: 1, passedOver: 5, answers: 0 })
  })

  it('calls a translation group stale only when every language is', async () => {
    ;({ log } = fixtureLog())
    const r = await buildReport(log, { now: NOW, entries: ENTRIES, staleMinHits: 5 })
    expect(r.stale.entries.map((e) => e.id)).toContain('ship-ja') // 4 hits: stale on its own
    expect(r.stale.groups.map((g) => g.key)).not.toContain('ship') // ship-en (11 hits) keeps the group
    expect(r.stale.groups.map((g) => [g.key, g.grouped, g.entries.map((e) => e.id)])).toEqual([
      ['fax', true, ['old-en']],
      ['return', true, ['return-en']],
      ['dup-a', false, ['dup-a']],
      ['dup-b', false, ['dup-b']],
    ])
  })

  it('gives merge candidates both questions, the queries behind them and why; drops pairs with nothing in common', async () => {
    ;({ log } = fixtureLog())
    for (let i = 0; i < 6; i++) log.record(result('how is the stock market doing today', 'clarify', [['old-en', 0.31], ['return-en', 0.3]]), { at: NOW - 4 * DAY + i * HOUR })
    log.flush()
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    expect(r.nearDuplicates.coRanked.map((p) => `${p.a}~${p.b}`)).toContain('old-en~return-en')
    expect(r.mergeCandidates).toHaveLength(1)
    expect(r.mergeCandidates[0]).toMatchObject({
      a: 'dup-a',
      b: 'dup-b',
      questionA: 'How do I change my password?',
      questionB: 'How can I change my password?',
      coRanked: 6,
      why: ['co-ranked', 'near-identical phrasings'],
      sharedQueries: [{ query: 'change password', entryId: 'dup-a', count: 2 }, { query: 'change password', entryId: 'dup-b', count: 1 }],
    })
    expect(r.mergeCandidates[0].topicSimilarity).toBeGreaterThan(0.8)
    // With no floor the unrelated pair comes back: the floor is what drops it.
    const loose = await buildReport(log, { now: NOW, entries: ENTRIES, mergeMinSimilarity: 0 })
    expect(loose.mergeCandidates.map((m) => `${m.a}~${m.b}`)).toContain('old-en~return-en')
  })
})
