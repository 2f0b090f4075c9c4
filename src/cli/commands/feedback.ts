/** `kotae feedback <kb> <eventId>`: record what happened after a logged answer (helpful, not helpful, the option picked, the entry a person used). */
import { Option, type Command } from 'commander'
import { createError } from '../../errors.js'
import type { Feedback } from '../../ops/index.js'
import { openExistingLog, resolveOpsDeps, type OpsCommandDeps } from '../deps.js'

/** Register `feedback` on the program. */
export function registerFeedback(program: Command, deps: OpsCommandDeps = {}): void {
  const { out } = resolveOpsDeps(deps)
  program
    .command('feedback')
    .description('record feedback on a logged answer: helpful, not helpful, the option picked after clarify, or the entry a person used')
    .argument('<kb>', 'knowledge-base folder')
    .argument('<eventId>', 'the eventId returned by ask')
    .addOption(new Option('--log <file>', 'hit log file (default: <kb>/hits.sqlite)'))
    .option('--helpful', 'the answer helped')
    .option('--not-helpful', 'the answer did not help')
    .option('--picked <entryId>', 'the option the user picked after clarify')
    .option('--resolved <entryId>', 'the entry a person used to resolve the escalation')
    .option('--comment <text>', 'free-text note')
    .action(async (kbDir: string, eventId: string, opts: { log?: string; helpful?: boolean; notHelpful?: boolean; picked?: string; resolved?: string; comment?: string }) => {
      const given = [opts.helpful, opts.notHelpful, opts.picked, opts.resolved].filter((x) => x !== undefined)
      if (given.length !== 1) {
        throw createError('CLI_USAGE', {
          command: 'feedback',
          problem: given.length === 0 ? 'no feedback given' : 'more than one kind of feedback given',
          hint: `give exactly one of --helpful, --not-helpful, --picked <entryId>, --resolved <entryId> (e.g. kotae feedback ${kbDir} ${eventId} --helpful)`,
        })
      }
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
