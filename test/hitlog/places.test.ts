/** Page-aware suggestions from the hit log (issue 9): `HitLog.entriesAskedFrom`, what `kb.suggestFor` reads. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/engine.js'
import type { KotaeError } from '../../src/errors.js'
import { openHitLog, type HitLog, type HitLogOptions } from '../../src/hitlog/index.js'
import type { AskContext, AskResult } from '../../src/schema.js'
import { DAY, result, tempDir } from '../ops/helpers.js'
import { ENTRIES, track } from './helpers.js'

const NOW = Date.parse('2026-05-01T12:00:00Z')

function logAt(options: HitLogOptions = {}): HitLog {
  return track(openHitLog(join(tempDir(), 'hits.sqlite'), { now: () => NOW, onError: (e) => { throw e }, ...options }))
}

/** Record `n` questions answered with `entry` from `context` (1 minute apart, ending an hour ago). */
function asked(log: HitLog, n: number, r: AskResult, context: AskContext): string[] {
  return Array.from({ length: n }, (_, i) => log.record(r, { at: NOW - 3_600_000 - i * 60_000, ...context })!)
}
const answered = (entry: string, lang: 'en' | 'ja' = 'en') => result('q', 'answer', [[entry, 0.9]], lang)

describe('HitLog.entriesAskedFrom', () => {
  it('counts the entries answered, picked or resolved from a page, with their share, above the support', () => {
    const log = logAt()
    asked(log, 6, answered('pay-card'), { page: '/checkout/payment' })
    asked(log, 2, answered('pay-later'), { page: '/checkout/payment' })
    // Clarified, then the user picked: counts for the pick.
    for (const id of asked(log, 3, result('q', 'clarify', [['pay-card', 0.4], ['pay-konbini', 0.38]]), { page: '/checkout/payment' })) log.feedback(id, { kind: 'picked', entryId: 'pay-konbini' })
    // Escalated, then a person resolved it: counts for the resolution; one is never resolved (a question, no entry).
    const esc = asked(log, 2, result('q', 'escalate', [['pay-card', 0.1]]), { page: '/checkout/payment' })
    log.feedback(esc[0], { kind: 'resolved', entryId: 'pay-konbini' })
    asked(log, 9, answered('returns'), { page: '/returns' })
    log.flush()
    // 13 questions on the page: pay-card 6, pay-konbini 3 + 1, pay-later 2 (below the support), 1 unresolved.
    expect(log.entriesAskedFrom({ page: '/checkout/payment' }, { limit: 5, minSupport: 3 })).toEqual([
      { entryId: 'pay-card', count: 6, share: Math.round((6 / 13) * 1e4) / 1e4, source: 'page' },
      { entryId: 'pay-konbini', count: 4, share: Math.round((4 / 13) * 1e4) / 1e4, source: 'page' },
    ])
    expect(log.entriesAskedFrom({ page: '/checkout/payment' }, { limit: 1, minSupport: 2 }).map((s) => s.entryId)).toEqual(['pay-card'])
    expect(log.entriesAskedFrom({ page: '/checkout/payment' }, { limit: 5, minSupport: 2 }).map((s) => [s.entryId, s.count])).toEqual([['pay-card', 6], ['pay-konbini', 4], ['pay-later', 2]])
  })

  it('looks the page up the way it is stored: query string, fragment and trailing slash do not matter', () => {
    const log = logAt()
    asked(log, 3, answered('pay-card'), { page: '/checkout/payment?session=abc#top' })
    asked(log, 2, answered('pay-card'), { page: '/checkout/payment/' })
    expect(log.entriesAskedFrom({ page: ' /checkout/payment/?utm=mail ' }, { limit: 5, minSupport: 5 })).toEqual([{ entryId: 'pay-card', count: 5, share: 1, source: 'page' }])
  })

  it('counts a page family written with /* (the root and every page under it, not a sibling with the same start)', () => {
    const log = logAt()
    asked(log, 2, answered('size'), { page: '/products/123' })
    asked(log, 2, answered('size'), { page: '/products/456/reviews' })
    asked(log, 1, answered('size'), { page: '/products' })
    asked(log, 4, answered('old'), { page: '/products-old/1' })
    expect(log.entriesAskedFrom({ page: '/products/*' }, { limit: 5, minSupport: 3 })).toEqual([{ entryId: 'size', count: 5, share: 1, source: 'page' }])
    // Without /*, a page is only itself.
    expect(log.entriesAskedFrom({ page: '/products/123' }, { limit: 5, minSupport: 2 })).toEqual([{ entryId: 'size', count: 2, share: 1, source: 'page' }])
    // /* alone is every page.
    expect(log.entriesAskedFrom({ page: '/*' }, { limit: 5, minSupport: 1 }).map((s) => [s.entryId, s.count])).toEqual([['size', 5], ['old', 4]])
  })

  it('falls back to the overall top entries (source overall) when the page has too few questions, or is unknown', () => {
    const log = logAt()
    asked(log, 5, answered('ship'), { page: '/orders/1' })
    asked(log, 4, answered('returns'), { page: '/returns' })
    asked(log, 2, answered('pay-card'), { page: '/checkout/payment' })
    const overall = [
      { entryId: 'ship', count: 5, share: Math.round((5 / 11) * 1e4) / 1e4, source: 'overall' },
      { entryId: 'returns', count: 4, share: Math.round((4 / 11) * 1e4) / 1e4, source: 'overall' },
    ]
    expect(log.entriesAskedFrom({ page: '/checkout/payment' }, { limit: 5, minSupport: 3 })).toEqual(overall)
    expect(log.entriesAskedFrom({ page: '/nowhere' }, { limit: 5, minSupport: 3 })).toEqual(overall)
    expect(log.entriesAskedFrom({}, { limit: 5, minSupport: 3 })).toEqual(overall)
    // A young log: nothing reaches the support anywhere.
    expect(logAt().entriesAskedFrom({ page: '/checkout/payment' }, { limit: 5, minSupport: 3 })).toEqual([])
  })

  it('counts only the place’s language and channel when given (the fallback keeps the language)', () => {
    const log = logAt()
    asked(log, 4, answered('ship-ja', 'ja'), { page: '/orders/1', channel: 'line' })
    asked(log, 3, answered('ship-en'), { page: '/orders/1', channel: 'web' })
    asked(log, 5, answered('returns-ja', 'ja'), { page: '/returns', channel: 'web' })
    expect(log.entriesAskedFrom({ page: '/orders/1', lang: 'ja' }, { limit: 5, minSupport: 3 })).toEqual([{ entryId: 'ship-ja', count: 4, share: 1, source: 'page' }])
    expect(log.entriesAskedFrom({ page: '/orders/1', lang: 'ja-JP' }, { limit: 5, minSupport: 3 }).map((s) => s.entryId)).toEqual(['ship-ja'])
    expect(log.entriesAskedFrom({ page: '/orders/1', channel: 'web' }, { limit: 5, minSupport: 3 }).map((s) => s.entryId)).toEqual(['ship-en'])
    // English on /returns: none; the overall English top entries stand in.
    expect(log.entriesAskedFrom({ page: '/returns', lang: 'en' }, { limit: 5, minSupport: 3 })).toEqual([{ entryId: 'ship-en', count: 3, share: 1, source: 'overall' }])
  })

  it('counts a recent window only (places.windowMs, 30 days by default, or windowMs per call)', () => {
    const log = logAt()
    asked(log, 3, answered('recent'), { page: '/p' })
    for (let i = 0; i < 5; i++) log.record(answered('old'), { page: '/p', at: NOW - 40 * DAY + i })
    expect(log.entriesAskedFrom({ page: '/p' }, { limit: 5, minSupport: 3 }).map((s) => s.entryId)).toEqual(['recent'])
    expect(log.entriesAskedFrom({ page: '/p' }, { limit: 5, minSupport: 3, windowMs: 60 * DAY }).map((s) => s.entryId)).toEqual(['old', 'recent'])
    const wide = logAt({ places: { windowMs: 60 * DAY } })
    for (let i = 0; i < 5; i++) wide.record(answered('old'), { page: '/p', at: NOW - 40 * DAY + i })
    expect(wide.entriesAskedFrom({ page: '/p' }, { limit: 5, minSupport: 3 }).map((s) => s.entryId)).toEqual(['old'])
  })

  it('reads at most places.maxEvents recent questions per call', () => {
    const log = logAt({ places: { maxEvents: 10 } })
    for (let i = 0; i < 30; i++) log.record(answered('old'), { page: '/p', at: NOW - DAY + i })
    for (let i = 0; i < 10; i++) log.record(answered('new'), { page: '/p', at: NOW - 1000 + i })
    expect(log.entriesAskedFrom({ page: '/p' }, { limit: 5, minSupport: 1 })).toEqual([{ entryId: 'new', count: 10, share: 1, source: 'page' }])
  })

  it('sees what was recorded or picked since its last answer (the cache is only reused while nothing changed)', () => {
    const log = logAt()
    asked(log, 3, answered('a'), { page: '/p' })
    expect(log.entriesAskedFrom({ page: '/p' }, { limit: 5, minSupport: 3 }).map((s) => [s.entryId, s.count])).toEqual([['a', 3]])
    const [c] = asked(log, 4, result('q', 'clarify', [['a', 0.4], ['b', 0.39]]), { page: '/p' })
    expect(log.entriesAskedFrom({ page: '/p' }, { limit: 5, minSupport: 3 }).map((s) => [s.entryId, s.count])).toEqual([['a', 3]])
    log.feedback(c, { kind: 'picked', entryId: 'b' })
    asked(log, 2, answered('b'), { page: '/p' })
    expect(log.entriesAskedFrom({ page: '/p' }, { limit: 5, minSupport: 3 }).map((s) => [s.entryId, s.count])).toEqual([['a', 3], ['b', 3]])
  })

  it('matches pages and families in hash mode (hashed the same way)', () => {
    const log = logAt({ redaction: { mode: 'hash' } })
    asked(log, 3, answered('size'), { page: '/products/123?ref=mail' })
    asked(log, 2, answered('size'), { page: '/products/9' })
    expect(log.entriesAskedFrom({ page: '/products/123' }, { limit: 5, minSupport: 3 })).toEqual([{ entryId: 'size', count: 3, share: 1, source: 'page' }])
    expect(log.entriesAskedFrom({ page: '/products/*' }, { limit: 5, minSupport: 5 })).toEqual([{ entryId: 'size', count: 5, share: 1, source: 'page' }])
  })

  it('rejects a malformed place or options with INVALID_OPTIONS; a store it cannot read gives no suggestions and is reported', () => {
    const log = logAt()
    expect(() => log.entriesAskedFrom({ page: '' }, { limit: 5, minSupport: 3 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/entriesAskedFrom.*page/s) }))
    expect(() => log.entriesAskedFrom({ page: '/p', colour: 'red' } as never, { limit: 5, minSupport: 3 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => log.entriesAskedFrom({ page: '/p' }, { limit: 0, minSupport: 3 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/limit/) }))
    const errors: KotaeError[] = []
    const closed = track(openHitLog(join(tempDir(), 'closed.sqlite'), { onError: (e) => errors.push(e) }))
    closed.close()
    expect(closed.entriesAskedFrom({ page: '/p' }, { limit: 5, minSupport: 3 })).toEqual([])
    expect(errors.map((e) => e.code)).toEqual(['LOG_CLOSED'])
  })
})

describe('the engine and the hit log together', () => {
  it('logs the page and the turns of each ask, and kb.suggestFor counts the page', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const log = logAt()
    kb.useLogger(log)
    const transcript = [{ role: 'user' as const, text: 'hi, I am alice@example.com' }, { role: 'bot' as const, text: 'How can I help?' }]
    let last: string | undefined
    for (let i = 0; i < 4; i++) last = (await kb.ask('how long does shipping take', { page: '/orders/8812?mail=alice@example.com', transcript })).eventId
    await kb.ask('return policy', { page: '/returns' })
    const ev = log.getEvent(last!)!
    expect(ev.page).toBe('/orders/8812')
    expect(ev.turns.map((t) => [t.role, t.text])).toEqual([['user', 'hi, I am [email]'], ['bot', 'How can I help?']])
    expect(kb.suggestFor({ page: '/orders/8812' }, { minSupport: 3 })).toEqual([{ entryId: 'shipping', count: 4, share: 1, source: 'page' }])
  })
})
