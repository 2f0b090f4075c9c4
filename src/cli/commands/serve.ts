/**
 * `kotae serve <kb>`: the knowledge base over HTTP (src/serve/). From a folder, the hit log is
 * the folder's SQLite file and new generations are picked up when a save commits them. With
 * `--store postgres://...`, the generations, the hit log and the conversations are in
 * PostgreSQL, shared by every replica; `<kb>` is then optional and, given, is published when
 * the database has no generation yet. SIGTERM / SIGINT finish the requests in flight, write the
 * log's queue, then exit.
 */
import { hostname } from 'node:os'
import type { Command } from 'commander'
import { createError } from '../../errors.js'
import { openHitLog } from '../../hitlog/index.js'
import { DEFAULT_SERVE_OPTIONS, FolderGenerationSource, startServer, type ServeParts } from '../../serve/index.js'
import { withEmbedderOptions } from '../embedder.js'
import { flagParsers } from '../options.js'

const flags = flagParsers('serve')

/** Register `serve` on the program. */
export function registerServe(program: Command): void {
  withEmbedderOptions(
    program
      .command('serve')
      .description('answer over HTTP: POST /v1/ask, conversations, feedback, report, metrics (see /openapi.json)')
      .argument('[kb]', 'knowledge-base folder (optional with --store: published when the database has none)')
      .option('--port <n>', 'TCP port (0: any free port)', flags.wholeNumber('--port', 0, 65_535), DEFAULT_SERVE_OPTIONS.port)
      .option('--host <address>', 'address to bind (beyond 127.0.0.1 a token is required)', DEFAULT_SERVE_OPTIONS.host)
      .option('--token <token>', 'bearer token every request must send (default: $KOTAE_TOKEN)')
      .option('--store <url>', 'PostgreSQL store shared by replicas: generations, hit log, conversations (postgres://...)')
      .option('--generation-cache <dir>', 'with --store: where fetched generations are kept on this machine (default: <tmp>/kotae-generations/<replica name>)')
      .option('--replica <name>', 'with --store: this replica\'s name, on its events and its cache folder (default: <hostname>-<port>)')
      .option('--no-log', 'do not record asks in a hit log')
      .option('--log-queries', "write the customers' questions into the server's log lines (off by default)")
      .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent', DEFAULT_SERVE_OPTIONS.logLevel)
      .option('--body-limit <bytes>', 'largest request body', flags.wholeNumber('--body-limit', 1024, 10 * 1024 * 1024), DEFAULT_SERVE_OPTIONS.bodyLimitBytes),
  ).action(async (kbDir: string | undefined, opts) => {
    const token: string | undefined = opts.token ?? (process.env.KOTAE_TOKEN || undefined)
    const model = { modelDir: opts.modelDir as string | undefined, cacheDir: opts.cacheDir as string | undefined, offline: !opts.online }
    let parts: ServeParts
    if (opts.store !== undefined) {
      parts = await postgresParts(opts.store as string, kbDir, { model, cacheDir: opts.generationCache as string | undefined, name: (opts.replica as string | undefined) ?? `${hostname()}-${opts.port}`, log: opts.log !== false })
    } else {
      if (!kbDir) throw createError('CLI_USAGE', { command: 'serve', problem: 'no knowledge base given', hint: 'kotae serve <kb-folder>, or --store postgres://... to serve the database\'s generation' })
      parts = { source: new FolderGenerationSource(kbDir, { model }), ...(opts.log === false ? {} : { log: openHitLog(kbDir, {}) }) }
    }
    const server = await startServer(parts, { port: opts.port, host: opts.host, token, bodyLimitBytes: opts.bodyLimit, logQueries: Boolean(opts.logQueries), logLevel: opts.logLevel })
    process.stderr.write(`kotae serve: ${server.url} (generation ${server.generation.id}, ${server.generation.kb.entries.length} entries, from ${parts.source.description})\n`)
    const stop = (signal: string) => {
      process.stderr.write(`kotae serve: ${signal}, finishing the requests in flight\n`)
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`kotae serve: ${(err as Error).message}\n`)
          process.exit(1)
        },
      )
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
}

/** The PostgreSQL parts of a replica (loaded lazily: a folder server never loads `pg`). */
async function postgresParts(url: string, kbDir: string | undefined, options: { model: { modelDir?: string; cacheDir?: string; offline: boolean }; cacheDir?: string; name: string; log: boolean }): Promise<ServeParts> {
  const postgres = await import('../../postgres/index.js')
  if (!postgres.isPostgresUrl(url)) throw createError('CLI_USAGE', { command: 'serve', problem: `--store must be a postgres:// or postgresql:// URL, got "${postgres.describeStore(url)}"`, hint: 'for example --store postgres://kotae@127.0.0.1:5432/kotae' })
  return postgres.servePartsFor(url, { kbDir, ...options })
}
