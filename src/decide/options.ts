/**
 * Which entries a clarify question offers, in one place: the policy uses it to ask, and the
 * calibration uses it to fit the clarify threshold on exactly the options the policy would show.
 */

/** Entries whose fused score is within this of the top are "close" (an ambiguous question). */
export const DEFAULT_AMBIGUITY_MARGIN = 0.08
/** Most options a clarify question offers. */
export const DEFAULT_MAX_OPTIONS = 3
/** Options must be at least this likely: no 0.0% filler. */
export const MIN_OPTION_CONFIDENCE = 0.05

/** What option selection sees of a ranked candidate. */
export interface OptionCandidate {
  score: number
  confidence: number
  /** False for entries that must not be offered (another language than the question's, when the base has it). */
  offerable?: boolean
}

/** The options of a clarify question, and how likely they are to hold the right entry. */
export interface ClarifyOptions {
  /** Indexes into the ranking, best first; the top candidate is always first. */
  options: number[]
  /** Sum of the options' confidences: the probability that the right entry is among them. */
  mass: number
  /** Whether at least two options are close to the top (within the ambiguity margin). */
  ambiguous: boolean
}

/**
 * The options for a ranked list (best first): the top candidate, then up to `maxOptions - 1`
 * more that are offerable, at least {@link MIN_OPTION_CONFIDENCE} likely (unless `withoutConfidence`:
 * a base with no fitted confidence), and within twice the ambiguity margin of the top's score.
 */
export function clarifyOptions(ranked: OptionCandidate[], margin = DEFAULT_AMBIGUITY_MARGIN, maxOptions = DEFAULT_MAX_OPTIONS, withoutConfidence = false): ClarifyOptions {
  if (ranked.length === 0) return { options: [], mass: 0, ambiguous: false }
  const top = ranked[0]
  const options = [0]
  let close = 1
  for (let i = 1; i < ranked.length && options.length < maxOptions; i++) {
    const c = ranked[i]
    if (c.offerable === false || (!withoutConfidence && c.confidence < MIN_OPTION_CONFIDENCE)) continue
    const gap = top.score - c.score
    if (gap > 2 * margin) continue
    options.push(i)
    if (gap <= margin) close++
  }
  return { options, mass: options.reduce((sum, i) => sum + ranked[i].confidence, 0), ambiguous: close >= 2 }
}
