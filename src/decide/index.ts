/** The decision stage: features, calibrated confidence, and the answer/clarify/escalate policy. */
export { candidateFeatures, FEATURE_NAMES, type QueryContext } from './features.js'
export {
  CalibrationSchema,
  coherentConfidences,
  confidenceCap,
  ONE_WORD_CONFIDENCE,
  precisionLowerBound,
  confidenceOf,
  defaultCalibration,
  fitCalibration,
  type Calibration,
  type CalibrationSample,
  type FitOptions,
} from './calibration.js'
export { decide, thresholdsFrom, type DecisionThresholds, type PolicyVerdict, type RankedForDecision } from './policy.js'
