/**
 * The evidence a confidence is computed from. Each candidate is described by bounded, query-
 * independent numbers, so one model fits every question: how strong the match is (fused,
 * vector, lexical, centroid), how far ahead of the next entry it is (margin), whether the two
 * indexes agree on it, whether its language is the question's, and how much the question says.
 */
import type { EntryEvidence } from '../retrieve/index.js'

/** Names of the features, in the order of a feature vector (saved with a calibration and checked on load). */
export const FEATURE_NAMES = ['score', 'margin', 'vector', 'lexical', 'centroid', 'agreement', 'languageMatch', 'queryLength', 'classifier', 'novelty', 'field'] as const
/** One feature's name. */
export type FeatureName = (typeof FEATURE_NAMES)[number]

/** A value per feature, keyed by name, as a vector in {@link FEATURE_NAMES} order. */
export function featureVector(values: Readonly<Record<FeatureName, number>>): number[] {
  return FEATURE_NAMES.map((name) => values[name])
}

/** Context of the question that the features need besides the evidence. */
export interface QueryContext {
  /** Whether each entry's language matches the question's (by entry index). */
  languageMatches: (entry: number) => boolean
  /** Number of lexical terms in the question. */
  termCount: number
  /** Number of words in the question. */
  wordCount: number
}

/** Feature vector of candidate `i` of a ranked evidence list. */
export function candidateFeatures(ranked: EntryEvidence[], i: number, context: QueryContext): number[] {
  const candidate = ranked[i]
  let bestOther = 0
  let bestVector = -1
  let bestLexical = -1
  let vectorLeader = -1
  let lexicalLeader = -1
  ranked.forEach((evidence, j) => {
    if (j !== i && evidence.score > bestOther) bestOther = evidence.score
    if (evidence.vectorScore > bestVector) ((bestVector = evidence.vectorScore), (vectorLeader = j))
    if (evidence.lexicalScore > bestLexical) ((bestLexical = evidence.lexicalScore), (lexicalLeader = j))
  })
  const agreement = ((vectorLeader === i ? 1 : 0) + (lexicalLeader === i ? 1 : 0)) / 2
  return [
    candidate.score,
    candidate.score - bestOther,
    candidate.vectorScore,
    candidate.lexicalScore,
    candidate.centroidScore,
    agreement,
    context.languageMatches(candidate.entry) ? 1 : 0,
    Math.log1p(context.termCount),
    candidate.classifierScore,
    candidate.novelty,
    candidate.fieldScore,
  ]
}
