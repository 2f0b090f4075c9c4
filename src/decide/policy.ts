/**
 * The decision policy: answer when the top entry is likely enough to be right; otherwise ask
 * once with a few distinct options when several entries are close and plausible; otherwise hand
 * over to a person. Wrong answers cost more than escalations, so every doubt goes down, never up.
 */
import type { DecisionKind, ReasonCode } from '../schema.js'
import type { Calibration } from './calibration.js'
import { clarifyOptions, DEFAULT_AMBIGUITY_MARGIN, DEFAULT_MAX_OPTIONS } from './options.js'


/** Thresholds of the policy; fitted ones come from the calibration, any can be overridden. */
export interface DecisionThresholds {
  /** Answer when the top confidence is at least this. */
  answerThreshold: number
  /** Offer two or more options only when their confidences add up to at least this. */
  clarifyThreshold: number
  /** Confirm the top entry alone only when its confidence is at least this. */
  confirmThreshold: number
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
    confirmThreshold: calibration.confirmThreshold,
    outOfScopeScore: calibration.outOfScopeScore,
    ambiguityMargin: DEFAULT_AMBIGUITY_MARGIN,
    maxOptions: DEFAULT_MAX_OPTIONS,
    ...overrides,
  }
}

/** What the policy sees of a ranked candidate. */
export interface RankedForDecision {
  score: number
  confidence: number
  /** Whether the candidate may be offered as a clarify option (false for entries in another language than the question's, when the base has the question's language). */
  offerable?: boolean
}



/** The policy's verdict: what to do, why, and which candidates to offer (indexes into the ranking). */
export interface PolicyVerdict {
  decision: DecisionKind
  reason: ReasonCode
  options: number[]
}

/** What the policy knows about the question and the base besides the ranking. */
export interface DecisionSituation {
  /** The question is the top entry's own phrasing as written (the engine's verbatim rule): answered with reason `exact-match`. */
  exactMatch?: boolean
  /**
   * The base has not shown it can answer at its target precision (its calibration could not
   * fit a threshold, and the caller set none): it never answers on confidence, it offers the
   * entries closest to the top as options (reason `uncalibrated`).
   */
  uncalibrated?: boolean
}

/** Decide what to do with a ranked candidate list (best first, distinct entries). */
export function decide(ranked: RankedForDecision[], thresholds: DecisionThresholds, situation: DecisionSituation = {}): PolicyVerdict {
  const { exactMatch = false, uncalibrated = false } = situation
  const top = ranked[0]
  if (top && exactMatch) return { decision: 'answer', reason: 'exact-match', options: [0] }
  if (!top || top.score < thresholds.outOfScopeScore) return { decision: 'escalate', reason: 'out-of-scope', options: [] }
  if (!uncalibrated && top.confidence >= thresholds.answerThreshold) return { decision: 'answer', reason: 'confident', options: [0] }
  const { options, mass, ambiguous } = clarifyOptions(ranked, thresholds.ambiguityMargin, thresholds.maxOptions, uncalibrated)
  // A base with no fitted threshold offers its best entries rather than answer on an unproven confidence.
  if (uncalibrated) return { decision: 'clarify', reason: 'uncalibrated', options }
  // Ask when the options are likely enough to hold the right entry: several options against the
  // clarify threshold, the top entry alone against the confirm threshold (each fitted on exactly this).
  if (mass >= (options.length > 1 ? thresholds.clarifyThreshold : thresholds.confirmThreshold)) return { decision: 'clarify', reason: ambiguous ? 'ambiguous' : 'low-confidence', options }
  return { decision: 'escalate', reason: 'low-confidence', options: [] }
}
