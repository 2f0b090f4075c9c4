/**
 * The generations a PostgreSQL store publishes, as a server's {@link GenerationSource}: the
 * server answers from the current generation, fetched into a local cache folder and loaded into
 * its in-process indexes, and swaps to each new one a publish announces.
 *
 * - `open()` fetches and loads `kotae_current_generation`. When the store cannot be reached and
 *   the cache holds a complete generation (a replica restarting while the database is down), it
 *   answers from the most recently used one and reports the outage to the listener on `watch`.
 * - `watch()` keeps a connection of its own with `LISTEN kotae_generation`; each notification
 *   makes it read the current generation, fetch and load it, and only then hand it to the
 *   listener (never a half-loaded base). A load that fails goes to `onError`, and the previous
 *   generation keeps answering.
 * - When that connection drops (the database restarted, the network failed), it reconnects with
 *   a bounded backoff (250 ms doubling to 5 s by default) and, once listening again, reads the
 *   current generation: one published while it was disconnected is not missed.
 * - It also reads the current generation every `pollIntervalMs`, a safety net for a
 *   notification lost some other way (a generation made current by hand in SQL).
 *
 * Nothing escapes as an unhandled rejection or an `'error'` event: every failure is a
 * `KotaeError` given to `onError` (a connection outage once, not once per retry).
 */
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { z } from 'zod'
import { loadKnowledgeBase } from '../engine.js'
import { createError, isKotaeError, KotaeError } from '../errors.js'
import { LoadOptionsSchema, type LoadOptions } from '../kb/store.js'
import { parseOptions } from '../schema.js'
import type { GenerationListener, GenerationSource, ServedGeneration } from '../serve/source.js'
import { describeStore, isPostgresUrl, openPostgres, PostgresOptionsSchema, storeError, type PostgresDatabase } from './connect.js'
import { FetchThread } from './fetch-worker.js'
import { cachedGenerations, currentGeneration } from './generations.js'
import { GENERATION_CHANNEL } from './migrations.js'

/** Options of {@link PostgresGenerationSource}. */
export const PostgresSourceOptionsSchema = z.strictObject({
  /** Where fetched generations are written, one knowledge-base folder each (default: `<tmpdir>/kotae-generations`). */
  cacheDir: z.string().min(1).optional(),
  /** Generation folders the cache keeps (the one served included). */
  keepCached: z.number().int().min(1).max(100).default(3),
  /** How each generation is loaded (`embedder`, `model`, `skills`: see `loadKnowledgeBase`). */
  load: z.custom<LoadOptions>((value) => typeof value === 'object' && value !== null, { message: 'expected the options of loadKnowledgeBase' }).optional(),
  /** How often the current generation is read even without a notification, ms. */
  pollIntervalMs: z.number().int().min(10).max(86_400_000).default(30_000),
  /** First wait before reconnecting the LISTEN connection, ms (doubled after each failure). */
  reconnectMinMs: z.number().int().min(1).max(60_000).default(250),
  /** Longest wait between reconnection attempts, ms. */
  reconnectMaxMs: z.number().int().min(1).max(600_000).default(5_000),
  /** At `open()`, answer from the most recently used cached generation when the store cannot be reached. */
  fallbackToCache: z.boolean().default(true),
  /** `application_name` of the LISTEN connection (seen in `pg_stat_activity`). */
  listenApplicationName: z.string().min(1).max(63).default('kotae-listen'),
  /** Pool options, when the source opens the store itself (given a URL). */
  postgres: PostgresOptionsSchema.optional(),
})
/** Options of {@link PostgresGenerationSource} (see {@link PostgresSourceOptionsSchema}). */
export type PostgresSourceOptions = z.input<typeof PostgresSourceOptionsSchema>
/** The defaults of {@link PostgresSourceOptionsSchema}. */
export const DEFAULT_POSTGRES_SOURCE_OPTIONS = Object.freeze(PostgresSourceOptionsSchema.parse({}))

/** Why the current generation is read: a notification, a (re)connection, or the poll. */
type Reason = 'notify' | 'connect' | 'poll'

/** A server's knowledge base from a PostgreSQL store, refreshed on `LISTEN/NOTIFY` (see the module comment). */
export class PostgresGenerationSource implements GenerationSource {
  readonly description: string
  private readonly url: string
  private readonly ownsDb: boolean
  private readonly opts: z.output<typeof PostgresSourceOptionsSchema>
  private readonly cacheDir: string
  private db: PostgresDatabase | null
  private opening: Promise<PostgresDatabase> | null = null
  private listener: GenerationListener | null = null
  /** The generation being answered from. */
  private served: string | null = null
  /** The last generation that failed to load: the poll does not try it again (a notification or reconnection does). */
  private failed: string | null = null
  /** An outage met by `open()` (answering from the cache), reported when `watch` gives a listener. */
  private startError: KotaeError | null = null
  private client: pg.Client | null = null
  private listenDown = false
  private backoff: number
  private reconnectTimer: NodeJS.Timeout | null = null
  private pollTimer: NodeJS.Timeout | null = null
  private refreshing: Promise<void> | null = null
  private again: Reason | null = null
  private closed = false
  /** Fetches generations off the main thread. */
  private fetcher: FetchThread | null = null

  /**
   * @param store a PostgreSQL URL (the source opens the store and closes it) or a store already
   *   open (left open by `close()`).
   */
  constructor(store: string | PostgresDatabase, options: PostgresSourceOptions = {}) {
    this.opts = parseOptions(PostgresSourceOptionsSchema, options, 'PostgresGenerationSource')
    if (this.opts.load) parseOptions(LoadOptionsSchema, this.opts.load, 'PostgresGenerationSource load')
    if (typeof store === 'string') {
      if (!isPostgresUrl(store)) {
        throw createError('INVALID_OPTIONS', { where: 'PostgresGenerationSource', problems: [{ path: 'store', message: `expected a postgres:// or postgresql:// URL, got ${JSON.stringify(describeStore(store))}` }] })
      }
      this.url = store
      this.db = null
      this.ownsDb = true
      this.description = describeStore(store)
    } else {
      this.url = store.url
      this.db = store
      this.ownsDb = false
      this.description = store.description
    }
    this.cacheDir = this.opts.cacheDir ?? join(tmpdir(), 'kotae-generations')
    this.backoff = this.opts.reconnectMinMs
  }

  /** The store, opened on first use (again after a failed open). */
  private database(): Promise<PostgresDatabase> {
    if (this.db) return Promise.resolve(this.db)
    this.opening ??= openPostgres(this.url, this.opts.postgres)
      .then(async (db) => {
        if (this.closed) {
          await db.close().catch(() => {})
          throw createError('STORE_UNAVAILABLE', { store: this.description, reason: 'the source was closed', hint: 'open a new source' })
        }
        this.db = db
        return db
      })
      .finally(() => {
        this.opening = null
      })
    return this.opening
  }

  /** Fetch generation `name` and load it (a damaged cached copy is fetched again once). */
  /** The thread that fetches generations of `db`, started once (see `fetch-worker.ts`). */
  private fetcherFor(db: PostgresDatabase): FetchThread {
    if (!this.fetcher) {
      this.fetcher = new FetchThread(db)
      this.fetcher.start()
    }
    return this.fetcher
  }

  private async load(db: PostgresDatabase, name: string): Promise<ServedGeneration> {
    const fetchOptions = { keep: this.opts.keepCached, protect: this.served ? [this.served] : [] }
    const fetcher = this.fetcherFor(db)
    const fetched = await fetcher.fetch(name, this.cacheDir, fetchOptions)
    try {
      return { id: name, kb: await loadKnowledgeBase(fetched.dir, this.opts.load), loadedAt: Date.now() }
    } catch (error) {
      if (fetched.fetched || !isKotaeError(error, 'KB_CORRUPT')) throw error
      await rm(fetched.dir, { recursive: true, force: true })
      const again = await fetcher.fetch(name, this.cacheDir, fetchOptions)
      return { id: name, kb: await loadKnowledgeBase(again.dir, this.opts.load), loadedAt: Date.now() }
    }
  }

  async open(): Promise<ServedGeneration> {
    try {
      const db = await this.database()
      const name = await currentGeneration(db)
      if (!name) throw createError('KB_NOT_FOUND', { dir: this.description, reason: 'no generation has been published to this store yet (publish one with `kotae publish <kb> --store <url>`)' })
      const generation = await this.load(db, name)
      this.served = generation.id
      return generation
    } catch (error) {
      if (!this.opts.fallbackToCache || !isKotaeError(error, 'STORE_UNAVAILABLE')) throw error
      for (const cached of await cachedGenerations(this.cacheDir)) {
        try {
          const generation: ServedGeneration = { id: cached.generation, kb: await loadKnowledgeBase(cached.dir, this.opts.load), loadedAt: Date.now() }
          this.served = generation.id
          this.startError = createError(
            'STORE_UNAVAILABLE',
            { store: this.description, reason: `${error.details.reason}; answering from the cached generation ${generation.id} until the store is back`, hint: error.details.hint, ...(error.details.pgCode ? { pgCode: error.details.pgCode } : {}) },
            { cause: error },
          )
          return generation
        } catch {
          /* try the next cached generation */
        }
      }
      throw error
    }
  }

  watch(listener: GenerationListener): void {
    if (this.closed || this.listener) return
    this.listener = listener
    if (this.startError) {
      const error = this.startError
      this.startError = null
      setImmediate(() => this.report(error))
    }
    this.startListening()
    this.pollTimer = setInterval(() => this.trigger('poll'), this.opts.pollIntervalMs)
    this.pollTimer.unref()
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    if (this.pollTimer) clearInterval(this.pollTimer)
    this.reconnectTimer = this.pollTimer = null
    const client = this.client
    this.client = null
    await client?.end().catch(() => {})
    await this.refreshing
    await this.opening?.catch(() => {})
    await this.fetcher?.close()
    if (this.ownsDb && this.db) await this.db.close().catch(() => {})
  }

  /** Give the listener an error (a listener that throws does not stop the source). */
  private report(error: KotaeError): void {
    if (this.closed || !this.listener) return
    try {
      this.listener.onError(error)
    } catch {
      /* the listener's own failure */
    }
  }

  /** {@link listen}, whose failures (even unexpected ones) become a report and a reconnection, never a rejection. */
  private startListening(): void {
    this.listen().catch((error: unknown) => {
      if (this.closed) return
      this.client = null
      this.report(storeError(this.description, 'listen for new generations', error))
      this.reconnect()
    })
  }

  /** Open the LISTEN connection; on success read the current generation (one may have been published while disconnected). */
  private async listen(): Promise<void> {
    if (this.closed) return
    const client = new pg.Client({ connectionString: this.url, application_name: this.opts.listenApplicationName, keepAlive: true, connectionTimeoutMillis: this.opts.postgres?.connectTimeoutMs ?? 5_000 })
    this.client = client
    const lost = (cause: unknown) => {
      if (this.client !== client) return
      this.client = null
      client.end().catch(() => {})
      if (this.closed) return
      if (!this.listenDown) {
        this.listenDown = true
        this.report(storeError(this.description, `listen for new generations (reconnecting; the current generation keeps answering)`, cause))
      }
      this.reconnect()
    }
    // Listeners stay attached for the client's whole life: a late 'error' is never unhandled.
    client.on('error', (error) => lost(error))
    client.on('end', () => lost(new Error('Connection terminated')))
    client.on('notification', (message) => {
      if (message.channel === GENERATION_CHANNEL && this.client === client) this.trigger('notify')
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${GENERATION_CHANNEL}`)
    } catch (error) {
      lost(error)
      return
    }
    if (this.client !== client) return
    this.backoff = this.opts.reconnectMinMs
    this.listenDown = false
    this.trigger('connect')
  }

  /** Try the LISTEN connection again after the backoff (doubled each time, up to `reconnectMaxMs`). */
  private reconnect(): void {
    if (this.closed || this.reconnectTimer) return
    const delay = this.backoff
    this.backoff = Math.min(this.backoff * 2, this.opts.reconnectMaxMs)
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      this.startListening()
    }, delay)
    this.reconnectTimer.unref()
  }

  /** Read the current generation, one refresh at a time (a trigger during one runs again after it). */
  private trigger(reason: Reason): void {
    if (this.closed || !this.listener) return
    if (this.refreshing) {
      if (this.again === null || this.again === 'poll') this.again = reason
      return
    }
    this.refreshing = this.refresh(reason)
      .catch(() => {})
      .finally(() => {
        this.refreshing = null
        const next = this.again
        this.again = null
        if (next) this.trigger(next)
      })
  }

  private async refresh(reason: Reason): Promise<void> {
    let name: string | null = null
    try {
      const db = await this.database()
      name = await currentGeneration(db)
      if (!name || name === this.served || (reason === 'poll' && name === this.failed)) return
      const generation = await this.load(db, name)
      if (this.closed || generation.id === this.served) return
      this.served = generation.id
      this.failed = null
      try {
        this.listener?.onGeneration(generation)
      } catch {
        /* the listener's own failure */
      }
    } catch (error) {
      if (this.closed) return
      const err = error instanceof KotaeError ? error : storeError(this.description, `load generation ${name ?? 'current'}`, error)
      const transient = err.code === 'STORE_UNAVAILABLE' || err.code === 'KB_WRITE'
      if (!transient && name) this.failed = name
      // While the LISTEN connection is down, that outage was reported already.
      if (reason === 'poll' && err.code === 'STORE_UNAVAILABLE' && this.listenDown) return
      this.report(err)
    }
  }
}
