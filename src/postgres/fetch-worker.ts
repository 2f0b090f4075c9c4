/**
 * Fetch generations in a worker thread. A busy replica's event loop shares every turn with the
 * requests in flight, so reading a ~12 MB generation on it crawled: the load bench saw reloads
 * take 15–25 s under load against about 2.5 s at rest. In a thread of its own, with its own
 * connection, the transfer, the checksums and the fsyncs get the machine's share of a thread;
 * only the load into the in-process indexes stays on the main thread. The thread is started
 * once, when the source opens, so a reload does not pay for loading its modules.
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { createError, type ErrorDetails, type KotaeErrorCode } from '../errors.js'
import { storeError, type PostgresDatabase } from './connect.js'
import { fetchGeneration, type FetchedGeneration, type FetchOptions } from './generations.js'

/** What the thread answers to a job. */
interface FetchReply {
  id: number
  ok?: FetchedGeneration
  kotae?: { code: KotaeErrorCode; details: unknown }
  failure?: string
}

/**
 * The worker's script, the compiled `fetch-worker-entry.js` next to this file; null when this
 * module runs from its TypeScript source (vitest, `tsx` scripts), where a worker thread cannot
 * load `.ts` files: the fetch then runs on the calling thread, with the same result. The package
 * (`dist/`) always uses the thread; `test/postgres/fetch-worker.test.ts` runs the compiled one.
 */
function entry(): URL | null {
  return fileURLToPath(import.meta.url).endsWith('.ts') ? null : new URL('./fetch-worker-entry.js', import.meta.url)
}

/** A worker thread that fetches generations of one store (see the module comment). */
export class FetchThread {
  private worker: Worker | null = null
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (g: FetchedGeneration) => void; reject: (e: Error) => void; name: string }>()
  private closed = false

  constructor(private readonly db: PostgresDatabase) {}

  /** The thread, started on first use (again after it died). */
  private thread(script: URL): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(script, { workerData: { url: this.db.url } })
    worker.unref()
    worker.on('message', (reply: FetchReply) => {
      const job = this.pending.get(reply.id)
      if (!job) return
      this.pending.delete(reply.id)
      if (reply.ok) job.resolve(reply.ok)
      else if (reply.kotae) job.reject(createError(reply.kotae.code, reply.kotae.details as ErrorDetails[KotaeErrorCode]))
      else job.reject(storeError(this.db.description, `fetch generation ${job.name}`, new Error(reply.failure ?? 'the fetch thread failed')))
    })
    const died = (error: Error) => {
      if (this.worker === worker) this.worker = null
      for (const [id, job] of this.pending) {
        this.pending.delete(id)
        job.reject(storeError(this.db.description, `fetch generation ${job.name}`, error))
      }
    }
    worker.on('error', died)
    worker.on('exit', (code) => died(new Error(`the fetch thread exited with code ${code}`)))
    this.worker = worker
    return worker
  }

  /** Start the thread now (a source does at open, so the first reload does not wait for it). */
  start(): void {
    const script = entry()
    if (script && !this.closed) this.thread(script)
  }

  /**
   * `fetchGeneration(db, name, cacheDir, options)` in the thread (the same result and errors:
   * `KB_NOT_FOUND`, `KB_CORRUPT`, `KB_WRITE`, `STORE_UNAVAILABLE`…).
   */
  fetch(name: string, cacheDir: string, options: FetchOptions): Promise<FetchedGeneration> {
    const script = entry()
    if (!script || this.closed) return fetchGeneration(this.db, name, cacheDir, options)
    const worker = this.thread(script)
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, name })
      worker.postMessage({ id, name, cacheDir, options })
    })
  }

  /** Stop the thread (a fetch in flight fails). */
  async close(): Promise<void> {
    this.closed = true
    const worker = this.worker
    this.worker = null
    if (worker) await worker.terminate()
  }
}
