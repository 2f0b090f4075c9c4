/**
 * The hit log a content-team command (`report`, `suggest`, `prune`) reads and writes, opened in
 * one place: the SQLite file of the knowledge-base folder (or `--log <file>`), as always, or with
 * `--store postgres://…` the PostgreSQL store the serving replicas share. The PostgreSQL module
 * (and with it `pg`) is imported only when `--store` is given, so a command without it never
 * loads them.
 */
import { Option } from 'commander'
import { createError } from '../errors.js'
import type { SuggestionLedger } from '../hitlog/reader.js'
import { openExistingLog } from './deps.js'

/** The URL schemes `--store` accepts. */
const STORE_URL = /^postgres(ql)?:\/\//i

/** A URL with its password masked, for messages (a mistyped URL must not print a password either). */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
  }
}

/**
 * The `--store <url>` flag of `command`, checked when it is parsed: a URL that is not
 * `postgres://` or `postgresql://` is a `CLI_USAGE` error naming the flag, what was given (its
 * password masked) and what is expected, like every other bad flag.
 */
export function storeOption(command: string): Option {
  return new Option('--store <url>', 'read and write the hit log in this PostgreSQL store (postgres://user@host:5432/db) instead of the SQLite file').argParser((value: string) => {
    const url = value.trim()
    if (!STORE_URL.test(url)) {
      throw createError('CLI_USAGE', {
        command,
        problem: `--store must be a postgres:// or postgresql:// URL, got "${withoutPassword(url)}"`,
        hint: 'for example --store postgres://kotae@127.0.0.1:5432/kotae; without --store the hit log is <kb>/hits.sqlite (or --log <file>)',
      })
    }
    return url
  })
}

/** The hit log a command works on, however it is stored. */
export interface CommandLog {
  /** The log's reads and the suggestion decisions (synchronous for SQLite, Promises for PostgreSQL). */
  log: SuggestionLedger
  /** The PostgreSQL URL when the log is in a store (`--store`); undefined for the SQLite file. */
  store: string | undefined
  /** Write what is pending and close the file or the connections. */
  close(): Promise<void>
}

/**
 * Open the hit log a command reads: the PostgreSQL store of `--store` (connecting and migrating
 * it; `STORE_UNAVAILABLE` when it cannot be reached), else the existing SQLite log of the folder
 * or of `--log` (`LOG_NOT_FOUND` when there is none; never creates an empty file). `--log` and
 * `--store` together are a `CLI_USAGE` error.
 */
export async function openCommandLog(command: string, kbDir: string, flags: { log?: string; store?: string }): Promise<CommandLog> {
  if (flags.store !== undefined) {
    if (flags.log !== undefined) {
      throw createError('CLI_USAGE', { command, problem: '--log and --store cannot be used together', hint: `the hit log is either a SQLite file (--log <file>) or a PostgreSQL store (--store postgres://…): give one` })
    }
    const { openPostgresHitLog } = await import('../postgres/index.js')
    // A command runs a few queries one after another: two connections, named for pg_stat_activity.
    const log = await openPostgresHitLog(flags.store, { poolSize: 2, applicationName: `kotae ${command}` })
    return { log, store: flags.store, close: () => log.close() }
  }
  const log = openExistingLog(kbDir, flags.log)
  return { log, store: undefined, close: async () => log.close() }
}

/** What {@link publishToStore} published. */
export interface Published {
  /** The generation now current in the store. */
  generation: string
  files: number
  bytes: number
}

/**
 * Publish the base saved in `kbDir` to the PostgreSQL store at `url` as its current generation
 * (the serving replicas are notified and load it). Throws like the store's `publishGeneration`.
 */
export async function publishToStore(url: string, kbDir: string): Promise<Published> {
  const { publishGeneration } = await import('../postgres/index.js')
  const { generation, files, bytes } = await publishGeneration(url, kbDir)
  return { generation, files, bytes }
}
