/**
 * The content-team commands, `report`, `suggest`, `prune` and `feedback` (one file each in
 * `./commands/`), registered together so tests can run them in-process with injected deps.
 */
import type { Command } from 'commander'
import { registerFeedback } from './commands/feedback.js'
import { registerPrune } from './commands/prune.js'
import { registerReport } from './commands/report.js'
import { registerSuggest } from './commands/suggest.js'
import type { OpsCommandDeps } from './deps.js'

export type { OpsCommandDeps } from './deps.js'
export { formatReportText } from './format.js'

/** Register `report`, `suggest`, `prune` and `feedback` on a commander program. */
export function registerOpsCommands(program: Command, deps: OpsCommandDeps = {}): void {
  registerReport(program, deps)
  registerSuggest(program, deps)
  registerPrune(program, deps)
  registerFeedback(program, deps)
}
