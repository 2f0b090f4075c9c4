/** Human-readable renderings of results for the CLI. */
import type { AskResult } from '../schema.js'
import { METRIC_NAMES } from '../eval/metrics.js'
import type { EvaluationReport } from '../eval/run.js'

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/** One ask result as a few readable lines. */
export function formatAskResult(result: AskResult): string {
  const lines = [`Q: ${result.query}  [${result.language}]`]
  lines.push(`→ ${result.decision.toUpperCase()} (${result.reason}), confidence ${pct(result.confidence)}`)
  if (result.answer) lines.push(`  [${result.answer.id}] ${result.answer.text}`)
  if (result.options) for (const [i, o] of result.options.entries()) lines.push(`  option ${i + 1}: [${o.id}] ${o.question}`)
  if (result.handoff) {
    const best = result.handoff.candidates[0]
    lines.push(`  hand over to a person${best ? `; nearest entry [${best.id}] at ${pct(best.confidence)}` : ''}`)
  }
  return lines.join('\n')
}

/** Candidate table of an ask result. */
export function formatCandidates(result: AskResult, limit = 5): string {
  const rows = result.candidates.slice(0, limit).map((c) => `  ${c.id.padEnd(28)} conf ${pct(c.confidence).padStart(6)}  score ${c.score.toFixed(3)}  vec ${c.vectorScore.toFixed(3)}  lex ${c.lexicalScore.toFixed(3)}  “${c.matched}”`)
  return rows.length ? `  candidates:\n${rows.join('\n')}` : '  no candidates'
}

/** An evaluation report with FORMAT.md metric names. */
export function formatEvaluation(report: EvaluationReport): string {
  const m = report.metrics
  const calib = report.calibration === 'self' ? 'self-calibration (no labelled data)' : report.calibration === 'calib.jsonl' ? `calib.jsonl (${report.calibrationQueries} queries)` : `calib-fraction (${report.calibrationQueries} queries held out of scoring)`
  const lines = [
    `set: ${report.set}`,
    `calibration: ${calib}`,
    `entries ${report.entries}, phrasings ${report.phrasings}, queries ${m.n} (in scope ${m.nInScope}, out of scope ${m.nOutOfScope}), answers ${m.answers}`,
    ...METRIC_NAMES.map((name) => `${name.padEnd(16)} ${m[name].toFixed(4)}`),
    `build ${report.buildMs.toFixed(0)} ms (+ calibration ${report.calibrateMs.toFixed(0)} ms), ask p50 ${report.askP50Ms.toFixed(3)} ms, p99 ${report.askP99Ms.toFixed(3)} ms, answer threshold ${report.answerThreshold.toFixed(3)}`,
  ]
  const langs = Object.entries(report.byLanguage)
  if (langs.length) {
    lines.push('by language:')
    for (const [lang, lm] of langs) lines.push(`  ${lang}: top1 ${lm.top1.toFixed(4)}  automation ${lm.automation.toFixed(4)}  answerPrecision ${lm.answerPrecision.toFixed(4)}  wrongAnswerRate ${lm.wrongAnswerRate.toFixed(4)}  (n ${lm.n})`)
  }
  return lines.join('\n')
}
