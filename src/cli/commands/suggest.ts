/**
 * `kotae suggest <kb>`: queries users picked, or people resolved, to an entry, listed as suggested
 * variants; `--accept` / `--accept-all` add them and rebuild the base, `--reject` hides them.
 */
import { Option, type Command } from 'commander'
import { createError } from '../../errors.js'
import { acceptSuggestions, listSuggestions, rejectSuggestions } from '../../ops/index.js'
import { openExistingLog, resolveOpsDeps, type OpsCommandDeps } from '../deps.js'
import { pad } from '../format.js'
import { flagParsers } from '../options.js'

/** Register `suggest` on the program. */
export function registerSuggest(program: Command, deps: OpsCommandDeps = {}): void {
  const { engine, out } = resolveOpsDeps(deps)
  const flags = flagParsers('suggest')
  program
    .command('suggest')
    .description('list queries that users picked or people resolved to an entry, as suggested variants; accept them to add and rebuild')
    .argument('<kb>', 'knowledge-base folder')
    .addOption(new Option('--log <file>', 'hit log file (default: <kb>/hits.sqlite)'))
    .option('--min-count <n>', 'list (and with --accept-all, accept) suggestions seen at least this often', flags.wholeNumber('--min-count', 1))
    .option('--accept <ids...>', 'accept these suggestion ids: add them as variants and rebuild the knowledge base')
    .option('--accept-all', 'accept every suggestion with at least --min-count (default 2) and no redaction mask')
    .option('--reject <ids...>', 'reject these suggestion ids so they are not listed again')
    .option('--json', 'print as JSON')
    .action(async (kbDir: string, opts: { log?: string; minCount?: number; accept?: string[]; acceptAll?: boolean; reject?: string[]; json?: boolean }) => {
      if (opts.accept && opts.acceptAll) {
        throw createError('CLI_USAGE', { command: 'suggest', problem: '--accept <ids...> and --accept-all cannot be used together', hint: `pass the ids to accept (kotae suggest ${kbDir} --accept <id...>) or --accept-all, not both` })
      }
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
}
