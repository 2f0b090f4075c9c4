/**
 * The metrics of `shared/benchmark/FORMAT.md`, computed from each test query's expected entry,
 * ranked entry ids and decision. Names match FORMAT.md exactly.
 */
import type { DecisionKind } from '../schema.js'

/** One scored query: what was expected and what the engine did. */
export interface ScoredQuery {
  expected: string | null
  /** Distinct entry ids, best first (at least the 10 best when available). */
  ranked: string[]
  decision: DecisionKind
  /** The answered entry id, for `answer`. */
  answerId?: string
  /** Offered option ids, for `clarify`. */
  optionIds?: string[]
}

/** The metric names of FORMAT.md, in its order. */
export const METRIC_NAMES = ['top1', 'recall3', 'mrr10', 'answerPrecision', 'automation', 'wrongAnswerRate', 'clarifyRate', 'clarifyHit', 'escalateRate', 'oosRecall'] as const
/** One FORMAT.md metric name. */
export type MetricName = (typeof METRIC_NAMES)[number]
/** Metric values plus the counts behind them. */
export type Metrics = Record<MetricName, number> & { n: number; nInScope: number; nOutOfScope: number; answers: number; correctAnswers: number }

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b)

/** Compute every FORMAT.md metric over scored queries. */
export function computeMetrics(queries: ScoredQuery[]): Metrics {
  let top1 = 0, recall3 = 0, mrr = 0, answers = 0, correctAnswers = 0, wrongAnswers = 0
  let clarify = 0, clarifyInScope = 0, clarifyHit = 0, escalate = 0, oosNoAnswer = 0, inScope = 0, outOfScope = 0
  for (const q of queries) {
    if (q.expected !== null) {
      inScope++
      const rank = q.ranked.slice(0, 10).indexOf(q.expected)
      if (rank === 0) top1++
      if (rank >= 0 && rank < 3) recall3++
      if (rank >= 0) mrr += 1 / (rank + 1)
    } else outOfScope++
    if (q.decision === 'answer') {
      answers++
      if (q.expected !== null && q.answerId === q.expected) correctAnswers++
      else wrongAnswers++
    } else if (q.expected === null) oosNoAnswer++
    if (q.decision === 'clarify') {
      clarify++
      if (q.expected !== null) {
        clarifyInScope++
        if (q.optionIds?.includes(q.expected)) clarifyHit++
      }
    }
    if (q.decision === 'escalate') escalate++
  }
  const n = queries.length
  return {
    top1: ratio(top1, inScope),
    recall3: ratio(recall3, inScope),
    mrr10: ratio(mrr, inScope),
    answerPrecision: ratio(correctAnswers, answers),
    automation: ratio(correctAnswers, n),
    wrongAnswerRate: ratio(wrongAnswers, n),
    clarifyRate: ratio(clarify, n),
    clarifyHit: ratio(clarifyHit, clarifyInScope),
    escalateRate: ratio(escalate, n),
    oosRecall: ratio(oosNoAnswer, outOfScope),
    n,
    nInScope: inScope,
    nOutOfScope: outOfScope,
    answers,
    correctAnswers,
  }
}
