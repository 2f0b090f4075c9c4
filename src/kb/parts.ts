/**
 * What a knowledge base is made of, as plain parts: the entries, their phrasings, the indexes
 * built over them, the embedder, the calibration and how it was all built. The engine asks with
 * them; the store writes and reads them. Neither knows the other: this file is where they meet.
 */
import type { CalibrationSample, Calibration } from '../decide/index.js'
import type { Embedder } from '../embed/embedder.js'
import type { EntryClassifier, FieldIndex, LexicalIndex, VectorIndex } from '../retrieve/index.js'
import type { FaqEntry } from '../schema.js'
import { normalizeText } from '../text/index.js'
import type { BuildRecipe } from './recipe.js'

/** The phrasings of a knowledge base: every question and variant, with its entry. */
export interface Phrasings {
  texts: string[]
  entryOf: Int32Array
}

/** The parts a knowledge base is made of (what `save` writes and `load` reads). */
export interface KnowledgeBaseParts {
  entries: FaqEntry[]
  phrasings: Phrasings
  embedder: Embedder
  vectors: VectorIndex
  lexical: LexicalIndex
  /** BM25F over whole entries (phrasings and content). */
  fields: FieldIndex
  centroidSums: Float32Array
  /** The entry classifier, when the FAQ has enough phrasings per entry to train one. */
  classifier?: EntryClassifier
  calibration: Calibration
  /** The samples of the last self-calibration (they top up small labelled sets, so they are saved too). */
  selfSamples: CalibrationSample[]
  /** How the base was built and calibrated, replayed by `kb.rebuild`. */
  recipe: BuildRecipe
}

/** Every distinct phrasing (question first, then variants) of each entry, normalised duplicates dropped. */
export function phrasingsOf(entries: FaqEntry[]): Phrasings {
  const texts: string[] = []
  const entryOf: number[] = []
  entries.forEach((entry, index) => {
    const seen = new Set<string>()
    for (const text of [entry.question, ...entry.variants]) {
      const key = normalizeText(text)
      if (!key || seen.has(key)) continue
      seen.add(key)
      texts.push(text)
      entryOf.push(index)
    }
  })
  return { texts, entryOf: Int32Array.from(entryOf) }
}
