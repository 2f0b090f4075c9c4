/**
 * `kotae publish <kb> --store <postgres-url>`: make the base saved in a folder the generation
 * every replica serves. Its files are verified against the manifest first (a damaged base is
 * never published), then stored in one transaction that notifies the listening replicas.
 * Publishing the current generation again does nothing; publishing an older folder the store
 * still holds rolls back to it.
 */
import type { Command } from 'commander'
import { createError } from '../../errors.js'
import { flagParsers } from '../options.js'

/** Bytes as kB / MB for a person. */
function size(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`
}

/** Register `publish` on the program. */
export function registerPublish(program: Command): void {
  const flags = flagParsers('publish')
  program
    .command('publish')
    .description('publish a saved knowledge base to a PostgreSQL store as the generation every replica serves (they reload on the notification)')
    .argument('<kb>', 'knowledge-base folder (kotae build -o <kb>)')
    .option('--store <url>', 'PostgreSQL store the replicas share (postgres://user@host:5432/db)')
    .option('--keep <n>', 'generations the store keeps, older ones are deleted (default 8)', flags.wholeNumber('--keep', 1, 1000))
    .option('--json', 'print the result as JSON')
    .action(async (kbDir: string, opts: { store?: string; keep?: number; json?: boolean }) => {
      // Loaded here: the other commands never load the PostgreSQL client.
      const { describeStore, isPostgresUrl } = await import('../../postgres/connect.js')
      if (opts.store === undefined || !isPostgresUrl(opts.store)) {
        throw createError('CLI_USAGE', {
          command: 'publish',
          problem: opts.store === undefined ? '--store is required' : `--store must be a postgres:// or postgresql:// URL, got "${describeStore(opts.store)}"`,
          hint: `for example kotae publish ${kbDir} --store postgres://kotae@127.0.0.1:5432/kotae`,
        })
      }
      const { publishGeneration } = await import('../../postgres/generations.js')
      const result = await publishGeneration(opts.store, kbDir, opts.keep === undefined ? {} : { keep: opts.keep })
      const store = describeStore(opts.store)
      if (opts.json) {
        console.log(JSON.stringify({ ...result, store }, null, 2))
        return
      }
      if (result.outcome === 'already-current') console.log(`${result.generation} is already current in ${store}: nothing to publish.`)
      else if (result.outcome === 'reactivated') console.log(`${result.generation} is current again in ${store} (rolled back to a generation the store kept); listening replicas load it now.`)
      else console.log(`Published ${result.generation} (${result.files} files, ${size(result.bytes)}) to ${store}; listening replicas load it now.`)
      if (result.removed.length > 0) console.log(`Deleted ${result.removed.length} older generation(s) to keep the last generations: ${result.removed.join(', ')}.`)
    })
}
