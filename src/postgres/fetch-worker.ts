/**
 * Fetch a generation in a worker thread. A busy replica's event loop runs one socket read per
 * turn between the requests in flight, so a ~12 MB generation read on it crawled: the load bench
 * saw reloads take 15–25 s under load against under 2 s at rest. In a thread of its own, with its
 * own connection, the transfer, the checksums and the fsyncs go at the machine's speed; only the
 * load into the in-process indexes stays on the main thread.
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { createError, type ErrorDetails, type KotaeErrorCode } from '../errors.js'
import { storeError, type PostgresDatabase } from './connect.js'
import { fetchGeneration, type FetchedGeneration, type FetchOptions } from './generations.js'

/**
 * The worker's script, the compiled `fetch-worker-entry.js` next to this file; null when this
 * module runs from its TypeScript source (vitest, `tsx` scripts), where a worker thread cannot
 * load `.ts` files: the fetch then runs on the calling thread, with the same result. The package
 * (`dist/`) always uses the thread; `test/postgres/fetch-worker.test.ts` runs the compiled one.
 */
function entry(): URL | null {
  return fileURLToPath(import.meta.url).endsWith('.ts') ? null : new URL('./fetch-worker-entry.js', import.meta.url)
}

/**
 * `fetchGeneration(db, name, cacheDir, options)` in a worker thread with a connection of its own
 * to the same store (the same result and errors: `KB_NOT_FOUND`, `KB_CORRUPT`, `KB_WRITE`,
 * `STORE_UNAVAILABLE`…).
 */
export async function fetchInWorker(db: PostgresDatabase, name: string, cacheDir: string, options: FetchOptions): Promise<FetchedGeneration> {
  const script = entry()
  if (!script) return fetchGeneration(db, name, cacheDir, options)
  const { url, description } = db
  return new Promise((resolve, reject) => {
    let settled = false
    const worker = new Worker(script, { workerData: { url, name, cacheDir, options } })
    worker.once('message', (message: { ok?: FetchedGeneration; kotae?: { code: KotaeErrorCode; details: unknown }; failure?: string }) => {
      settled = true
      if (message.ok) resolve(message.ok)
      else if (message.kotae) reject(createError(message.kotae.code, message.kotae.details as ErrorDetails[KotaeErrorCode]))
      else reject(storeError(description, `fetch generation ${name}`, new Error(message.failure ?? 'the fetch thread failed')))
    })
    worker.once('error', (error) => {
      if (!settled) reject(storeError(description, `fetch generation ${name}`, error))
      settled = true
    })
    worker.once('exit', (code) => {
      if (!settled) reject(storeError(description, `fetch generation ${name}`, new Error(`the fetch thread exited with code ${code}`)))
      settled = true
    })
  })
}
