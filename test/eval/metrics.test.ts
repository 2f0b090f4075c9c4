/** computeMetrics: the FORMAT.md metrics from scored queries. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, KotaeError } from '../../src/index.js'
import { computeMetrics, evaluateSet, METRIC_NAMES, type ScoredQuery } from '../../src/eval/index.js'
import { MINI_CALIB, MINI_FAQ, MINI_QUERIES, miniFaqJsonl, queriesJsonl } from '../fixtures/mini-faq.js'

/** The metric names of shared/benchmark/FORMAT.md, in its order. */
const FORMAT_METRICS = ['top1', 'recall3', 'mrr10', 'answerPrecision', 'automation', 'wrongAnswerRate', 'clarifyRate', 'clarifyHit', 'escalateRate', 'oosRecall']

describe('computeMetrics', () => {
  it('METRIC_NAMES are exactly the FORMAT.md metrics', () => {
    expect([...METRIC_NAMES]).toEqual(FORMAT_METRICS)
  })

  // Ten queries, seven in scope (q1–q6, q10) and three out of scope (q7–q9).
  const tail = ['h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p']
  const scored: ScoredQuery[] = [
    /* q1 */ { expected: 'a', ranked: ['a', 'b', 'c'], decision: 'answer', answerId: 'a' }, // rank 1, correct answer
    /* q2 */ { expected: 'b', ranked: ['a', 'b', 'c'], decision: 'answer', answerId: 'a' }, // rank 2, wrong answer
    /* q3 */ { expected: 'c', ranked: ['a', 'b', 'c', 'd'], decision: 'clarify', optionIds: ['a', 'b', 'c'] }, // rank 3, clarify hit
    /* q4 */ { expected: 'd', ranked: ['a', 'b', 'c', 'd'], decision: 'clarify', optionIds: ['a', 'b'] }, // rank 4, clarify miss
    /* q5 */ { expected: 'e', ranked: ['a', 'b', 'c', 'd', 'f', 'g', 'h', 'i', 'j', 'k', 'e'], decision: 'escalate' }, // rank 11: outside the top 10
    /* q6 */ { expected: 'f', ranked: [], decision: 'escalate' }, // nothing ranked
    /* q7 */ { expected: null, ranked: ['a'], decision: 'answer', answerId: 'a' }, // out of scope, answered: wrong
    /* q8 */ { expected: null, ranked: ['b'], decision: 'escalate' }, // out of scope, not answered
    /* q9 */ { expected: null, ranked: ['c', 'd'], decision: 'clarify', optionIds: ['c', 'd'] }, // out of scope, clarified: not answered
    /* q10 */ { expected: 'g', ranked: [...tail, 'g'], decision: 'escalate' }, // rank 10
  ]

  it('computes every metric as FORMAT.md defines it (hand-computed)', () => {
    const m = computeMetrics(scored)
    const expected: Record<string, number> = {
      top1: 1 / 7, // q1
      recall3: 3 / 7, // q1, q2, q3
      mrr10: (1 + 1 / 2 + 1 / 3 + 1 / 4 + 0 + 0 + 1 / 10) / 7,
      answerPrecision: 1 / 3, // q1 right; q2, q7 wrong
      automation: 1 / 10,
      wrongAnswerRate: 2 / 10, // q2, q7
      clarifyRate: 3 / 10, // q3, q4, q9
      clarifyHit: 1 / 2, // in-scope clarifies q3 (hit), q4 (miss)
      escalateRate: 4 / 10, // q5, q6, q8, q10
      oosRecall: 2 / 3, // q8, q9
    }
    for (const name of METRIC_NAMES) expect(m[name], name).toBeCloseTo(expected[name], 12)
    expect(Object.keys(expected).sort()).toEqual([...METRIC_NAMES].sort())
    expect(m).toMatchObject({ n: 10, nInScope: 7, nOutOfScope: 3, answers: 3, correctAnswers: 1 })
  })

  it('an answer naming another entry than the expected one is wrong even when it is ranked first', () => {
    const m = computeMetrics([{ expected: 'a', ranked: ['a', 'b'], decision: 'answer', answerId: 'b' }])
    expect(m.top1).toBe(1)
    expect(m.answerPrecision).toBe(0)
    expect(m.wrongAnswerRate).toBe(1)
  })

  it('no queries, or no queries of a kind, gives 0 rather than NaN', () => {
    const empty = computeMetrics([])
    for (const name of METRIC_NAMES) expect(empty[name], name).toBe(0)
    const onlyOos = computeMetrics([{ expected: null, ranked: ['a'], decision: 'escalate' }])
    expect(onlyOos.top1).toBe(0)
    expect(onlyOos.clarifyHit).toBe(0)
    expect(onlyOos.answerPrecision).toBe(0)
    expect(onlyOos.oosRecall).toBe(1)
    expect(onlyOos.escalateRate).toBe(1)
  })
})

