/**
 * The worker thread of {@link FetchThread} (`fetch-worker.ts`): it keeps a connection of its own
 * to the store and, for each job it is sent, fetches one generation into the cache and posts the
 * result (or the error's code and details) back with the job's id.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { KotaeError } from '../errors.js'
import { openPostgres, type PostgresDatabase } from './connect.js'
import { fetchGeneration, type FetchOptions } from './generations.js'

/** One fetch the main thread asks for. */
interface FetchJob {
  id: number
  name: string
  cacheDir: string
  options: FetchOptions
}

const { url } = workerData as { url: string }
let db: PostgresDatabase | null = null

parentPort!.on('message', async (job: FetchJob) => {
  try {
    // The replica's own pool migrated the schema already; a connection that failed is opened again on the next job.
    db ??= await openPostgres(url, { poolSize: 1, applicationName: 'kotae-fetch', migrate: false })
    parentPort!.postMessage({ id: job.id, ok: await fetchGeneration(db, job.name, job.cacheDir, job.options) })
  } catch (error) {
    parentPort!.postMessage({ id: job.id, ...(error instanceof KotaeError ? { kotae: { code: error.code, details: error.details } } : { failure: String((error as Error)?.stack ?? error) }) })
  }
})
