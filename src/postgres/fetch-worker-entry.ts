/**
 * The worker thread of {@link fetchInWorker} (`fetch-worker.ts`): fetch one generation into the
 * cache with a connection of its own, then post the result (or the error's code and details) back.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { KotaeError } from '../errors.js'
import { openPostgres } from './connect.js'
import { fetchGeneration, type FetchOptions } from './generations.js'

/** What the main thread sends. */
interface FetchJob {
  url: string
  name: string
  cacheDir: string
  options: FetchOptions
}

const job = workerData as FetchJob
try {
  const db = await openPostgres(job.url, { poolSize: 1, applicationName: 'kotae-fetch' })
  try {
    parentPort!.postMessage({ ok: await fetchGeneration(db, job.name, job.cacheDir, job.options) })
  } finally {
    await db.close()
  }
} catch (error) {
  parentPort!.postMessage(error instanceof KotaeError ? { kotae: { code: error.code, details: error.details } } : { failure: String((error as Error)?.stack ?? error) })
}
