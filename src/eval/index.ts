/**
 * The evaluation stage (`kotae/eval`): score a knowledge base on a labelled benchmark set in the
 * format of `shared/benchmark/FORMAT.md` (what `kotae eval` and the benches run), and the metric
 * definitions every report uses.
 */
export { evaluateSet, EvaluateOptionsSchema, DEFAULT_EVALUATE_OPTIONS, type EvaluateOptions, type EvaluationReport, type CalibrationUsed } from './run.js'
export { computeMetrics, METRIC_NAMES, type Metrics, type MetricName, type ScoredQuery } from './metrics.js'
