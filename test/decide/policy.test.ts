/**
 * The decision policy (src/decide/policy.ts) on hand-made rankings: answer only at or above the
 * answer threshold (or on an exact match), escalate out of scope below the out-of-scope score,
 * clarify with two or more options against the clarify threshold and confirm the top entry
 * alone against the confirm threshold, and a base without a fitted threshold never answers.
 */
import { describe, expect, it } from 'vitest'
import { decide, defaultCalibration, fitCalibration, FEATURE_NAMES, thresholdsFrom, type DecisionThresholds, type RankedForDecision } from '../../src/decide/index.js'

/** Thresholds chosen for the test (not the tuned defaults): every case below states its own. */
const T: DecisionThresholds = { answerThreshold: 0.8, clarifyThreshold: 0.5, confirmThreshold: 0.6, outOfScopeScore: 0.3, ambiguityMargin: 0.05, maxOptions: 3 }

const c = (score: number, confidence: number, offerable?: boolean): RankedForDecision => ({ score, confidence, ...(offerable === undefined ? {} : { offerable }) })

describe('thresholdsFrom', () => {
  it('takes the fitted thresholds of the calibration, and overrides win', () => {
    const calibration = { ...defaultCalibration(), answerThreshold: 0.7, clarifyThreshold: 0.4, confirmThreshold: 0.55, outOfScopeScore: 0.25 }
    const fitted = thresholdsFrom(calibration)
    expect(fitted).toMatchObject({ answerThreshold: 0.7, clarifyThreshold: 0.4, confirmThreshold: 0.55, outOfScopeScore: 0.25 })
    expect(fitted.maxOptions).toBeGreaterThanOrEqual(2)
    expect(fitted.ambiguityMargin).toBeGreaterThan(0)
    expect(thresholdsFrom(calibration, { answerThreshold: 0.9, maxOptions: 5 })).toEqual({ ...fitted, answerThreshold: 0.9, maxOptions: 5 })
  })

  it('a fitted calibration gives the thresholds it fitted', () => {
    const sample = (score: number, correct: boolean) => ({ features: FEATURE_NAMES.map((n) => (n === 'score' ? score : 0)), correct, outOfScope: false })
    const calibration = fitCalibration(Array.from({ length: 60 }, (_, i) => sample(i / 60, i >= 20)), { source: 'labelled' })
    const t = thresholdsFrom(calibration)
    expect([t.answerThreshold, t.clarifyThreshold, t.confirmThreshold, t.outOfScopeScore]).toEqual([calibration.answerThreshold, calibration.clarifyThreshold, calibration.confirmThreshold, calibration.outOfScopeScore])
  })
})

describe('decide: answer', () => {
  it('answers the top entry at or above the answer threshold', () => {
    for (const confidence of [T.answerThreshold, 0.9, 1]) expect(decide([c(0.9, confidence), c(0.5, 0.01)], T)).toEqual({ decision: 'answer', reason: 'confident', options: [0] })
  })

  it('never answers just below it', () => {
    expect(decide([c(0.9, T.answerThreshold - 1e-9)], T).decision).not.toBe('answer')
  })

  it('an exact match is answered whatever its confidence and score', () => {
    for (const top of [c(0.9, 0), c(0.01, 0), c(1, 1)]) expect(decide([top, c(0.5, 0.5)], T, { exactMatch: true })).toEqual({ decision: 'answer', reason: 'exact-match', options: [0] })
    // Even on a base that never answers otherwise.
    expect(decide([c(0.9, 0)], T, { exactMatch: true, uncalibrated: true }).decision).toBe('answer')
  })

  it('an answer threshold above 1 never answers', () => {
    expect(decide([c(1, 1)], { ...T, answerThreshold: 1.01 }).decision).not.toBe('answer')
  })
})

describe('decide: out of scope', () => {
  it('escalates with no options below the out-of-scope score, even when the confidence would answer', () => {
    for (const score of [0, T.outOfScopeScore - 1e-9]) expect(decide([c(score, 0.99), c(score, 0.01)], T)).toEqual({ decision: 'escalate', reason: 'out-of-scope', options: [] })
  })

  it('an empty ranking escalates out of scope (an exact match needs an entry)', () => {
    expect(decide([], T)).toEqual({ decision: 'escalate', reason: 'out-of-scope', options: [] })
    expect(decide([], T, { exactMatch: true })).toEqual({ decision: 'escalate', reason: 'out-of-scope', options: [] })
  })

  it('at the out-of-scope score, the question is in scope', () => {
    expect(decide([c(T.outOfScopeScore, 0.9)], T).decision).toBe('answer')
  })
})

describe('decide: clarify with several options, against the clarify threshold', () => {
  it('asks with the close entries when their confidences add up to the clarify threshold: ambiguous', () => {
    const verdict = decide([c(0.7, 0.3), c(0.69, 0.25), c(0.4, 0.2)], T)
    expect(verdict).toEqual({ decision: 'clarify', reason: 'ambiguous', options: [0, 1] })
  })

  it('escalates when the options together are below it, even if the top alone clears the confirm threshold', () => {
    // mass 0.62 + 0.1 = 0.72 < clarify 0.75; top 0.62 ≥ confirm 0.6: judged as a clarify, not as a confirmation.
    expect(decide([c(0.7, 0.62), c(0.69, 0.1)], { ...T, clarifyThreshold: 0.75 })).toEqual({ decision: 'escalate', reason: 'low-confidence', options: [] })
  })

  it('a second option beyond the ambiguity margin (but within twice it) makes a low-confidence clarify, not an ambiguous one', () => {
    const verdict = decide([c(0.7, 0.4), c(0.7 - 1.5 * T.ambiguityMargin, 0.2)], T)
    expect(verdict).toEqual({ decision: 'clarify', reason: 'low-confidence', options: [0, 1] })
  })

  it('the clarify threshold does not decide a confirmation', () => {
    // One option (the runner-up is far behind): clarify threshold 0 would ask, the confirm threshold does not.
    expect(decide([c(0.7, 0.5), c(0.2, 0.3)], { ...T, clarifyThreshold: 0, confirmThreshold: 0.55 }).decision).toBe('escalate')
  })
})

describe('decide: confirm the top entry alone, against the confirm threshold', () => {
  it('confirms a likely top entry when no other entry may be offered', () => {
    for (const ranking of [[c(0.7, 0.7)], [c(0.7, 0.7), c(0.1, 0.2)], [c(0.7, 0.7), c(0.7, 0.2, false)], [c(0.7, 0.7), c(0.69, 0.01)]]) {
      expect(decide(ranking, T)).toEqual({ decision: 'clarify', reason: 'low-confidence', options: [0] })
    }
  })

  it('escalates a top entry below the confirm threshold, even if the clarify threshold is lower', () => {
    expect(decide([c(0.7, 0.55)], { ...T, clarifyThreshold: 0.1, confirmThreshold: 0.6 })).toEqual({ decision: 'escalate', reason: 'low-confidence', options: [] })
  })
})

describe('decide: a base without a fitted threshold (uncalibrated)', () => {
  it('never answers on confidence, and offers its closest entries whatever their confidence', () => {
    const verdict = decide([c(0.7, 1), c(0.69, 0), c(0.68, 0), c(0.1, 0)], T, { uncalibrated: true })
    expect(verdict).toEqual({ decision: 'clarify', reason: 'uncalibrated', options: [0, 1, 2] })
  })

  it('still escalates out of scope', () => {
    expect(decide([c(0.1, 1)], T, { uncalibrated: true })).toEqual({ decision: 'escalate', reason: 'out-of-scope', options: [] })
  })

  it('offers only offerable entries, at most maxOptions', () => {
    const verdict = decide([c(0.7, 0), c(0.7, 0, false), c(0.69, 0), c(0.69, 0), c(0.69, 0)], { ...T, maxOptions: 2 }, { uncalibrated: true })
    expect(verdict.options).toEqual([0, 2])
  })
})

describe('decide: what every verdict carries', () => {
  it('an answer offers the top entry, a clarify distinct entries with the top first, an escalation none', () => {
    const rankings = [
      [c(0.9, 0.95)],
      [c(0.7, 0.3), c(0.69, 0.3), c(0.68, 0.2), c(0.67, 0.1)],
      [c(0.7, 0.1)],
      [c(0.1, 0.9)],
    ]
    for (const ranking of rankings) {
      const verdict = decide(ranking, T)
      if (verdict.decision === 'answer') expect(verdict.options).toEqual([0])
      if (verdict.decision === 'escalate') expect(verdict.options).toEqual([])
      if (verdict.decision === 'clarify') {
        expect(verdict.options[0]).toBe(0)
        expect(new Set(verdict.options).size).toBe(verdict.options.length)
        expect(verdict.options.length).toBeLessThanOrEqual(T.maxOptions)
      }
    }
    expect(rankings.map((r) => decide(r, T).decision)).toEqual(['answer', 'clarify', 'escalate', 'escalate'])
  })
})
