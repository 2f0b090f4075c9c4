/**
 * CLI commands for content operations: `report`, `suggest`, `prune` and `feedback`. Registered
 * on the main `kotae` program by `registerOpsCommands`.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Command, Option } from 'commander'
import { KotaeError } from '../errors.js'
import type { FaqEntry } from '../schema.js'
import { openHitLog, resolveHitLogPath, type Feedback, type HitLog } from '../ops/hitlog.js'
import { buildReport, prunedEntries, type OpsReport } from '../ops/report.js'
import { renderReportHtml } from '../ops/html.js'
import { acceptSuggestions, engineFunctions, listSuggestions, rejectSuggestions, type KnowledgeBaseFunctions } from '../ops/suggest.js'
import { parseDuration } from '../ops/duration.js'

/** Injectable dependencies (tests, or main.ts passing its embedder-aware loader). */
export interface OpsCommandDeps {
  /** Engine functions; default: the real engine (built-in embedder unless the loader is replaced). */
  engine?: KnowledgeBaseFunctions
  /** Where text output goes (default: console.log). */
  out?: (text: string) => void
  /** Clock (ms) for the end of report windows (default: Date.now). */
  now?: () => number
}

function positiveInt(name: string, min = 0) {
  return (value: string) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) throw new KotaeError('INVALID_INPUT', `${name} must be a whole number ≥ ${min}, got "${value}"`)
    return n
  }
}

function parseNow(value: string): number {
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new KotaeError('INVALID_INPUT', `--now "${value}" is not an ISO 8601 date-time such as 2026-04-01T12:00:00Z`)
  return t
}

/** Open an existing log strictly: reports must not silently create an empty file. */
function openExistingLog(kbDir: string, logPath: string | undefined): HitLog {
  const path = logPath ?? resolveHitLogPath(kbDir)
  const file = logPath ? path : existsSync(kbDir) ? path : undefined
  if (!file || !existsSync(file)) {
    throw new KotaeError('LOG_STORE', `no hit log at ${file ?? resolveHitLogPath(kbDir)}: attach one to the knowledge base (openHitLog + kb.useLogger) so questions are recorded, or pass --log <file>`, { path: file })
  }
  return openHitLog(file, { strict: true })
}

function pad(s: string | number, n: number): string {
  const t = String(s)
  return t.length >= n ? t : t + ' '.repeat(n - t.length)
}

/** A short plain-text rendering of a report for the terminal. */
export function formatReportText(r: OpsReport): string {
  const lines: string[] = []
  const t = r.totals
  lines.push(`Report ${r.window.from.slice(0, 10)} – ${r.window.to.slice(0, 10)} (${r.window.days} days)`)
  for (const w of r.warnings) lines.push(`  warning: ${w}`)
  lines.push(`Questions: ${t.events}  answered ${t.answer}  clarified ${t.clarify}  escalated ${t.escalate}  (answer rate ${(t.answerRate * 100).toFixed(1)}%)`)
  lines.push('', `Surge alerts (${r.surges.alerts.length}):`)
  for (const s of r.surges.alerts) lines.push(`  ! ${s.kind} ${s.label}: ${s.count} in the last ${Math.round(r.surges.windowMs / 60000)} min vs ${s.expected.toFixed(1)} usual (p=${s.pValue.toExponential(1)})`)
  if (r.surges.alerts.length === 0) lines.push('  none')
  lines.push('', 'Top entries (hits = answers + picked + resolved):')
  for (const e of r.entries.filter((e) => e.hits > 0).slice(0, 10)) lines.push(`  ${pad(e.hits, 7)} ${pad(e.id, 28)} answers ${e.answers}, offered ${e.offered}, picked ${e.picked}, not helpful ${e.notHelpful}`)
  lines.push('', `Unanswered: ${r.unanswered.total} questions in ${r.unanswered.clusters.length} clusters`)
  for (const c of r.unanswered.clusters.slice(0, 10)) lines.push(`  ${pad(c.count, 7)} "${c.representatives[0]?.query ?? ''}"${c.nearestEntry ? `  (nearest: ${c.nearestEntry.id})` : ''}`)
  lines.push('', `Stale entries (< ${r.stale.minHits} hits): ${r.stale.entries.length}`)
  for (const e of r.stale.entries.slice(0, 10)) lines.push(`  ${pad(e.id, 28)} hits ${e.hits}, updated ${e.updatedAt?.slice(0, 10) ?? '—'}`)
  lines.push('', `Merge candidates: ${r.nearDuplicates.coRanked.length} co-ranked pairs, ${r.nearDuplicates.similarPhrasings.length} near-identical phrasings`)
  for (const p of r.nearDuplicates.coRanked.slice(0, 5)) lines.push(`  ${p.a} ~ ${p.b}: ${p.count} close top-two results`)
  for (const p of r.nearDuplicates.similarPhrasings.slice(0, 5)) lines.push(`  ${p.a} ~ ${p.b}: "${p.phrasingA}" / "${p.phrasingB}"`)
  return lines.join('\n')
}

/** Register `report`, `suggest`, `prune` and `feedback` on a commander program. */
export function registerOpsCommands(program: Command, deps: OpsCommandDeps = {}): void {
  const out = deps.out ?? ((s: string) => console.log(s))
  const clock = deps.now ?? Date.now
  const engine = async () => deps.engine ?? (await engineFunctions())
  const logOption = () => new Option('--log <file>', 'hit log file (default: <kb>/hits.sqlite)')

  program
    .command('report')
    .description('report on the hit log: usage per entry, group and language, stale entries, merge candidates, unanswered clusters, surge alerts')
    .argument('<kb>', 'knowledge-base folder')
    .option('--since <duration>', 'window length ending now: 90m, 12h, 30d, 2w', '30d')
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write a self-contained HTML page with charts')
    .addOption(logOption())
    .option('--min-hits <n>', 'stale when an entry has fewer hits than this in the window', positiveInt('--min-hits'), 1)
    .option('--low-confidence <p>', 'non-escalated questions below this confidence also count as unanswered', '0.3')
    .addOption(new Option('--now <iso>', 'end of the window (default: now)').argParser(parseNow))
    .action(async (kbDir: string, opts: { since: string; json?: boolean; html?: string; log?: string; minHits: number; lowConfidence: string; now?: number }) => {
      parseDuration(opts.since, '--since')
      const low = Number(opts.lowConfidence)
      if (!(low >= 0 && low <= 1)) throw new KotaeError('INVALID_INPUT', `--low-confidence must be a number between 0 and 1, got "${opts.lowConfidence}"`)
      const kb = await (await engine()).loadKnowledgeBase(kbDir)
      const log = openExistingLog(kbDir, opts.log)
      try {
        const report = await buildReport(log, { since: opts.since, now: opts.now ?? clock(), entries: kb.entries, staleMinHits: opts.minHits, lowConfidence: low, calibration: kb.calibration })
        if (opts.html) {
          await mkdir(dirname(resolve(opts.html)), { recursive: true })
          await writeFile(opts.html, renderReportHtml(report, { title: `kotae report: ${kbDir}` }))
        }
        if (opts.json) out(JSON.stringify(report, null, 2))
        else {
          out(formatReportText(report))
          if (opts.html) out(`\nWrote ${opts.html}`)
        }
      } finally {
        log.close()
      }
    })

  program
    .command('suggest')
    .description('list queries that users picked or people resolved to an entry, as suggested variants; accept them to add and rebuild')
    .argument('<kb>', 'knowledge-base folder')
    .addOption(logOption())
    .option('--min-count <n>', 'list (and with --accept-all, accept) suggestions seen at least this often', positiveInt('--min-count', 1))
    .option('--accept <ids...>', 'accept these suggestion ids: add them as variants and rebuild the knowledge base')
    .option('--accept-all', 'accept every suggestion with at least --min-count (default 2) and no redaction mask')
    .option('--reject <ids...>', 'reject these suggestion ids so they are not listed again')
    .option('--json', 'print as JSON')
    .action(async (kbDir: string, opts: { log?: string; minCount?: number; accept?: string[]; acceptAll?: boolean; reject?: string[]; json?: boolean }) => {
      if (opts.accept && opts.acceptAll) throw new KotaeError('INVALID_INPUT', 'use either --accept <ids...> or --accept-all, not both')
      const eng = await engine()
      const log = openExistingLog(kbDir, opts.log)
      try {
        if (opts.reject?.length) {
          const kb = await eng.loadKnowledgeBase(kbDir)
          const rejected = rejectSuggestions(log, opts.reject, { entries: kb.entries })
          out(opts.json ? JSON.stringify({ rejected }, null, 2) : `Rejected ${rejected.length} suggestion(s).`)
          return
        }
        if (opts.accept?.length || opts.acceptAll) {
          const { accepted } = await acceptSuggestions(kbDir, log, { ids: opts.accept, all: opts.acceptAll, minCount: opts.minCount, engine: eng })
          if (opts.json) out(JSON.stringify({ accepted }, null, 2))
          else {
            out(accepted.length ? `Accepted ${accepted.length} suggestion(s); rebuilt ${kbDir}:` : 'Nothing to accept.')
            for (const s of accepted) out(`  ${s.entryId} += "${s.query}"`)
          }
          return
        }
        const kb = await eng.loadKnowledgeBase(kbDir)
        const list = listSuggestions(log, { entries: kb.entries, minCount: opts.minCount ?? 1 })
        if (opts.json) out(JSON.stringify(list, null, 2))
        else if (list.length === 0) out('No suggestions yet: they come from feedback (picked options and resolved escalations).')
        else {
          out(`${pad('id', 14)} ${pad('count', 6)} ${pad('entry', 28)} query`)
          for (const s of list) out(`${pad(s.id, 14)} ${pad(s.count, 6)} ${pad(s.entryId, 28)} ${s.query}${s.masked ? '  (contains a redaction mask: edit before use)' : ''}`)
          out(`\nAccept with: kotae suggest ${kbDir} --accept <id...>   (or --accept-all)`)
        }
      } finally {
        log.close()
      }
    })

  program
    .command('prune')
    .description('write a pruned copy of the FAQ (JSONL) without entries that had fewer than N hits in the window; never deletes in place')
    .argument('<kb>', 'knowledge-base folder')
    .requiredOption('--min-hits <n>', 'keep entries with at least this many hits (answers + picked + resolved)', positiveInt('--min-hits'))
    .requiredOption('--since <duration>', 'window length ending now: 30d, 12w...')
    .requiredOption('-o, --output <file>', 'JSONL file to write the kept entries to')
    .addOption(logOption())
    .option('--force', 'overwrite the output file if it exists')
    .addOption(new Option('--now <iso>', 'end of the window (default: now)').argParser(parseNow))
    .action(async (kbDir: string, opts: { minHits: number; since: string; output: string; log?: string; force?: boolean; now?: number }) => {
      const span = parseDuration(opts.since, '--since')
      const target = resolve(opts.output)
      if (target.startsWith(resolve(kbDir) + '/') || target === resolve(kbDir)) {
        throw new KotaeError('INVALID_INPUT', `--output ${opts.output} is inside the knowledge-base folder; write the pruned FAQ elsewhere and rebuild from it`)
      }
      if (existsSync(target) && !opts.force) throw new KotaeError('INVALID_INPUT', `${opts.output} already exists; choose another file or pass --force`)
      const kb = await (await engine()).loadKnowledgeBase(kbDir)
      const log = openExistingLog(kbDir, opts.log)
      try {
        const now = opts.now ?? clock()
        const report = await buildReport(log, { since: span, now, entries: kb.entries, staleMinHits: opts.minHits })
        const { kept, removed } = prunedEntries(kb.entries, report, opts.minHits)
        for (const w of report.warnings) out(`warning: ${w}`)
        await mkdir(dirname(target), { recursive: true })
        await writeFile(target, kept.map((e: FaqEntry) => JSON.stringify(e)).join('\n') + (kept.length ? '\n' : ''))
        out(`Kept ${kept.length} entries, pruned ${removed.length} (fewer than ${opts.minHits} hits since ${new Date(now - span).toISOString().slice(0, 10)}); wrote ${opts.output}`)
        for (const r of removed) out(`  - ${r.id} (${r.hits} hits)`)
        out(`Rebuild with: kotae build ${opts.output} <new-kb-folder>`)
      } finally {
        log.close()
      }
    })

  program
    .command('feedback')
    .description('record feedback on a logged answer: helpful, not helpful, the option picked after clarify, or the entry a person used')
    .argument('<kb>', 'knowledge-base folder')
    .argument('<eventId>', 'the eventId returned by ask')
    .addOption(logOption())
    .option('--helpful', 'the answer helped')
    .option('--not-helpful', 'the answer did not help')
    .option('--picked <entryId>', 'the option the user picked after clarify')
    .option('--resolved <entryId>', 'the entry a person used to resolve the escalation')
    .option('--comment <text>', 'free-text note')
    .action(async (kbDir: string, eventId: string, opts: { log?: string; helpful?: boolean; notHelpful?: boolean; picked?: string; resolved?: string; comment?: string }) => {
      const given = [opts.helpful, opts.notHelpful, opts.picked, opts.resolved].filter((x) => x !== undefined)
      if (given.length !== 1) throw new KotaeError('INVALID_INPUT', 'give exactly one of --helpful, --not-helpful, --picked <entryId>, --resolved <entryId>')
      const fb: Feedback = opts.helpful
        ? { kind: 'helpful', comment: opts.comment }
        : opts.notHelpful
          ? { kind: 'not-helpful', comment: opts.comment }
          : opts.picked
            ? { kind: 'picked', entryId: opts.picked }
            : { kind: 'resolved', entryId: opts.resolved!, comment: opts.comment }
      const log = openExistingLog(kbDir, opts.log)
      try {
        const r = log.feedback(eventId, fb)
        out(`Recorded ${r.kind} feedback on event ${r.eventId}${r.entryId ? ` (entry ${r.entryId})` : ''}.`)
      } finally {
        log.close()
      }
    })
}
