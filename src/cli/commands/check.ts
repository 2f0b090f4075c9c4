/** `kotae check <faq>`: import an FAQ file without building and report every row that cannot be imported (exit 1 on errors). */
import type { Command } from 'commander'
import { formatImportReport, importFaqFile } from '../../ingest/index.js'
import { importOptions, withImportOptions } from '../options.js'

/** Register `check` on the program. */
export function registerCheck(program: Command): void {
  withImportOptions(program.command('check').description('check an FAQ file and report every row that cannot be imported').argument('<faq>', 'FAQ file').option('--json', 'print the report as JSON')).action(
    async (faq: string, opts) => {
      const result = await importFaqFile(faq, importOptions(opts))
      if (opts.json) console.log(JSON.stringify({ ...result, entries: result.entries.length }, null, 2))
      else console.log(formatImportReport(result))
      if (result.issues.some((i) => i.severity === 'error')) process.exitCode = 1
    },
  )
}
