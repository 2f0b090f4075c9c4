/**
 * One replica's parts on a PostgreSQL store, for `kotae serve --store`: the generations
 * (fetched into a local cache, loaded into in-process indexes, refreshed on NOTIFY), the hit log
 * (batched inserts, buffered through an outage) and the conversations, all in the same database,
 * so every replica sees the others' events, feedback, conversations and published generations.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LoadOptions } from '../kb/store.js'
import type { ServeParts } from '../serve/server.js'
import { openPostgres } from './connect.js'
import { PostgresConversationStore } from './conversations.js'
import { currentGeneration, publishGeneration } from './generations.js'
import { openPostgresHitLog } from './hitlog.js'
import { PostgresGenerationSource } from './source.js'

/** What {@link servePartsFor} needs besides the URL. */
export interface ReplicaOptions {
  /** A saved knowledge-base folder, published when the store has no generation yet (a first start). */
  kbDir?: string
  /** Where to find a transformers.js model the generation records (see `LoadOptions.model`). */
  model?: LoadOptions['model']
  /** Where fetched generations are kept on this machine (default: `<tmpdir>/kotae-generations/<name>`). */
  cacheDir?: string
  /** This replica's name: the events' `replica` column and the default cache folder (default: `<hostname>-<pid>`). */
  name?: string
  /** Record asks in the store's hit log (default true). */
  log?: boolean
}

/**
 * Open a replica's parts on the store at `url`: publish `kbDir` when the store has no generation
 * yet, then the generation source, the hit log (unless `log: false`) and the conversation store.
 * Throws `STORE_UNAVAILABLE` when the database cannot be reached at start.
 */
export async function servePartsFor(url: string, options: ReplicaOptions = {}): Promise<ServeParts> {
  const db = await openPostgres(url)
  try {
    if (options.kbDir && (await currentGeneration(db)) === null) await publishGeneration(db, options.kbDir)
    const cacheDir = options.cacheDir ?? join(tmpdir(), 'kotae-generations', (options.name ?? `replica-${process.pid}`).replace(/[^A-Za-z0-9._-]/g, '_'))
    const source = new PostgresGenerationSource(db, { cacheDir, load: { model: options.model } })
    const log = options.log === false ? undefined : await openPostgresHitLog(db, options.name ? { replica: options.name } : {})
    const conversations = new PostgresConversationStore(db)
    return { source, ...(log ? { log } : {}), conversations, close: () => db.close() }
  } catch (err) {
    await db.close().catch(() => {})
    throw err
  }
}
