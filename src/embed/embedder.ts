/**
 * The one interface every embedder implements. The engine never knows which embedder it has:
 * it embeds passages (FAQ phrasings) at build time and queries at ask time, and records the
 * embedder's `id` in the knowledge base so that a base is never queried with another embedder.
 */

import type { RecordedEmbedder } from './spec.js'

/** Whether a text is a user question or a stored FAQ phrasing (e5 models prefix them differently). */
export type EmbedKind = 'query' | 'passage'

/** Turns texts into L2-normalised vectors of a fixed dimension. */
export interface Embedder {
  /** Stable identity, e.g. `builtin-hash-v1` or `transformers:Xenova/multilingual-e5-small:q8`. */
  readonly id: string
  /** Vector length. */
  readonly dimension: number
  /**
   * What a knowledge base records so that it can load this embedder again by itself (the
   * built-in kinds set it); absent for an embedder the caller wrote, which must then be passed
   * again to `loadKnowledgeBase`.
   */
  readonly spec?: RecordedEmbedder
  /**
   * Optional: learn corpus statistics (e.g. feature weights) from the FAQ's phrasings before
   * they are embedded. Called once per build; the result must be reproducible from `state()`.
   */
  fit?(passages: string[]): void
  /** Serialisable state learnt by `fit`, stored in the knowledge base and restored by `restore`. */
  state?(): unknown
  /** Restore state saved by `state()` when a knowledge base is loaded. */
  restore?(state: unknown): void
  /** Embed a batch of texts; each result is L2-normalised (length 1) or all-zero for empty text. */
  embed(texts: string[], kind: EmbedKind): Promise<Float32Array[]>
  /** Free native resources, if any. */
  dispose?(): Promise<void>
}
