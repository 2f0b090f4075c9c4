/** The decision stage: features, calibrated confidence, and the answer/clarify/escalate policy. */
export { candidateFeatures, FEATURE_NAMES, type QueryContext } from './features.js'
export {
  CalibrationSchema,
  CalibrationSampleSchema,
  coherentConfidences,
  confidenceCap,
  ONE_WORD_CONFIDENCE,
  precisionLowerBound,
  confidenceOf,
  defaultCalibration,
  HOW_TO_ANSWER_MORE,
  NEVER,
  fitCalibration,
  type Calibration,
  type CalibrationSample,
  type FitOptions,
} from './calibration.js'
export { decide, thresholdsFrom, type DecisionSituation, type DecisionThresholds, type PolicyVerdict, type RankedForDecision } from './policy.js'
export { clarifyOptions, MIN_OPTION_CONFIDENCE, DEFAULT_AMBIGUITY_MARGIN, DEFAULT_MAX_OPTIONS, type ClarifyOptions, type OptionCandidate } from './options.js'
