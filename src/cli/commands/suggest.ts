/**
 * `kotae suggest <kb>`: queries users picked, or people resolved, to an entry, listed as suggested
 * variants with what a person needs to judge them (the variant, where it came from, the entry's
 * question and answer); `--dry-run` measures accepting them on a base rebuilt in memory,
 * `--accept` / `--accept-all` add them and rebuild the base (refusing one that breaks an entry's
 * own question unless `--force`), `--reject … --reason` hides them for good, `--rejected` lists those.
 * With `--store postgres://…` the log is the PostgreSQL store the replicas share, and a base
 * rebuilt by `--accept` is published to it as the new current generation, so they load it.
 */
import { Option, type Command } from 'commander'
import { createError } from '../../errors.js'
import { acceptSuggestions, listRejectedSuggestions, listSuggestions, previewSuggestions, rejectSuggestions, type ReplayOutcome, type Suggestion, type SuggestionPreview } from '../../ops/suggest.js'
import { resolveOpsDeps, type OpsCommandDeps } from '../deps.js'
import { flagParsers } from '../options.js'
import { openCommandLog, publishToStore, storeOption, type Published } from '../store.js'

const DAY = 24 * 3600_000

/** Options of `kotae suggest`, as commander gives them. */
interface SuggestFlags {
  log?: string
  store?: string
  minCount?: number
  accept?: string[]
  acceptAll?: boolean
  dryRun?: boolean
  force?: boolean
  reject?: string[]
  reason?: string
  rejected?: boolean
  window: number
  maxQueries: number
  now?: number
  json?: boolean
}

/** `2026-04-01 12:00` from an ISO time. */
const day = (iso: string) => iso.slice(0, 16).replace('T', ' ')

/** Where a suggestion came from, as a line. */
function provenance(s: Suggestion): string {
  const parts: string[] = []
  if (s.picked) parts.push(`picked after a clarify ${s.picked}×`)
  if (s.resolved) parts.push(`resolved by a person ${s.resolved}×`)
  const sessions = `, in ${s.sessions} session${s.sessions === 1 ? '' : 's'}`
  const seen = s.firstSeen === s.lastSeen ? `seen ${day(s.lastSeen)}` : `first seen ${day(s.firstSeen)}, last ${day(s.lastSeen)}`
  return `${parts.join(', ')}${sessions}; ${seen}`
}

/** One suggestion as a block of text: the variant first, then its entry, then where it came from, the id last. */
function suggestionBlock(s: Suggestion): string[] {
  return [
    `"${s.query}"${s.masked ? '   (contains a redaction mask or personal data: edit before use)' : ''}`,
    `  as a variant of: ${s.entry ? `${s.entry.question}   [${s.entryId}]` : s.entryId}`,
    ...(s.entry ? [`  answer: ${s.entry.answerStart}`] : []),
    `  from: ${provenance(s)}`,
    `  id: ${s.id}`,
  ]
}

/** A decision as text: `answer ship-en (0.93)`. */
const outcome = (o: ReplayOutcome) => `${o.decision}${o.entryId ? ` ${o.entryId}` : ''} (${o.confidence.toFixed(2)})`

/** The dry run as text. */
function previewText(p: SuggestionPreview, kbDir: string): string[] {
  const lines: string[] = []
  if (p.suggestions.length === 0) return ['Nothing to measure: no pending suggestion matches (see `kotae suggest ' + kbDir + '`).']
  lines.push(`Dry run: ${p.suggestions.length} suggestion(s) measured on a base rebuilt in memory; nothing was written.`, '')
  for (const s of p.suggestions) {
    lines.push(...suggestionBlock(s))
    if (s.harmful) {
      lines.push('  HARMFUL: accepting it makes an own question do worse:')
      for (const problem of s.problems) lines.push(`    - ${problem}`)
    }
    lines.push('')
  }
  const own = p.ownQuestions
  const worse = own.results.filter((r) => r.blamedOn.length > 0)
  const side = own.results.filter((r) => !r.ok && r.blamedOn.length === 0)
  lines.push(`Own questions: ${own.checked} checked; ${worse.length} of the entries the suggestions affect do worse.`)
  for (const r of own.results.filter((r) => r.ok || r.blamedOn.length > 0)) lines.push(`  ${r.ok ? 'ok   ' : 'WORSE'} ${r.entryId}: "${r.question}"  ${outcome(r.before)} → ${outcome(r.after)}`)
  if (side.length) {
    lines.push(`  ${side.length} other entr${side.length === 1 ? 'y does' : 'ies do'} worse after the rebuild (it refits the embedder and the calibration; no suggestion is near them):`)
    for (const r of side) lines.push(`    ${r.entryId}: "${r.question}"  ${outcome(r.before)} → ${outcome(r.after)}`)
  }
  const rp = p.replay
  lines.push(
    '',
    `Replayed ${rp.replayed} distinct logged question(s) from ${rp.events} event(s) between ${day(rp.from)} and ${day(rp.to)} through the current and the rebuilt base.`,
    `Queries are replayed as stored: redacted, so ${rp.masked} masked quer${rp.masked === 1 ? 'y was' : 'ies were'} replayed with the mask, not as the customer typed it${rp.notReplayable ? `; ${rp.notReplayable} event(s) in hash mode cannot be replayed` : ''}.`,
  )
  if (rp.changed.length === 0) lines.push('No replayed question changes decision or entry.')
  else {
    lines.push(`${rp.changed.length} question(s) change decision or entry (before → after):`)
    for (const c of rp.changed) lines.push(`  "${c.query}"${c.events > 1 ? ` ×${c.events}` : ''}${c.masked ? ' (masked)' : ''}: ${outcome(c.before)} → ${outcome(c.after)}`)
  }
  lines.push('')
  if (p.harmful.length) lines.push(`Accepting ${p.harmful.join(', ')} is refused unless --force (kotae suggest ${kbDir} --accept <id...> --force).`)
  else lines.push(`Accept with: kotae suggest ${kbDir} --accept ${p.suggestions.map((s) => s.id).join(' ')}`)
  return lines
}

/** Register `suggest` on the program. */
export function registerSuggest(program: Command, deps: OpsCommandDeps = {}): void {
  const { engine, out, now } = resolveOpsDeps(deps)
  const flags = flagParsers('suggest')
  program
    .command('suggest')
    .description('list queries that users picked or people resolved to an entry, as suggested variants; measure accepting them (--dry-run), accept them to add and rebuild, or reject them with a reason')
    .argument('<kb>', 'knowledge-base folder')
    .addOption(new Option('--log <file>', 'hit log file (default: <kb>/hits.sqlite)'))
    .addOption(storeOption('suggest'))
    .option('--min-count <n>', 'list (and with --accept-all, accept) suggestions seen at least this often', flags.wholeNumber('--min-count', 1))
    .option('--accept <ids...>', 'accept these suggestion ids: add them as variants and rebuild the knowledge base')
    .option('--accept-all', 'accept every suggestion with at least --min-count (default 2) and no redaction mask')
    .option('--dry-run', 'with --accept or --accept-all (or alone, for what --accept-all would take): measure the effect on a base rebuilt in memory and write nothing')
    .option('--force', 'accept even a suggestion that makes an entry\'s own question do worse')
    .option('--reject <ids...>', 'reject these suggestion ids so they are not listed again')
    .option('--reason <text>', 'with --reject: why (kept in the hit log, shown by --rejected)')
    .option('--rejected', 'list the rejected suggestions with their reasons')
    .addOption(new Option('--window <duration>', 'with --dry-run: replay the logged questions of this window: 90m, 12h, 30d, 2w').argParser(flags.duration('--window')).default(30 * DAY, '30d'))
    .addOption(new Option('--max-queries <n>', 'with --dry-run: replay at most this many recent events').argParser(flags.wholeNumber('--max-queries', 1, 100_000)).default(500))
    .addOption(new Option('--now <iso>', 'with --dry-run: end of the replay window (default: now)').argParser(flags.dateTime('--now')))
    .option('--json', 'print as JSON')
    .action(async (kbDir: string, opts: SuggestFlags) => {
      const usage = (problem: string, hint: string) => createError('CLI_USAGE', { command: 'suggest', problem, hint })
      if (opts.accept && opts.acceptAll) throw usage('--accept <ids...> and --accept-all cannot be used together', `pass the ids to accept (kotae suggest ${kbDir} --accept <id...>) or --accept-all, not both`)
      const accepting = !!(opts.accept?.length || opts.acceptAll)
      if (opts.reject?.length && (accepting || opts.dryRun)) throw usage('--reject cannot be combined with --accept, --accept-all or --dry-run', 'reject in one command, accept or measure in another')
      if (opts.reason !== undefined && !opts.reject?.length) throw usage('--reason goes with --reject', `kotae suggest ${kbDir} --reject <id...> --reason "why"`)
      if (opts.force && (opts.dryRun || !accepting)) throw usage('--force goes with --accept or --accept-all (and not with --dry-run)', `measure first with --dry-run, then kotae suggest ${kbDir} --accept <id...> --force`)
      const eng = await engine()
      const { log, store, close } = await openCommandLog('suggest', kbDir, opts)
      try {
        if (opts.rejected) {
          const kb = await eng.loadKnowledgeBase(kbDir)
          const rejected = await listRejectedSuggestions(log, { entries: kb.entries })
          if (opts.json) out(JSON.stringify(rejected, null, 2))
          else if (rejected.length === 0) out('No rejected suggestions.')
          else {
            out(`${rejected.length} rejected suggestion(s), newest first:\n`)
            for (const r of rejected) {
              out(`"${r.query}"`)
              out(`  as a variant of: ${r.entry ? `${r.entry.question}   [${r.entryId}]` : r.entryId}`)
              out(`  rejected ${day(r.rejectedAt)}: ${r.reason ?? '(no reason given)'}${r.seenSince ? `; picked or resolved ${r.seenSince}× since (still hidden)` : ''}`)
              out(`  id: ${r.id}\n`)
            }
          }
          return
        }
        if (opts.reject?.length) {
          const kb = await eng.loadKnowledgeBase(kbDir)
          const rejected = await rejectSuggestions(log, opts.reject, { entries: kb.entries, reason: opts.reason })
          out(opts.json ? JSON.stringify({ rejected, reason: opts.reason ?? null }, null, 2) : `Rejected ${rejected.length} suggestion(s)${opts.reason ? ` (reason: ${opts.reason})` : ''}; they will not be suggested again (list them with --rejected).`)
          return
        }
        if (opts.dryRun) {
          const kb = await eng.loadKnowledgeBase(kbDir)
          const preview = await previewSuggestions(kb, log, { ids: opts.accept, all: !opts.accept?.length, minCount: opts.minCount, windowMs: opts.window, maxQueries: opts.maxQueries, now: opts.now ?? now() })
          out(opts.json ? JSON.stringify({ dryRun: true, ...preview }, null, 2) : previewText(preview, kbDir).join('\n'))
          return
        }
        if (accepting) {
          const { accepted, refused } = await acceptSuggestions(kbDir, log, { ids: opts.accept, all: opts.acceptAll, minCount: opts.minCount, force: opts.force, engine: eng })
          if (refused.length && opts.accept?.length) {
            const problems = refused.flatMap((r) => r.problems.map((p) => `${r.suggestion.id} ("${r.suggestion.query}"): ${p}`))
            throw usage(`refused to accept ${refused.map((r) => r.suggestion.id).join(', ')}: accepting would make an entry's own question do worse (${problems.join('; ')}); nothing was written`, `see the effect with kotae suggest ${kbDir} --dry-run --accept ${opts.accept.join(' ')}; accept only the others, reject it with --reject <id> --reason "…", or pass --force`)
          }
          if (!opts.json) {
            out(accepted.length ? `Accepted ${accepted.length} suggestion(s); rebuilt ${kbDir}:` : 'Nothing to accept.')
            for (const s of accepted) out(`  ${s.entryId} += "${s.query}"`)
            for (const r of refused) out(`  refused ${r.suggestion.id} ("${r.suggestion.query}" for ${r.suggestion.entryId}): ${r.problems.join('; ')}`)
          }
          // The replicas serve what the store holds: a rebuilt base is published to it.
          let published: Published | undefined
          if (store !== undefined && accepted.length > 0) {
            try {
              published = await publishToStore(store, kbDir)
            } catch (error) {
              if (!opts.json) out(`The rebuilt base in ${kbDir} was not published, so the replicas still serve the previous generation (the suggestions are marked accepted in the store); publish it once the store answers: kotae publish ${kbDir} --store <url>`)
              throw error
            }
            if (!opts.json) out(`Published generation ${published.generation} (${published.files} files, ${published.bytes} bytes) to the store; the serving replicas load it.`)
          }
          if (opts.json) out(JSON.stringify({ accepted, refused, ...(store === undefined ? {} : { published: published ?? null }) }, null, 2))
          return
        }
        const kb = await eng.loadKnowledgeBase(kbDir)
        const list = await listSuggestions(log, { entries: kb.entries, minCount: opts.minCount ?? 1 })
        if (opts.json) out(JSON.stringify(list, null, 2))
        else if (list.length === 0) out('No suggestions yet: they come from feedback (picked options and resolved escalations).')
        else {
          out(`${list.length} suggested variant(s), most frequent first:\n`)
          for (const s of list) out(suggestionBlock(s).join('\n') + '\n')
          out(`Measure first: kotae suggest ${kbDir} --dry-run --accept <id...>   (or --dry-run alone for what --accept-all would take)`)
          out(`Then accept with: kotae suggest ${kbDir} --accept <id...>   (or --accept-all), or reject with --reject <id...> --reason "why"`)
        }
      } finally {
        await close()
      }
    })
}
