/** kb.suggestFor: the entries asked most from a place, from the logger's counts, with a fallback to the base's overall entries. */
import { describe, expect, it } from 'vitest'
import { buildKnowledgeBase, isKotaeError, type AskPlace, type PlaceSuggestion } from '../../src/index.js'

const ENTRIES = [
  { id: 'pay-ja', lang: 'ja', question: '支払い方法は？', answer: 'カードとコンビニ払いです。' },
  { id: 'ship-ja', lang: 'ja', question: '送料はいくら？', answer: '500円です。' },
  { id: 'pay-en', lang: 'en', question: 'how can I pay', answer: 'Cards and convenience stores.' },
]

describe('kb.suggestFor', () => {
  it('asks the logger for the place with the limit and minimum support, and drops entries the base no longer has', async () => {
    const kb = await buildKnowledgeBase(ENTRIES, { selfCalibrate: false })
    const calls: Array<[AskPlace, { limit: number; minSupport: number }]> = []
    const counts: PlaceSuggestion[] = [
      { entryId: 'pay-ja', count: 30, share: 0.6, source: 'page' },
      { entryId: 'gone-ja', count: 10, share: 0.2, source: 'page' },
      { entryId: 'ship-ja', count: 5, share: 0.1, source: 'page' },
    ]
    kb.useLogger({ record: () => 'ev', entriesAskedFrom: (place, options) => (calls.push([place, options]), counts) })
    expect(kb.suggestFor({ page: '/checkout/payment', lang: 'ja' }, { limit: 3, minSupport: 10 })).toEqual([counts[0], counts[2]])
    expect(calls[0]).toEqual([{ page: '/checkout/payment', lang: 'ja' }, { limit: 3, minSupport: 10 }])
    kb.suggestFor({ page: '/cart' })
    expect(calls[1]![1]).toEqual({ limit: 5, minSupport: 20 })
  })

  it('falls back to the base’s entries (source overall) without a logger that can count, in the place’s language', async () => {
    const kb = await buildKnowledgeBase(ENTRIES, { selfCalibrate: false })
    expect(kb.suggestFor({ page: '/checkout', lang: 'en' })).toEqual([{ entryId: 'pay-en', count: 0, share: 0, source: 'overall' }])
    kb.useLogger({ record: () => 'ev', entriesAskedFrom: () => { throw new Error('log closed') } })
    expect(kb.suggestFor({ lang: 'ja' }).map((s) => [s.entryId, s.source])).toEqual([['pay-ja', 'overall'], ['ship-ja', 'overall']])
  })

  it('validates the place and the options (INVALID_OPTIONS naming the field)', async () => {
    const kb = await buildKnowledgeBase(ENTRIES, { selfCalibrate: false })
    for (const call of [() => kb.suggestFor({ lang: 'fr' }), () => kb.suggestFor({ page: '/x' }, { limit: 0 })]) {
      let error: unknown
      try {
        call()
      } catch (e) {
        error = e
      }
      expect(isKotaeError(error, 'INVALID_OPTIONS')).toBe(true)
    }
  })
})
