/**
 * Property tests for the decision policy (src/decide/policy.ts, options.ts, and
 * coherentConfidences in calibration.ts): for random rankings and thresholds, never an answer
 * below the answer threshold unless the question is an exact match; options are distinct
 * indexes, the top first, at most maxOptions, offerable (besides the top); doubt only goes
 * down (a stricter answer threshold or lower confidences never turn a non-answer into an
 * answer); coherent confidences are non-increasing and sum to at most 1; a base without a
 * fitted threshold never answers except on an exact match.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { clarifyOptions, coherentConfidences, decide, type DecisionSituation, type DecisionThresholds, type RankedForDecision } from '../../src/decide/index.js'

const RUNS = { numRuns: 500 }
const unit = fc.double({ min: 0, max: 1, noNaN: true })

/** Random thresholds, including the edges (0, 1, above 1: never answer). */
const thresholds: fc.Arbitrary<DecisionThresholds> = fc.record({
  answerThreshold: fc.oneof(unit, fc.constantFrom(0, 1, 1.01)),
  clarifyThreshold: fc.oneof(unit, fc.constantFrom(0, 1, 100)),
  confirmThreshold: fc.oneof(unit, fc.constantFrom(0, 1, 100)),
  outOfScopeScore: fc.oneof(unit, fc.constant(0)),
  ambiguityMargin: fc.oneof(fc.double({ min: 0, max: 0.5, noNaN: true }), fc.constant(0)),
  maxOptions: fc.integer({ min: 1, max: 6 }),
})

/**
 * A ranking as the engine gives it: scores non-increasing (best first), confidences made
 * coherent, some entries not offerable. Values are often tied, as real rankings are.
 */
const ranking: fc.Arbitrary<RankedForDecision[]> = fc
  .array(fc.record({ score: fc.oneof(unit, fc.constantFrom(0, 0.5, 1)), confidence: fc.oneof(unit, fc.constantFrom(0, 0.5, 1)), offerable: fc.option(fc.boolean(), { nil: undefined }) }), { maxLength: 12 })
  .map((items) => {
    const scores = items.map((i) => i.score).sort((a, b) => b - a)
    const confidences = coherentConfidences(items.map((i) => i.confidence))
    return items.map((item, i) => ({ score: scores[i], confidence: confidences[i], ...(item.offerable === undefined ? {} : { offerable: item.offerable }) }))
  })

const situation: fc.Arbitrary<DecisionSituation> = fc.record({ exactMatch: fc.boolean(), uncalibrated: fc.boolean() }, { requiredKeys: [] })

describe('decide, for any ranking and thresholds', () => {
  it('never answers below the answer threshold unless the question is an exact match', () => {
    fc.assert(
      fc.property(ranking, thresholds, situation, (ranked, t, s) => {
        const verdict = decide(ranked, t, s)
        if (verdict.decision !== 'answer') return
        expect(verdict.options).toEqual([0])
        if (verdict.reason === 'exact-match') {
          expect(s.exactMatch).toBe(true)
          return
        }
        expect(verdict.reason).toBe('confident')
        expect(ranked[0].confidence).toBeGreaterThanOrEqual(t.answerThreshold)
        expect(ranked[0].score).toBeGreaterThanOrEqual(t.outOfScopeScore)
      }),
      RUNS,
    )
  })

  it('a base without a fitted threshold never answers, except an exact match', () => {
    fc.assert(
      fc.property(ranking, thresholds, (ranked, t) => {
        const verdict = decide(ranked, t, { uncalibrated: true })
        expect(verdict.decision).not.toBe('answer')
        if (verdict.decision === 'clarify') expect(verdict.reason).toBe('uncalibrated')
      }),
      RUNS,
    )
  })

  it('offers distinct indexes into the ranking, the top first, at most maxOptions, only offerable ones besides the top', () => {
    fc.assert(
      fc.property(ranking, thresholds, situation, (ranked, t, s) => {
        const { decision, options } = decide(ranked, t, s)
        if (decision === 'escalate') {
          expect(options).toEqual([])
          return
        }
        expect(options[0]).toBe(0)
        expect(new Set(options).size).toBe(options.length)
        expect(options.length).toBeLessThanOrEqual(Math.max(1, t.maxOptions))
        for (const i of options) {
          expect(Number.isInteger(i) && i >= 0 && i < ranked.length).toBe(true)
          if (i > 0) expect(ranked[i].offerable).not.toBe(false)
        }
        // In ranking order, each within twice the ambiguity margin of the top.
        expect([...options].sort((a, b) => a - b)).toEqual(options)
        for (const i of options) expect(ranked[0].score - ranked[i].score).toBeLessThanOrEqual(2 * t.ambiguityMargin + 1e-12)
      }),
      RUNS,
    )
  })

  it('clarifies only when the options hold enough mass: several against the clarify threshold, one against the confirm threshold', () => {
    fc.assert(
      fc.property(ranking, thresholds, (ranked, t) => {
        const verdict = decide(ranked, t)
        if (verdict.decision !== 'clarify') return
        const mass = verdict.options.reduce((sum, i) => sum + ranked[i].confidence, 0)
        expect(mass).toBeGreaterThanOrEqual(verdict.options.length > 1 ? t.clarifyThreshold : t.confirmThreshold)
        expect(ranked[0].confidence).toBeLessThan(t.answerThreshold)
        if (verdict.reason === 'ambiguous') expect(verdict.options.length).toBeGreaterThanOrEqual(2)
      }),
      RUNS,
    )
  })

  it('out of scope (top score below the out-of-scope score) is escalated, unless an exact match', () => {
    fc.assert(
      fc.property(ranking, thresholds, situation, (ranked, t, s) => {
        const verdict = decide(ranked, t, s)
        if (ranked.length > 0 && s.exactMatch) {
          expect(verdict).toEqual({ decision: 'answer', reason: 'exact-match', options: [0] })
          return
        }
        if (ranked.length === 0 || ranked[0].score < t.outOfScopeScore) expect(verdict).toEqual({ decision: 'escalate', reason: 'out-of-scope', options: [] })
      }),
      RUNS,
    )
  })
})

describe('doubt only goes down', () => {
  it('raising the answer threshold never turns a non-answer into an answer', () => {
    fc.assert(
      fc.property(ranking, thresholds, fc.double({ min: 0, max: 1, noNaN: true }), situation, (ranked, t, raise, s) => {
        const before = decide(ranked, t, s)
        const after = decide(ranked, { ...t, answerThreshold: t.answerThreshold + raise }, s)
        if (before.decision !== 'answer') expect(after.decision).not.toBe('answer')
        // And an answer that survives is the same answer.
        if (after.decision === 'answer') expect(after).toEqual(before)
      }),
      RUNS,
    )
  })

  it('lowering the confidences never turns a non-answer into an answer', () => {
    fc.assert(
      fc.property(ranking, thresholds, fc.array(unit, { maxLength: 12 }), situation, (ranked, t, factors, s) => {
        const lowered = ranked.map((c, i) => ({ ...c, confidence: c.confidence * (factors[i] ?? 1) }))
        const before = decide(ranked, t, s)
        const after = decide(lowered, t, s)
        if (before.decision !== 'answer') expect(after.decision).not.toBe('answer')
      }),
      RUNS,
    )
  })

  it('raising the clarify and confirm thresholds never turns an escalation into an answer or a clarify', () => {
    fc.assert(
      fc.property(ranking, thresholds, unit, unit, (ranked, t, up1, up2) => {
        const before = decide(ranked, t)
        const after = decide(ranked, { ...t, clarifyThreshold: t.clarifyThreshold + up1, confirmThreshold: t.confirmThreshold + up2 })
        if (before.decision === 'escalate') expect(after.decision).toBe('escalate')
        if (before.decision === 'answer') expect(after).toEqual(before)
      }),
      RUNS,
    )
  })
})

describe('clarifyOptions, for any ranking', () => {
  it('the mass is the sum of the options offered, and at most 1 for coherent confidences', () => {
    fc.assert(
      fc.property(ranking, fc.double({ min: 0, max: 0.5, noNaN: true }), fc.integer({ min: 1, max: 6 }), fc.boolean(), (ranked, margin, max, withoutConfidence) => {
        const { options, mass } = clarifyOptions(ranked, margin, max, withoutConfidence)
        expect(mass).toBeCloseTo(options.reduce((sum, i) => sum + ranked[i].confidence, 0), 12)
        expect(mass).toBeLessThanOrEqual(1 + 1e-9)
        expect(options.length).toBeLessThanOrEqual(ranked.length === 0 ? 0 : max)
      }),
      RUNS,
    )
  })
})

describe('coherentConfidences, for any confidences', () => {
  it('is non-increasing, sums to at most 1, keeps the top, and never gives more than the input', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(unit, fc.constantFrom(0, 1)), { maxLength: 20 }), (raw) => {
        const out = coherentConfidences(raw)
        expect(out).toHaveLength(raw.length)
        if (raw.length > 0) expect(out[0]).toBe(raw[0])
        for (let i = 0; i < out.length; i++) {
          expect(out[i]).toBeLessThanOrEqual(raw[i])
          if (i > 0) expect(out[i]).toBeLessThanOrEqual(out[i - 1])
          // What is left for a runner-up is what the ones above did not take.
          if (i > 0) expect(out[i]).toBeLessThanOrEqual(1 - out.slice(0, i).reduce((a, b) => a + b, 0) + 1e-9)
        }
        expect(out.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9)
      }),
      RUNS,
    )
  })

  it('leaves an already coherent list as it is', () => {
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 20 }), (raw) => {
        const once = coherentConfidences(raw)
        const twice = coherentConfidences(once)
        twice.forEach((c, i) => expect(c).toBeCloseTo(once[i], 12))
      }),
      RUNS,
    )
  })
})
