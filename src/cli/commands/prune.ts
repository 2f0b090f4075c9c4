/**
 * `kotae prune <kb>`: write a copy of the FAQ (JSONL) without the entries that had fewer than N hits
 * in the window, to rebuild from. Never deletes anything in place, never writes into the base.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { Option, type Command } from 'commander'
import { createError } from '../../errors.js'
import type { FaqEntry } from '../../schema.js'
import { buildReport, prunedEntries } from '../../ops/index.js'
import { openExistingLog, resolveOpsDeps, type OpsCommandDeps } from '../deps.js'
import { flagParsers } from '../options.js'

/** Register `prune` on the program. */
export function registerPrune(program: Command, deps: OpsCommandDeps = {}): void {
  const { engine, out, now } = resolveOpsDeps(deps)
  const flags = flagParsers('prune')
  program
    .command('prune')
    .description('write a pruned copy of the FAQ (JSONL) without entries that had fewer than N hits in the window; never deletes in place')
    .argument('<kb>', 'knowledge-base folder')
    .requiredOption('--min-hits <n>', 'keep entries with at least this many hits (answers + picked + resolved)', flags.wholeNumber('--min-hits'))
    .requiredOption('--since <duration>', 'window length ending now: 30d, 12w...', flags.duration('--since'))
    .requiredOption('-o, --output <file>', 'JSONL file to write the kept entries to')
    .addOption(new Option('--log <file>', 'hit log file (default: <kb>/hits.sqlite)'))
    .option('--force', 'overwrite the output file if it exists')
    .addOption(new Option('--now <iso>', 'end of the window (default: now)').argParser(flags.dateTime('--now')))
    .action(async (kbDir: string, opts: { minHits: number; since: number; output: string; log?: string; force?: boolean; now?: number }) => {
      const target = resolve(opts.output)
      if (target.startsWith(resolve(kbDir) + sep) || target === resolve(kbDir)) {
        throw createError('CLI_USAGE', { command: 'prune', problem: `--output ${opts.output} is inside the knowledge-base folder`, hint: 'write the pruned FAQ elsewhere and rebuild from it' })
      }
      if (existsSync(target) && !opts.force) throw createError('CLI_USAGE', { command: 'prune', problem: `${opts.output} already exists; choose another file or pass --force`, hint: '' })
      const kb = await (await engine()).loadKnowledgeBase(kbDir)
      const log = openExistingLog(kbDir, opts.log)
      try {
        const end = opts.now ?? now()
        const report = await buildReport(log, { since: opts.since, now: end, entries: kb.entries, staleMinHits: opts.minHits })
        const { kept, removed } = prunedEntries(kb.entries, report, opts.minHits)
        for (const w of report.warnings) out(`warning: ${w}`)
        await mkdir(dirname(target), { recursive: true })
        await writeFile(target, kept.map((e: FaqEntry) => JSON.stringify(e)).join('\n') + (kept.length ? '\n' : ''))
        out(`Kept ${kept.length} entries, pruned ${removed.length} (fewer than ${opts.minHits} hits since ${new Date(end - opts.since).toISOString().slice(0, 10)}); wrote ${opts.output}`)
        for (const r of removed) out(`  - ${r.id} (${r.hits} hits)`)
        out(`Rebuild with: kotae build ${opts.output} <new-kb-folder>`)
      } finally {
        log.close()
      }
    })
}
