/**
 * The retrieval stage's own contracts: normalised BM25 scores, a lossless saved form, novelty,
 * the common-term cut-off, the entry classifier and the HNSW index.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CLASSIFIER, EntryClassifier, LexicalIndex, VectorIndex } from '../../src/retrieve/index.js'
import { analyze, lexicalTerms, normalizeText } from '../../src/text/index.js'
import { BuiltinEmbedder } from '../../src/embed/builtin.js'

const PHRASINGS = [
  'how long does delivery take',
  'when will my parcel arrive',
  'can i return an item',
  'how do i send an item back',
  'what payment methods do you accept',
  'can i pay with a credit card',
]
const ENTRY_OF = Int32Array.from([0, 0, 1, 1, 2, 2])
const termsOf = (p: number) => lexicalTerms(analyze(normalizeText(PHRASINGS[p]), 'en'))
const terms = (text: string) => lexicalTerms(analyze(normalizeText(text), 'en'))

describe('LexicalIndex', () => {
  const index = LexicalIndex.build(PHRASINGS.length, termsOf)

  it('scores in 0..1, best phrasing first, and a full match near the top of the scale', () => {
    const hits = index.search(terms('when will my parcel arrive'), 10)
    expect(hits[0].phrasing).toBe(1)
    for (const hit of hits) expect(hit.score).toBeGreaterThan(0)
    for (const hit of hits) expect(hit.score).toBeLessThanOrEqual(1)
    expect(hits[0].score).toBeGreaterThan(0.7)
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a))
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

describe('EntryClassifier', () => {
  it('is not trained when entries have too few phrasings', () => {
    expect(EntryClassifier.train(termsOf, ENTRY_OF, 3, { ...DEFAULT_CLASSIFIER, minPhrasingsPerEntry: 4 })).toBeUndefined()
  })

  it('learns which words tell entries apart and gives a distribution over allowed entries', () => {
    const classifier = EntryClassifier.train(termsOf, ENTRY_OF, 3, { ...DEFAULT_CLASSIFIER, minPhrasingsPerEntry: 2 })!
    const p = classifier.probabilities(terms('my parcel has not arrived'))
    expect(p[0]).toBeGreaterThan(p[1])
    expect(p[0]).toBeGreaterThan(p[2])
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
    const withoutFirst = classifier.probabilities(terms('my parcel has not arrived'), (e) => e !== 0)
    expect(withoutFirst[0]).toBe(0)
    expect(withoutFirst[1] + withoutFirst[2]).toBeCloseTo(1, 6)
  })
})

describe('VectorIndex', () => {
  it('finds a stored phrasing as its own nearest neighbour and reads vectors back', async () => {
    const embedder = new BuiltinEmbedder({ dimension: 64 })
    embedder.fit(PHRASINGS)
    const vectors = await embedder.embed(PHRASINGS, 'passage')
    const index = VectorIndex.build(vectors, 64)
    for (let p = 0; p < PHRASINGS.length; p++) {
      const [best] = index.search(vectors[p], 1)
      expect(best.phrasing).toBe(p)
      expect(best.similarity).toBeCloseTo(1, 5)
    }
    expect(Array.from(index.vector(2))).toEqual(Array.from(vectors[2]))
    expect(index.search(vectors[0], 10, (p) => p % 2 === 1).every((h) => h.phrasing % 2 === 1)).toBe(true)
  })
})
