/**
 * Calibration (src/decide/calibration.ts) on synthetic samples, through the decide stage's
 * exports: the answer threshold keeps its precision promise by the Wilson bound, a set that
 * cannot show right from wrong never answers and says why, a stricter target never answers
 * more, the clarify and confirm thresholds are each fitted on their own kind of question, a
 * feature that never varied cannot move a confidence, and coherent confidences are a
 * distribution.
 */
import { describe, expect, it } from 'vitest'
import { coherentConfidences, confidenceOf, defaultCalibration, FEATURE_NAMES, fitCalibration, precisionLowerBound, type Calibration, type CalibrationSample } from '../../src/decide/index.js'
import { mulberry32 } from '../../src/random.js'

const SCORE = FEATURE_NAMES.indexOf('score')
const MARGIN = FEATURE_NAMES.indexOf('margin')
const LANGUAGE_MATCH = FEATURE_NAMES.indexOf('languageMatch')

/** A feature vector: every feature 0 except the ones given. */
function features(values: Partial<Record<(typeof FEATURE_NAMES)[number], number>>): number[] {
  return FEATURE_NAMES.map((name) => values[name] ?? 0)
}

/** A top-candidate sample (no ranking). */
function sample(score: number, margin: number, correct: boolean, outOfScope = false): CalibrationSample {
  return { features: features({ score, margin }), correct, outOfScope }
}

/** `n` right answers with high scores and `n` wrong ones with low scores: a line tells them apart. */
function separable(n: number, seed = 1): CalibrationSample[] {
  const random = mulberry32(seed)
  const out: CalibrationSample[] = []
  for (let i = 0; i < n; i++) out.push(sample(0.75 + 0.25 * random(), 0.2 + 0.3 * random(), true))
  for (let i = 0; i < n; i++) out.push(sample(0.1 + 0.4 * random(), 0.1 * random(), false, i % 2 === 0))
  return out
}

/** Right and wrong answers whose scores overlap: right is only more likely the higher the score. */
function overlapping(n: number, seed = 2): CalibrationSample[] {
  const random = mulberry32(seed)
  return Array.from({ length: n }, () => {
    const score = random()
    return sample(score, score * 0.4 * random(), random() < score)
  })
}

/** The samples a calibration would answer (confidence at or above its answer threshold). */
function answered(calibration: Calibration, samples: CalibrationSample[]): CalibrationSample[] {
  return samples.filter((s) => confidenceOf(calibration, s.features) >= calibration.answerThreshold)
}

describe('precisionLowerBound', () => {
  it('is 0 with no samples, at most the observed share, and below it for small samples', () => {
    expect(precisionLowerBound(0, 0)).toBe(0)
    for (const [correct, total] of [[0, 5], [3, 5], [5, 5], [19, 20], [95, 100], [950, 1000]]) {
      const bound = precisionLowerBound(correct, total)
      expect(bound).toBeGreaterThanOrEqual(0)
      expect(bound).toBeLessThanOrEqual(correct / total)
    }
    // 19 right out of 20 does not support a promise of 95%.
    expect(precisionLowerBound(19, 20)).toBeLessThan(0.95)
  })

  it('grows with more right answers, and with more samples at the same share', () => {
    for (let correct = 0; correct < 20; correct++) expect(precisionLowerBound(correct + 1, 20)).toBeGreaterThan(precisionLowerBound(correct, 20))
    expect(precisionLowerBound(95, 100)).toBeGreaterThan(precisionLowerBound(19, 20))
    expect(precisionLowerBound(950, 1000)).toBeGreaterThan(precisionLowerBound(95, 100))
  })
})

describe('fitCalibration: the answer threshold', () => {
  it('on separable samples answers, and what it answers reaches the target precision by the Wilson bound', () => {
    const samples = separable(60)
    const calibration = fitCalibration(samples, { source: 'labelled', targetPrecision: 0.95 })
    expect(calibration.source).toBe('labelled')
    expect(calibration.answerThreshold).toBeLessThanOrEqual(1)
    expect(calibration.notes).toEqual([])
    const answers = answered(calibration, samples)
    expect(answers.length).toBeGreaterThan(0)
    const right = answers.filter((s) => s.correct).length
    expect(precisionLowerBound(right, answers.length)).toBeGreaterThanOrEqual(0.95)
    // The fitted figures describe exactly those answers.
    expect(calibration.fitted.answerRate).toBeCloseTo(answers.length / samples.length, 12)
    expect(calibration.fitted.answerPrecision).toBeCloseTo(right / answers.length, 12)
    // Right answers are more confident than wrong ones.
    const mean = (xs: CalibrationSample[]) => xs.reduce((sum, s) => sum + confidenceOf(calibration, s.features), 0) / xs.length
    expect(mean(samples.filter((s) => s.correct))).toBeGreaterThan(mean(samples.filter((s) => !s.correct)))
  })

  it('on overlapping samples keeps the promise too (or never answers), for several targets', () => {
    const samples = overlapping(400)
    for (const targetPrecision of [0.7, 0.8, 0.9, 0.95]) {
      const calibration = fitCalibration(samples, { source: 'self', targetPrecision })
      expect(calibration.targetPrecision).toBe(targetPrecision)
      const answers = answered(calibration, samples)
      if (calibration.answerThreshold > 1) {
        expect(answers).toEqual([])
        continue
      }
      expect(answers.length, `target ${targetPrecision}`).toBeGreaterThan(0)
      expect(precisionLowerBound(answers.filter((s) => s.correct).length, answers.length), `target ${targetPrecision}`).toBeGreaterThanOrEqual(targetPrecision)
    }
  })

  it('a stricter target precision never lowers the threshold', () => {
    for (const samples of [separable(40, 7), overlapping(300, 8), overlapping(120, 9)]) {
      let previous = -Infinity
      for (const targetPrecision of [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]) {
        const threshold = fitCalibration(samples, { source: 'labelled', targetPrecision }).answerThreshold
        expect(threshold, `target ${targetPrecision}`).toBeGreaterThanOrEqual(previous)
        previous = threshold
      }
    }
  })

  it('the questions it must hold on by themselves (mustHoldOn) can only raise the threshold', () => {
    const samples = separable(50, 3)
    // The caller's own questions: fairly high scores, a third of them wrong. Pooled with the easy
    // samples they are answered at the target; on their own they never reach it.
    const own = Array.from({ length: 12 }, (_, i) => sample(0.7 + i * 0.02, 0.25, i % 3 !== 0))
    const pooled = fitCalibration([...samples, ...own], { source: 'labelled' })
    const holding = fitCalibration([...samples, ...own], { source: 'labelled', mustHoldOn: own })
    expect(pooled.answerThreshold).toBeLessThanOrEqual(1)
    expect(holding.answerThreshold).toBeGreaterThan(pooled.answerThreshold)
    const ownAnswers = answered(holding, own)
    if (ownAnswers.length > 0) expect(precisionLowerBound(ownAnswers.filter((s) => s.correct).length, ownAnswers.length)).toBeGreaterThanOrEqual(0.95)
    // Questions that are all right by themselves change nothing.
    const easy = samples.filter((s) => s.correct).slice(0, 30)
    expect(fitCalibration(samples, { source: 'labelled', mustHoldOn: easy }).answerThreshold).toBeGreaterThanOrEqual(fitCalibration(samples, { source: 'labelled' }).answerThreshold)
  })

  it('counts in-scope, labelled out-of-scope and simulated out-of-scope samples', () => {
    const samples = separable(30)
    const calibration = fitCalibration(samples, { source: 'self', simulatedOutOfScope: 5 })
    expect(calibration.samples.inScope).toBe(samples.filter((s) => !s.outOfScope).length)
    expect(calibration.samples.simulatedOutOfScope).toBe(5)
    expect(calibration.samples.outOfScope + calibration.samples.simulatedOutOfScope).toBe(samples.filter((s) => s.outOfScope).length)
  })

  it('sets the out-of-scope score at or below the scores of nearly all right answers', () => {
    const samples = separable(100, 4)
    const calibration = fitCalibration(samples, { source: 'labelled' })
    const rightScores = samples.filter((s) => s.correct).map((s) => s.features[SCORE])
    expect(rightScores.filter((score) => score < calibration.outOfScopeScore).length).toBeLessThanOrEqual(Math.ceil(rightScores.length * 0.05))
    expect(calibration.outOfScopeScore).toBeGreaterThan(Math.min(...samples.map((s) => s.features[SCORE])))
  })
})

describe('fitCalibration: samples that cannot show right from wrong never answer, and say why', () => {
  const cases: Array<[string, CalibrationSample[], RegExp]> = [
    ['fewer than 20 samples', separable(9), /only 18 calibration question/],
    ['no samples', [], /only 0 calibration question/],
    ['all answered right', separable(30).map((s) => ({ ...s, correct: true })), /all answered right/],
    ['all answered wrong', separable(30).map((s) => ({ ...s, correct: false })), /all answered wrong/],
  ]
  for (const [name, samples, why] of cases) {
    it(name, () => {
      const calibration = fitCalibration(samples, { source: 'labelled', targetPrecision: 0.9 })
      expect(calibration.answerThreshold).toBeGreaterThan(1)
      expect(calibration.targetPrecision).toBe(0.9)
      expect(calibration.notes.join(' ')).toMatch(why)
      // The note tells a person what to do about it.
      expect(calibration.notes.join(' ')).toMatch(/variants|--calib|suggest/)
      // No confidence can reach the threshold: even a perfect-looking candidate is not answered.
      expect(confidenceOf(calibration, features({ score: 1, margin: 1 }))).toBeLessThan(calibration.answerThreshold)
    })
  }

  it('a target no set of answers reaches gives a threshold above 1 and a note naming the target', () => {
    const calibration = fitCalibration(overlapping(60, 5), { source: 'self', targetPrecision: 0.999 })
    expect(calibration.answerThreshold).toBeGreaterThan(1)
    expect(calibration.notes.join(' ')).toMatch(/100%|99\.9|no confidence level reached/)
    expect(calibration.fitted.answerRate).toBe(0)
  })
})

describe('fitCalibration: clarify and confirm thresholds, each fitted on its own kind of question', () => {
  /**
   * Clear answers and clear out-of-scope questions, plus 60 unsure ones with identical features
   * (so they share one confidence, below any answer threshold): 30 whose runner-up is close and
   * offerable (asked as a clarify question with two options), 30 whose runner-up may not be
   * offered (asked as a confirmation of the top entry alone). `clarifyHits` says which kind has
   * the right entry among its options; the other kind never has.
   */
  function unsureSamples(clarifyHits: boolean): CalibrationSample[] {
    const out = separable(40, 11)
    const top = features({ score: 0.6, margin: 0.02 })
    const runnerUp = features({ score: 0.58, margin: -0.02 })
    for (const kind of ['clarify', 'confirm'] as const) {
      const hit = (kind === 'clarify') === clarifyHits
      for (let i = 0; i < 30; i++) {
        out.push({ features: top, correct: hit, outOfScope: false, ranking: [{ features: top, offerable: true }, { features: runnerUp, offerable: kind === 'clarify' }], expectedRank: hit ? 0 : -1 })
      }
    }
    return out
  }

  it('clarify questions that hold the right entry and confirmations that never do: asks with options, never confirms below the answer threshold', () => {
    const calibration = fitCalibration(unsureSamples(true), { source: 'labelled' })
    expect(calibration.answerThreshold).toBeLessThanOrEqual(1)
    const unsure = confidenceOf(calibration, features({ score: 0.6, margin: 0.02 }))
    expect(unsure).toBeLessThan(calibration.answerThreshold)
    expect(calibration.clarifyThreshold).toBeLessThan(calibration.answerThreshold)
    // The option mass of those clarify questions clears the clarify threshold.
    const [first, second] = coherentConfidences([unsure, confidenceOf(calibration, features({ score: 0.58, margin: -0.02 }))])
    expect(first + second).toBeGreaterThanOrEqual(calibration.clarifyThreshold)
    // Confirmations never helped: the confirm threshold stays at the answer threshold.
    expect(calibration.confirmThreshold).toBeGreaterThanOrEqual(calibration.answerThreshold)
    expect(calibration.confirmThreshold).toBeGreaterThan(unsure)
  })

  it('the other way round: confirms the top entry alone, never asks with options below the answer threshold', () => {
    const calibration = fitCalibration(unsureSamples(false), { source: 'labelled' })
    expect(calibration.answerThreshold).toBeLessThanOrEqual(1)
    const unsure = confidenceOf(calibration, features({ score: 0.6, margin: 0.02 }))
    expect(unsure).toBeLessThan(calibration.answerThreshold)
    expect(calibration.confirmThreshold).toBeLessThanOrEqual(unsure)
    expect(calibration.clarifyThreshold).toBeGreaterThanOrEqual(calibration.answerThreshold)
  })

  it('without rankings to fit on, both stay at the answer threshold: nothing is asked below it', () => {
    const calibration = fitCalibration(separable(40, 12), { source: 'labelled' })
    expect(calibration.clarifyThreshold).toBeGreaterThanOrEqual(Math.min(calibration.answerThreshold, 1))
    expect(calibration.confirmThreshold).toBeGreaterThanOrEqual(Math.min(calibration.answerThreshold, 1))
  })
})

describe('fitCalibration: a feature that never varied over the samples', () => {
  // A feature constant over the samples (every sample in the question's language: languageMatch
  // 1, or its mean rounded to 0.9999999999999997) says nothing about right or wrong, so a
  // candidate that differs in it only (an entry in another language) gets the same confidence.
  for (const constant of [1, 0.9999999999999997, 0.1 + 0.2]) {
    it(`cannot move a confidence (constant ${constant})`, () => {
      const samples = overlapping(200, 13).map((s) => ({ ...s, features: s.features.map((v, i) => (i === LANGUAGE_MATCH ? constant : v)) }))
      const calibration = fitCalibration(samples, { source: 'self' })
      for (const s of samples.slice(0, 20)) {
        const other = s.features.map((v, i) => (i === LANGUAGE_MATCH ? 0 : v))
        const confidence = confidenceOf(calibration, s.features)
        expect(Number.isFinite(confidence)).toBe(true)
        expect(confidenceOf(calibration, other)).toBeCloseTo(confidence, 9)
      }
    })
  }

  it('features far outside what the samples showed get the confidence of the nearest value they showed', () => {
    const samples = separable(40, 14)
    const calibration = fitCalibration(samples, { source: 'labelled' })
    const maxScore = Math.max(...samples.map((s) => s.features[SCORE]))
    const maxMargin = Math.max(...samples.map((s) => s.features[MARGIN]))
    expect(confidenceOf(calibration, features({ score: 50, margin: 50 }))).toBeCloseTo(confidenceOf(calibration, features({ score: maxScore, margin: maxMargin })), 12)
  })
})

describe('confidenceOf', () => {
  it('is 0 for a base that was never fitted, and a probability for a fitted one', () => {
    expect(confidenceOf(defaultCalibration(), features({ score: 1, margin: 1 }))).toBe(0)
    const calibration = fitCalibration(overlapping(100, 15), { source: 'self' })
    for (const s of overlapping(50, 16)) {
      const confidence = confidenceOf(calibration, s.features)
      expect(confidence).toBeGreaterThanOrEqual(0)
      expect(confidence).toBeLessThanOrEqual(1)
    }
  })

  it('a default calibration never answers and says so', () => {
    const calibration = defaultCalibration(0.9, 'just built')
    expect(calibration.source).toBe('default')
    expect(calibration.answerThreshold).toBeGreaterThan(1)
    expect(calibration.targetPrecision).toBe(0.9)
    expect(calibration.notes.join(' ')).toMatch(/just built.*will not answer/)
  })
})

describe('coherentConfidences', () => {
  it('keeps the top, and gives each runner-up at most what is left and at most the one above', () => {
    expect(coherentConfidences([])).toEqual([])
    expect(coherentConfidences([0.4])).toEqual([0.4])
    const [top, second] = coherentConfidences([0.9, 0.9])
    expect(top).toBe(0.9)
    expect(second).toBeCloseTo(0.1, 12)
    // A runner-up more confident than the top is brought down to the top.
    expect(coherentConfidences([0.3, 0.5])).toEqual([0.3, 0.3])
    // Runners-up that fit in what is left are kept as they are.
    expect(coherentConfidences([0.5, 0.2, 0.1])).toEqual([0.5, 0.2, 0.1])
    // Once the mass is used up, the rest get nothing.
    const spent = coherentConfidences([0.6, 0.4, 0.3, 0.2])
    expect(spent.slice(0, 2)).toEqual([0.6, 0.4])
    for (const c of spent.slice(2)) expect(c).toBeCloseTo(0, 12)
  })

  it('never changes the order of the input or its length, and does not modify it', () => {
    const input = [0.2, 0.7, 0.1, 0.9]
    const copy = [...input]
    const out = coherentConfidences(input)
    expect(input).toEqual(copy)
    expect(out).toHaveLength(input.length)
    for (let i = 1; i < out.length; i++) expect(out[i]).toBeLessThanOrEqual(out[i - 1])
  })
})
