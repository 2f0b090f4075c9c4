/**
 * `kotae report <kb>`: what the hit log says about a knowledge base over a window: usage per entry,
 * group and language, stale entries, merge candidates, unanswered clusters, surge alerts; as
 * text, JSON, or a self-contained HTML page. The log is the folder's SQLite file, `--log <file>`,
 * or with `--store postgres://…` the PostgreSQL store the replicas share.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { buildReport, renderReportHtml } from '../../ops/index.js'
import { resolveOpsDeps, type OpsCommandDeps } from '../deps.js'
import { formatReportText } from '../format.js'
import { flagParsers } from '../options.js'
import { openCommandLog, storeOption } from '../store.js'

const DAY = 86_400_000

/** Register `report` on the program. */
export function registerReport(program: Command, deps: OpsCommandDeps = {}): void {
  const { engine, out, now } = resolveOpsDeps(deps)
  const flags = flagParsers('report')
  program
    .command('report')
    .description('report on the hit log: usage per entry, group and language, stale entries, merge candidates, unanswered clusters, surge alerts')
    .argument('<kb>', 'knowledge-base folder')
    .addOption(new Option('--since <duration>', 'window length ending now: 90m, 12h, 30d, 2w').argParser(flags.duration('--since')).default(30 * DAY, '30d'))
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write a self-contained HTML page with charts')
    .addOption(new Option('--log <file>', 'hit log file (default: <kb>/hits.sqlite)'))
    .addOption(storeOption('report'))
    .option('--min-hits <n>', 'stale when an entry has fewer hits than this in the window', flags.wholeNumber('--min-hits'), 1)
    .option('--low-confidence <p>', 'non-escalated questions below this confidence also count as unanswered', flags.numberBetween('--low-confidence', 0, 1, 0.3), 0.3)
    .addOption(new Option('--now <iso>', 'end of the window (default: now)').argParser(flags.dateTime('--now')))
    .action(async (kbDir: string, opts: { since: number; json?: boolean; html?: string; log?: string; store?: string; minHits: number; lowConfidence: number; now?: number }) => {
      const kb = await (await engine()).loadKnowledgeBase(kbDir)
      const { log, close } = await openCommandLog('report', kbDir, opts)
      try {
        const report = await buildReport(log, { since: opts.since, now: opts.now ?? now(), entries: kb.entries, staleMinHits: opts.minHits, lowConfidence: opts.lowConfidence, calibration: kb.calibration })
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
        await close()
      }
    })
}
