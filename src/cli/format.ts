/** Human-readable renderings for the CLI: ask results, evaluations, hit-log reports. */
import type { AskResult } from '../schema.js'
import { METRIC_NAMES } from '../eval/metrics.js'
import type { EvaluationReport } from '../eval/run.js'
import type { OpsReport } from '../ops/index.js'

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/** One ask result as a few readable lines. */
export function formatAskResult(result: AskResult): string {
  const lines = [`Q: ${result.query}  [${result.lang}]`]
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

/** Left-align `s` in a column of `n` characters. */
export function pad(s: string | number, n: number): string {
  const t = String(s)
  return t.length >= n ? t : t + ' '.repeat(n - t.length)
}

/** A short plain-text rendering of a hit-log report for the terminal. */
export function formatReportText(r: OpsReport): string {
  const lines: string[] = []
  const t = r.totals
  lines.push(`Report ${r.window.from.slice(0, 10)} – ${r.window.to.slice(0, 10)} (${r.window.days} days)`)
  for (const w of r.warnings) lines.push(`  warning: ${w}`)
  lines.push(`Questions: ${t.events}  answered ${t.answer}  clarified ${t.clarify}  escalated ${t.escalate}  (answer rate ${(t.answerRate * 100).toFixed(1)}%, automation rate ${pct(t.automationRate)})`)
  if (r.previous.covered) lines.push(`  previous ${r.window.days} days: ${r.previous.events} questions, answer rate ${pct(r.previous.answerRate)}, automation rate ${pct(r.previous.automationRate)}`)
  lines.push('', `Surge alerts (${r.surges.alerts.length}):`)
  for (const s of r.surges.alerts) lines.push(`  ! ${s.kind} ${s.label}: ${s.count} in the last ${Math.round(r.surges.windowMs / 60000)} min vs ${s.expected.toFixed(1)} usual (p=${s.pValue.toExponential(1)})`)
  if (r.surges.alerts.length === 0) lines.push('  none')
  lines.push('', 'Top entries (hits = answers + picked + resolved):')
  for (const e of r.entries.filter((e) => e.hits > 0).slice(0, 10)) lines.push(`  ${pad(e.hits, 7)} ${pad(e.id, 28)} answers ${e.answers}, offered ${e.offered}, picked ${e.picked}, not helpful ${e.notHelpful}`)
  lines.push('', `Unanswered: ${r.unanswered.total} questions in ${r.unanswered.clusters.length} clusters${r.unanswered.resolvedClusters ? ` (${r.unanswered.resolvedClusters} more resolved since, not listed)` : ''}`)
  for (const c of r.unanswered.clusters.slice(0, 10)) lines.push(`  ${pad(c.count, 7)} "${c.representatives[0]?.query ?? ''}"${c.nearestEntry ? `  (engine's top candidate: ${c.nearestEntry.id})` : ''}`)
  lines.push('', `Entries to improve: ${r.improve.length}`)
  for (const x of r.improve.slice(0, 10)) lines.push(`  ${pad(x.id, 28)} ${x.reasons.join(', ')}: offered ${x.offered}, answered ${x.answers}, picked ${x.picked}, not helpful ${x.notHelpful}`)
  lines.push('', `Pages (${r.pages.length}): what people ask where they are`)
  for (const p of r.pages.slice(0, 10)) {
    const top = p.entries.slice(0, 3).map((e) => `${e.id} ${pct(e.share)}`).join(', ')
    lines.push(`  ${pad(p.questions, 7)} ${pad(p.page, 28)} unanswered ${pct(p.unansweredShare)}${top ? `; ${top}` : ''}`)
  }
  if (r.pages.length === 0) lines.push('  none recorded (pass the page with ask or a conversation)')
  lines.push('', `Stale entries (< ${r.stale.minHits} hits): ${r.stale.entries.length}; stale translation groups (every language): ${r.stale.groups.length}`)
  for (const e of r.stale.entries.slice(0, 10)) lines.push(`  ${pad(e.id, 28)} hits ${e.hits}, updated ${e.updatedAt?.slice(0, 10) ?? '—'}`)
  lines.push('', `Merge candidates: ${r.mergeCandidates.length} (of ${r.nearDuplicates.coRanked.length} co-ranked pairs and ${r.nearDuplicates.similarPhrasings.length} near-identical phrasings)`)
  for (const m of r.mergeCandidates.slice(0, 8)) lines.push(`  ${m.a} ~ ${m.b}: "${m.questionA ?? m.a}" / "${m.questionB ?? m.b}" (${m.why.map((w) => (w === 'co-ranked' ? `co-ranked ${m.coRanked} times` : w)).join(', ')})`)
  return lines.join('\n')
}
