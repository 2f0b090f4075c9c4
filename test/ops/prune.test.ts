/** planPrune (src/ops/prune.ts) through `kotae/ops`: topics by translation group, coverage of the window, hits and last hits. */
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_PRUNE_OPTIONS, openHitLog, planPrune, PruneOptionsSchema, type HitLog } from '../../src/ops/index.js'
import { ENTRIES, fixtureLog, NOW } from './fixture-log.js'
import { DAY, HOUR, removeTempDirs, result, tempDir } from './helpers.js'

afterAll(removeTempDirs)

let log: HitLog
afterEach(() => log?.close())

const ids = (topics: { entries: { id: string }[] }[]) => topics.flatMap((t) => t.entries.map((e) => e.id))

/** A log whose only events are `events` ([entry id or null, time]); an entry id is an answer of that entry. */
function logWith(events: [string | null, number][]): HitLog {
  const l = openHitLog(join(tempDir(), 'hits.sqlite'), { strict: true, onError: (e) => { throw e } })
  for (const [id, at] of events) l.record(id ? result('q', 'answer', [[id, 0.9]]) : result('q', 'escalate', []), { at })
  l.flush()
  return l
}

describe('planPrune', () => {
  it('keeps or drops a translation group as one topic: stale only when all its languages together have fewer than minHits', async () => {
    ;({ log } = fixtureLog())
    // ship-en 11 hits, ship-ja 4 (group ship: 15), return-en 3, old-en 0 (group fax), dup-a 2, dup-b 1 (no group).
    const plan = await planPrune(ENTRIES, log, { since: '30d', now: NOW, minHits: 5 })
    expect(plan.by).toBe('group')
    expect(plan.kept.map((t) => t.topic)).toEqual(['ship'])
    expect(plan.kept[0]).toMatchObject({ group: 'ship', hits: 15, entries: [{ id: 'ship-en', lang: 'en', hits: 11 }, { id: 'ship-ja', lang: 'ja', question: '配送にかかる日数は?', hits: 4 }] })
    expect(plan.keptEntries.map((e) => e.id)).toEqual(['ship-en', 'ship-ja'])
    // Fewest hits first; entries without a group are their own topic.
    expect(plan.dropped.map((t) => [t.topic, t.group, t.hits])).toEqual([['fax', 'fax', 0], ['dup-b', null, 1], ['dup-a', null, 2], ['return', 'return', 3]])
    expect(plan.droppedEntries.map((e) => e.id)).toEqual(['return-en', 'old-en', 'dup-a', 'dup-b'])
  })

  it("by: 'entry' judges every entry alone (the old behaviour): a translation with few hits is dropped though its group is used", async () => {
    ;({ log } = fixtureLog())
    const plan = await planPrune(ENTRIES, log, { since: '30d', now: NOW, minHits: 5, by: 'entry' })
    expect(plan.keptEntries.map((e) => e.id)).toEqual(['ship-en'])
    expect(ids(plan.dropped)).toEqual(['old-en', 'dup-b', 'dup-a', 'return-en', 'ship-ja'])
    expect(plan.dropped.find((t) => t.topic === 'ship-ja')).toMatchObject({ group: 'ship', hits: 4 })
  })

  it('gives the last hit of each entry, also from before the window, and null when the log never saw one', async () => {
    log = logWith([[null, NOW - 40 * DAY], ['old-en', NOW - 35 * DAY], ['ship-en', NOW - 2 * DAY], ['ship-ja', NOW - 3 * DAY], [null, NOW - HOUR]])
    const plan = await planPrune(ENTRIES, log, { since: '30d', now: NOW, minHits: 1 })
    expect(plan.coverage.complete).toBe(true)
    const fax = plan.dropped.find((t) => t.topic === 'fax')!
    expect(fax).toMatchObject({ hits: 0, lastHit: new Date(NOW - 35 * DAY).toISOString(), entries: [{ id: 'old-en', question: 'Do you ship by fax?', hits: 0, lastHit: new Date(NOW - 35 * DAY).toISOString() }] })
    expect(plan.dropped.find((t) => t.topic === 'return')).toMatchObject({ hits: 0, lastHit: null, entries: [{ id: 'return-en', lastHit: null }] })
    // A never-hit topic comes before one last hit long ago (same hits).
    expect(plan.dropped.map((t) => t.topic).indexOf('return')).toBeLessThan(plan.dropped.map((t) => t.topic).indexOf('fax'))
    expect(plan.kept[0]).toMatchObject({ topic: 'ship', hits: 2, lastHit: new Date(NOW - 2 * DAY).toISOString() })
  })

  it('says how much of the window the log covers: complete only when it starts by the window start and lasts to its end', async () => {
    ;({ log } = fixtureLog()) // first event NOW - 5 weeks, last NOW - 42 minutes
    const month = await planPrune(ENTRIES, log, { since: '30d', now: NOW })
    expect(month.coverage).toMatchObject({ complete: true, startsLate: false, endsEarly: false, events: 43, windowMs: 30 * DAY, coveredMs: 30 * DAY - 42 * 60_000, from: new Date(NOW - 30 * DAY).toISOString(), to: new Date(NOW).toISOString() })
    const quarter = await planPrune(ENTRIES, log, { since: '90d', now: NOW })
    expect(quarter.coverage).toMatchObject({ complete: false, startsLate: true, endsEarly: false, firstEvent: new Date(NOW - 35 * DAY).toISOString(), windowMs: 90 * DAY, coveredMs: 35 * DAY - 42 * 60_000 })
    // A log that stopped long before the window's end does not cover it either.
    const later = await planPrune(ENTRIES, log, { since: '30d', now: NOW + 20 * DAY })
    expect(later.coverage).toMatchObject({ complete: false, startsLate: false, endsEarly: true })
    // The slack is an option: a day by default.
    expect((await planPrune(ENTRIES, log, { since: '36d', now: NOW })).coverage.complete).toBe(true)
    expect((await planPrune(ENTRIES, log, { since: '36d', now: NOW, coverageSlack: 0 })).coverage.complete).toBe(false)
  })

  it('a log minutes old covers almost none of a 90-day window, an empty log none', async () => {
    log = logWith([['ship-en', NOW - 10 * 60_000], [null, NOW - 60_000]])
    const plan = await planPrune(ENTRIES, log, { since: '90d', now: NOW })
    expect(plan.coverage).toMatchObject({ complete: false, events: 2, coveredMs: 9 * 60_000 })
    log.close()
    log = logWith([])
    expect((await planPrune(ENTRIES, log, { since: '90d', now: NOW })).coverage).toMatchObject({ complete: false, startsLate: true, endsEarly: true, events: 0, coveredMs: 0, firstEvent: null, lastEvent: null })
  })

  it('has one options schema with its defaults, and refuses bad options as INVALID_OPTIONS naming the field', async () => {
    expect(DEFAULT_PRUNE_OPTIONS).toEqual(PruneOptionsSchema.parse({}))
    expect(DEFAULT_PRUNE_OPTIONS).toMatchObject({ since: '90d', minHits: 1, by: 'group', coverageSlack: DAY })
    ;({ log } = fixtureLog())
    await expect(planPrune(ENTRIES, log, { minHits: -1 })).rejects.toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/planPrune: .*minHits/) }))
    await expect(planPrune(ENTRIES, log, { by: 'language' as 'group' })).rejects.toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/by/) }))
    await expect(planPrune(ENTRIES, log, { since: 'last month' })).rejects.toThrow(expect.objectContaining({ code: 'INVALID_DURATION' }))
  })
})
