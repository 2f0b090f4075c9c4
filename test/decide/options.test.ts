/**
 * Which entries a clarify question offers (src/decide/options.ts): the top first, then close,
 * offerable and plausible runners-up, at most maxOptions; the option mass is their summed
 * confidence; "ambiguous" means a second option as close as the ambiguity margin.
 */
import { describe, expect, it } from 'vitest'
import { clarifyOptions, MIN_OPTION_CONFIDENCE, type OptionCandidate } from '../../src/decide/index.js'

const c = (score: number, confidence: number, offerable?: boolean): OptionCandidate => ({ score, confidence, ...(offerable === undefined ? {} : { offerable }) })
const MARGIN = 0.05

describe('clarifyOptions', () => {
  it('offers nothing for an empty ranking', () => {
    expect(clarifyOptions([], MARGIN, 3)).toEqual({ options: [], mass: 0, ambiguous: false })
  })

  it('always offers the top candidate first, even when it is unlikely or not offerable', () => {
    expect(clarifyOptions([c(0.5, 0)], MARGIN, 3).options).toEqual([0])
    expect(clarifyOptions([c(0.5, 0.4, false), c(0.5, 0.3)], MARGIN, 3).options).toEqual([0, 1])
  })

  it('offers runners-up within twice the ambiguity margin of the top score, and no further', () => {
    const ranking = [c(0.8, 0.3), c(0.8 - MARGIN, 0.2), c(0.8 - 2 * MARGIN + 1e-9, 0.2), c(0.8 - 2 * MARGIN - 1e-6, 0.2)]
    expect(clarifyOptions(ranking, MARGIN, 5).options).toEqual([0, 1, 2])
  })

  it('skips runners-up that may not be offered or are too unlikely, and keeps looking past them', () => {
    const ranking = [c(0.8, 0.3), c(0.79, 0.3, false), c(0.79, MIN_OPTION_CONFIDENCE / 2), c(0.78, MIN_OPTION_CONFIDENCE)]
    expect(clarifyOptions(ranking, MARGIN, 3).options).toEqual([0, 3])
  })

  it('without confidence (a base with no fitted confidence) offers unlikely runners-up too, but still not the unofferable ones', () => {
    const ranking = [c(0.8, 0), c(0.79, 0, false), c(0.79, 0), c(0.78, 0)]
    expect(clarifyOptions(ranking, MARGIN, 3, true).options).toEqual([0, 2, 3])
    expect(clarifyOptions(ranking, MARGIN, 3, false).options).toEqual([0])
  })

  it('offers at most maxOptions, the best-ranked first', () => {
    const ranking = Array.from({ length: 8 }, (_, i) => c(0.8 - i * 0.001, 0.1))
    for (const max of [1, 2, 3, 5]) expect(clarifyOptions(ranking, MARGIN, max).options).toEqual(Array.from({ length: max }, (_, i) => i))
  })

  it('the mass is the summed confidence of exactly the options offered', () => {
    const ranking = [c(0.8, 0.3), c(0.79, 0.2), c(0.5, 0.4), c(0.78, 0.1)]
    const { options, mass } = clarifyOptions(ranking, MARGIN, 3)
    expect(options).toEqual([0, 1, 3])
    expect(mass).toBeCloseTo(0.3 + 0.2 + 0.1, 12)
  })

  it('is ambiguous exactly when a second option is within the ambiguity margin of the top', () => {
    expect(clarifyOptions([c(0.8, 0.3), c(0.8 - MARGIN / 2, 0.2)], MARGIN, 3).ambiguous).toBe(true)
    expect(clarifyOptions([c(0.8, 0.3), c(0.8 - 1.5 * MARGIN, 0.2)], MARGIN, 3)).toMatchObject({ options: [0, 1], ambiguous: false })
    expect(clarifyOptions([c(0.8, 0.3)], MARGIN, 3).ambiguous).toBe(false)
    // A close runner-up that is not offered does not make the question ambiguous.
    expect(clarifyOptions([c(0.8, 0.3), c(0.8, 0.3, false)], MARGIN, 3).ambiguous).toBe(false)
  })
})
