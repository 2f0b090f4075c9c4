/**
 * Where a server's knowledge base comes from, one complete generation at a time. The server asks
 * its source for the first generation, then is called back with each new one, already loaded and
 * verified; it swaps one reference, so every request is answered from one complete generation
 * (the one current when the request started), never a mix, and a reload that fails leaves the
 * previous generation answering. Two sources exist: a knowledge-base folder watched on disk
 * ({@link FolderGenerationSource}) and the generations a PostgreSQL store publishes
 * (`src/postgres/source.ts`, refreshed on `LISTEN/NOTIFY`).
 */
import type { KnowledgeBase } from '../engine.js'
import type { KotaeError } from '../errors.js'

/** One loaded generation of a knowledge base, as a server answers from it. */
export interface ServedGeneration {
  /** The generation's name (`gen-<time>-<hex>`, from the manifest): what `/readyz` and the metrics report. */
  readonly id: string
  /** The loaded, verified knowledge base. */
  readonly kb: KnowledgeBase
  /** When this process finished loading it (ms since epoch). */
  readonly loadedAt: number
}

/** What a source calls when a new generation is ready, or when loading one failed (the old one keeps answering). */
export interface GenerationListener {
  onGeneration(generation: ServedGeneration): void
  onError(error: KotaeError): void
}

/** A knowledge base that can change while a server runs. */
export interface GenerationSource {
  /** Where the generations come from, for logs and messages (a folder, or a database without its password). */
  readonly description: string
  /** Load the current generation (throws a KotaeError a person can act on when there is none or it cannot be read). */
  open(): Promise<ServedGeneration>
  /** Start watching for new generations; call after {@link open}. */
  watch(listener: GenerationListener): void
  /** Stop watching and release what the source holds (connections, watchers). */
  close(): Promise<void>
}
