/** The entry classifier (src/retrieve/classifier.ts): trained only with enough phrasings, a distribution over the allowed entries. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CLASSIFIER, EntryClassifier } from '../../src/retrieve/index.js'
import { ENTRY_OF, terms, termsOf } from './phrasings.js'

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
