/**
 * `kotae ask <kb> <question>`: one question to a knowledge base, answered, clarified or escalated,
 * optionally recorded in the hit log (`--log`), which prints the event id `kotae feedback` takes.
 */
import type { Command } from 'commander'
import { openHitLog } from '../../ops/index.js'
import { loadWithEmbedder, withEmbedderOptions } from '../embedder.js'
import { formatAskResult, formatCandidates } from '../format.js'

/** Register `ask` on the program. */
export function registerAsk(program: Command): void {
  withEmbedderOptions(
    program
      .command('ask')
      .description('ask a knowledge base one question')
      .argument('<kb>', 'knowledge-base folder')
      .argument('<question>', 'the question')
      .option('--json', 'print the full result as JSON')
      .option('--lang <tag>', 'only entries in this language')
      .option('--category <name>', 'only entries of this category')
      .option('--log [file]', 'record the question in the hit log (default file: <kb>/hits.sqlite)')
      .option('--session <id>', 'conversation id for the hit log')
      .option('--channel <name>', 'channel for the hit log (web, line, kakao...)'),
  ).action(async (kbDir: string, question: string, opts) => {
    const kb = await loadWithEmbedder(kbDir, opts)
    const log = opts.log ? openHitLog(typeof opts.log === 'string' ? opts.log : kbDir) : undefined
    if (log) kb.useLogger(log)
    const result = await kb.ask(question, { lang: opts.lang, category: opts.category, sessionId: opts.session, channel: opts.channel })
    log?.close()
    if (opts.json) console.log(JSON.stringify(result, null, 2))
    else console.log(`${formatAskResult(result)}\n${formatCandidates(result)}${result.eventId ? `\nevent ${result.eventId} (kotae feedback ${kbDir} ${result.eventId} --helpful | --not-helpful | --picked <entryId> | --resolved <entryId>)` : ''}`)
  })
}
