/**
 * `kotae prune <kb>`: write a copy of the FAQ (JSONL) without the topics that had fewer than N
 * hits in the window, to rebuild from. A topic is a translation group by default (all its
 * languages kept or dropped together). Refuses when the hit log covers less of the window than
 * asked (unless `--force`), prints every dropped topic with its entries' hits and last hits, and
 * with `--dry-run` writes nothing. Never deletes anything in place, never writes into the base
 * (so there is nothing to publish). The hit counts come from the folder's SQLite log, `--log
 * <file>`, or with `--store postgres://…` the PostgreSQL store the replicas share.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve, sep } from 'node:path'
import { Option, type Command } from 'commander'
import { createError } from '../../errors.js'
import type { FaqEntry } from '../../schema.js'
import { planPrune, type PruneCoverage, type PruneEntryUsage, type PrunePlan, type PruneTopic } from '../../ops/index.js'
import { resolveOpsDeps, type OpsCommandDeps } from '../deps.js'
import { flagParsers } from '../options.js'
import { openCommandLog, storeOption } from '../store.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The folder placeholder of the rebuild hint (the user picks a new folder). */
export const NEW_KB_PLACEHOLDER = '<new-kb-folder>'

/** A duration as `--since` reads it, rounded down to its largest whole unit (`90d`, `5h`, `12m`). */
function durationText(ms: number): string {
  if (ms >= DAY) return `${Math.floor(ms / DAY)}d`
  if (ms >= HOUR) return `${Math.floor(ms / HOUR)}h`
  return `${Math.max(1, Math.floor(ms / MINUTE))}m`
}
/** A span for a sentence: `35d`, `5h`, `12m`, `under a minute`, or `none`. */
const spanText = (ms: number) => (ms <= 0 ? 'none' : ms < MINUTE ? 'under a minute' : durationText(ms))

const minuteIso = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC'
const day = (iso: string | null) => (iso === null ? 'never in the log' : iso.slice(0, 10))
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
const hitsText = (n: number) => plural(n, 'hit', 'hits')

/** A path as a shell word: quoted only when it needs to be. */
function shellWord(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}

/** Why the log does not cover the window (how much it covers) and what to do, for the CLI_USAGE refusal. */
function coverageProblem(c: PruneCoverage, logPath: string): { problem: string; hint: string } {
  const window = `the ${durationText(c.windowMs)} window (${minuteIso(c.from)} to ${minuteIso(c.to)})`
  if (c.firstEvent === null || c.lastEvent === null) {
    return {
      problem: `the hit log ${logPath} has no events yet, so it covers none of ${window} and every entry would look unused`,
      hint: 'record questions first (kotae ask --log, or kb.useLogger in your bot) and prune once the log covers the window, or pass --force to prune anyway',
    }
  }
  const share = c.windowMs > 0 ? (100 * c.coveredMs) / c.windowMs : 0
  const to = Date.parse(c.to)
  const first = Date.parse(c.firstEvent)
  const last = Date.parse(c.lastEvent)
  const fixes: string[] = []
  const since = c.endsEarly ? last - first : to - first
  if (c.startsLate && since >= DAY) fixes.push(`--since ${durationText(since)}`)
  if (c.endsEarly) fixes.push(`--now ${c.lastEvent}`)
  const how = fixes.length ? `prune on the part of the window the log has seen (${fixes.join(' ')}), ` : ''
  return {
    problem:
      `the hit log covers ${spanText(c.coveredMs)} (${share < 1 ? share.toFixed(2) : share.toFixed(0)}%) of ${window}: ` +
      `its first event is ${minuteIso(c.firstEvent)} and its last ${minuteIso(c.lastEvent)} (${plural(c.events, 'event', 'events')}), ` +
      'so entries would look unused only because the log has not seen the whole window',
    hint: `${how}${c.startsLate ? 'wait until the log covers the window' : 'check that questions are still being logged'}, or pass --force to prune anyway`,
  }
}

/** One entry as a line: id, language, question, hits and last hit. */
function entryLine(e: PruneEntryUsage, indent: string, group?: string | null): string {
  const where = group === undefined ? '' : group === null ? ' (no group)' : ` (group ${group})`
  return `${indent}${e.id} [${e.lang}] "${e.question}"${where}: ${hitsText(e.hits)} in the window, last hit ${day(e.lastHit)}`
}

/** The lines of one dropped topic. */
function topicLines(t: PruneTopic, plan: PrunePlan): string[] {
  if (plan.by === 'entry' || t.group === null) return t.entries.map((e) => entryLine(e, '  - ', t.group))
  const langs = t.entries.map((e) => e.lang).join(', ')
  return [`  - group ${t.group} (${plural(t.entries.length, 'entry', 'entries')}: ${langs}): ${hitsText(t.hits)} in the window, last hit ${day(t.lastHit)}`, ...t.entries.map((e) => entryLine(e, '      '))]
}

/** Register `prune` on the program. */
export function registerPrune(program: Command, deps: OpsCommandDeps = {}): void {
  const { engine, out, now } = resolveOpsDeps(deps)
  const flags = flagParsers('prune')
  program
    .command('prune')
    .description('write a pruned copy of the FAQ (JSONL) without topics (translation groups) that had fewer than N hits in the window; never deletes in place')
    .argument('<kb>', 'knowledge-base folder')
    .requiredOption('--min-hits <n>', 'keep topics with at least this many hits (answers + picked + resolved, all languages of a group together)', flags.wholeNumber('--min-hits'))
    .requiredOption('--since <duration>', 'window length ending now: 30d, 12w...; the log must cover it', flags.duration('--since'))
    .option('-o, --output <file>', 'JSONL file to write the kept entries to (required unless --dry-run)')
    .addOption(new Option('--by <unit>', 'what is kept or dropped as one: a translation group (entries sharing metadata.group) or each entry').choices(['group', 'entry']).default('group'))
    .option('--dry-run', 'print what would be dropped and write nothing')
    .addOption(new Option('--log <file>', 'hit log file (default: <kb>/hits.sqlite)'))
    .addOption(storeOption('prune'))
    .option('--force', 'prune even when the log covers less of the window than asked, and overwrite the output file if it exists')
    .addOption(new Option('--now <iso>', 'end of the window (default: now)').argParser(flags.dateTime('--now')))
    .action(async (kbDir: string, opts: { minHits: number; since: number; output?: string; by: 'group' | 'entry'; dryRun?: boolean; log?: string; store?: string; force?: boolean; now?: number }) => {
      if (opts.output === undefined && !opts.dryRun) {
        throw createError('CLI_USAGE', { command: 'prune', problem: 'no output file', hint: 'pass -o <file> for the pruned FAQ (JSONL), or --dry-run to only see what would be dropped' })
      }
      const target = opts.output === undefined ? undefined : resolve(opts.output)
      if (target !== undefined && (target.startsWith(resolve(kbDir) + sep) || target === resolve(kbDir))) {
        throw createError('CLI_USAGE', { command: 'prune', problem: `--output ${opts.output} is inside the knowledge-base folder`, hint: 'write the pruned FAQ elsewhere and rebuild from it' })
      }
      if (target !== undefined && !opts.dryRun && existsSync(target) && !opts.force) throw createError('CLI_USAGE', { command: 'prune', problem: `${opts.output} already exists; choose another file or pass --force`, hint: '' })
      const kb = await (await engine()).loadKnowledgeBase(kbDir)
      const { log, close } = await openCommandLog('prune', kbDir, opts)
      let plan: PrunePlan
      try {
        plan = await planPrune(kb.entries, log, { since: opts.since, now: opts.now ?? now(), minHits: opts.minHits, by: opts.by })
      } finally {
        await close()
      }
      if (!plan.coverage.complete) {
        const { problem, hint } = coverageProblem(plan.coverage, log.path)
        if (!opts.force) throw createError('CLI_USAGE', { command: 'prune', problem, hint })
        out(`warning: ${problem}; pruning anyway (--force)`)
      }
      const topics = plan.by === 'group' ? plural(plan.dropped.length, 'topic', 'topics') + ' by translation group' : plural(plan.dropped.length, 'entry', 'entries') + ' one by one'
      const rule = plan.minHits === 1 ? 'with no hits' : `with fewer than ${hitsText(plan.minHits)}`
      const verb = opts.dryRun ? ['Would keep', 'would prune'] : ['Kept', 'pruned']
      out(
        `${verb[0]} ${plural(plan.keptEntries.length, 'entry', 'entries')}, ${verb[1]} ${plan.droppedEntries.length} ` +
          `(${topics} ${rule} since ${plan.coverage.from.slice(0, 10)})` +
          (opts.dryRun || target === undefined ? '' : `; wrote ${opts.output}`),
      )
      for (const t of plan.dropped) for (const line of topicLines(t, plan)) out(line)
      if (plan.by === 'group') {
        const carried = plan.kept.flatMap((t) => t.entries.filter((e) => e.hits < plan.minHits))
        if (carried.length) out(`${opts.dryRun ? 'Would keep' : 'Kept'} ${plural(carried.length, 'entry', 'entries')} ${rule} of their own because another language of their group was used (--by entry judges each entry alone)`)
      }
      if (opts.dryRun || target === undefined) {
        out(`Dry run: nothing written.${opts.output === undefined ? '' : ` Run again without --dry-run to write ${opts.output}.`}`)
        return
      }
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, plan.keptEntries.map((e: FaqEntry) => JSON.stringify(e)).join('\n') + (plan.keptEntries.length ? '\n' : ''))
      out(`Review it, then rebuild with: kotae build ${shellWord(opts.output!)} -o ${NEW_KB_PLACEHOLDER}`)
    })
}
