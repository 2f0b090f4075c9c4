/**
 * The decision policy: answer when the top entry is likely enough to be right; otherwise ask
 * once with a few distinct options when several entries are close and plausible; otherwise hand
 * over to a person. Wrong answers cost more than escalations, so every doubt goes down, never up.
 */
import type { DecisionKind, ReasonCode } from '../schema.js'
import type { Calibration } from './calibration.js'

/** Below the answer threshold, a top entry at least this likely is confirmed with a clarify question. */
const CONFIRM_CONFIDENCE = 0.5

/** Thresholds of the policy; fitted ones come from the calibration, any can be overridden. */
export interface DecisionThresholds {
  /** Answer when the top confidence is at least this. */
  answerThreshold: number
  /** Clarify only when the offered options' confidences add up to at least this. */
  clarifyThreshold: number
  /** A top fused score below this means nothing in the FAQ resembles the question. */
  outOfScopeScore: number
  /** Entries whose fused score is within this of the top are "close" (clarify options). */
  ambiguityMargin: number
  /** Most options offered by a clarify decision. */
  maxOptions: number
}

/** Thresholds from a calibration, with caller overrides applied. */
export function thresholdsFrom(calibration: Calibration, overrides: Partial<DecisionThresholds> = {}): DecisionThresholds {
  return {
    answerThreshold: calibration.answerThreshold,
    clarifyThreshold: calibration.clarifyThreshold,
    outOfScopeScore: calibration.outOfScopeScore,
    ambiguityMargin: 0.08,
    maxOptions: 3,
    ...overrides,
  }
}

/** What the policy sees of a ranked candidate. */
export interface RankedForDecision {
  score: number
  confidence: number
}

/** The policy's verdict: what to do, why, and which candidates to offer (indexes into the ranking). */
export interface PolicyVerdict {
  decision: DecisionKind
  reason: ReasonCode
  options: number[]
}

/**
 * Decide what to do with a ranked candidate list (best first, distinct entries). `exactMatch`:
 * the question is the top entry's own phrasing as written (see the engine's verbatim rule): it
 * is answered whatever the calibration, with reason `exact-match`.
 */
export function decide(ranked: RankedForDecision[], thresholds: DecisionThresholds, exactMatch = false): PolicyVerdict {
  const top = ranked[0]
  if (top && exactMatch) return { decision: 'answer', reason: 'exact-match', options: [0] }
  if (!top || top.score < thresholds.outOfScopeScore) return { decision: 'escalate', reason: 'out-of-scope', options: [] }
  if (top.confidence >= thresholds.answerThreshold) return { decision: 'answer', reason: 'confident', options: [0] }
  const close: number[] = []
  ranked.forEach((candidate, i) => {
    if (close.length < thresholds.maxOptions && top.score - candidate.score <= thresholds.ambiguityMargin) close.push(i)
  })
  // Clarify when the close options together are likely to hold the right entry.
  const optionMass = close.reduce((sum, i) => sum + ranked[i].confidence, 0)
  if (close.length >= 2 && optionMass >= thresholds.clarifyThreshold) {
    return { decision: 'clarify', reason: 'ambiguous', options: close }
  }
  // A likely but not certain top entry: confirm it once, with the next entries as alternatives,
  // rather than hand over a question the bot probably understood.
  if (top.confidence >= Math.max(thresholds.clarifyThreshold, CONFIRM_CONFIDENCE) && ranked.length >= 2) {
    const options = [0]
    for (let i = 1; i < ranked.length && options.length < thresholds.maxOptions; i++) {
      if (options.length < 2 || top.score - ranked[i].score <= 2 * thresholds.ambiguityMargin) options.push(i)
    }
    return { decision: 'clarify', reason: 'low-confidence', options }
  }
  return { decision: 'escalate', reason: 'low-confidence', options: [] }
}
