/**
 * The lexical index (src/retrieve/lexical-index.ts): normalised BM25 scores, a lossless saved
 * form, novelty and the common-term cut-off. The classifier and the HNSW index: classifier.test.ts,
 * vector-index.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { LexicalIndex } from '../../src/retrieve/index.js'
import { PHRASINGS, terms, termsOf } from './phrasings.js'

describe('LexicalIndex', () => {
  const index = LexicalIndex.build(PHRASINGS.length, termsOf)

  it('scores in 0..1, best phrasing first, and a full match above any partial one', () => {
    const hits = index.search(terms('when will my parcel arrive'), 10)
    expect(hits[0].phrasing).toBe(1)
    for (const hit of hits) expect(hit.score).toBeGreaterThan(0)
    for (const hit of hits) expect(hit.score).toBeLessThanOrEqual(1)
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a))
    // The same phrasing matched by fewer of its words scores lower, and the full match is more than half the scale.
    const partial = index.search(terms('parcel arrive'), 10).find((h) => h.phrasing === 1)!
    expect(hits[0].score).toBeGreaterThan(partial.score)
    expect(hits[0].score).toBeGreaterThan(0.5)
  })

  it('saves to data and restores with identical results', () => {
    const restored = LexicalIndex.fromData(JSON.parse(JSON.stringify(index.toData())))
    for (const q of ['can i return it', 'credit card payment', 'parcel']) expect(restored.search(terms(q), 5)).toEqual(index.search(terms(q), 5))
  })

  it('measures novelty: 0 for known words, 1 for words the FAQ never uses, held-out phrasings count as unseen', () => {
    expect(index.novelty(terms('parcel arrive'))).toBe(0)
    expect(index.novelty(terms('weather forecast'))).toBe(1)
    const half = index.novelty(terms('parcel weather'))
    expect(half).toBeGreaterThan(0)
    expect(half).toBeLessThan(1)
    // "parcel" only occurs in phrasing 1: with it filtered out, it is as new as "weather".
    expect(index.novelty(terms('parcel'), (p) => p !== 1)).toBe(1)
  })

  it('does not score terms that occur in most of a large base, but still counts them against the score', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `the item number${i}`)
    const large = LexicalIndex.build(big.length, (p) => terms(big[p]))
    const hits = large.search(terms('the item number7'), 3)
    expect(hits[0].phrasing).toBe(7)
    expect(hits).toHaveLength(1) // "the" and "item" touch every phrasing but are not scored
    expect(hits[0].score).toBeLessThan(1)
  })
})
