/**
 * The built-in embedder: no weights, no download, deterministic. Each phrasing becomes a bag of
 * weighted features (words, word pairs, Latin character 3/4-grams, CJK character 1/2/3-grams),
 * each feature weighted by sublinear term frequency times an inverse document frequency learnt
 * from the knowledge base's own phrasings (`fit`), hashed with a random sign into a dense vector
 * (the "hashing trick") and L2-normalised. Scripts never share features, so it is multilingual by
 * construction; it does not know that 配送 and delivery mean the same thing — that is what the
 * transformers.js embedder is for.
 */
import { normalizeText } from '../text/normalize.js'
import { detectLanguage } from '../text/language.js'
import { analyze } from '../text/analyze.js'
import type { BaseLanguage } from '../schema.js'
import type { EmbedKind, Embedder } from './embedder.js'
import { fnv1a } from './hash.js'
import { BuiltinSpecSchema, type RecordedEmbedder } from './spec.js'
import { parseOptions } from '../schema.js'
import type { z } from 'zod'

/** Relative weight of each feature family; tuned on the dev sets (see bench/accuracy.ts). */
const FAMILY_WEIGHT = { word: 1.0, pair: 0.6, latinGram: 0.3, cjk1: 0.3, cjk2: 1.0, cjk3: 0.6 } as const

/** Fits up to this many passages keep their features for the embedding pass (speed); larger ones recompute (memory). */
const FIT_CACHE_LIMIT = 50_000

/** A feature as hashed: its 32-bit hash and its family weight. */
export interface HashedFeature {
  hash: number
  weight: number
}

/** Extract the weighted, hashed features of a text (language detected when not given). */
export function hashedFeatures(text: string, lang?: BaseLanguage): HashedFeature[] {
  const normalized = normalizeText(text)
  const analyzed = analyze(normalized, lang ?? detectLanguage(normalized))
  const features: HashedFeature[] = []
  const { words } = analyzed
  for (let i = 0; i < words.length; i++) {
    features.push({ hash: fnv1a('w:' + words[i]), weight: FAMILY_WEIGHT.word })
    if (i + 1 < words.length) features.push({ hash: fnv1a('b:' + words[i] + ' ' + words[i + 1]), weight: FAMILY_WEIGHT.pair })
  }
  for (const gram of analyzed.latinGrams) features.push({ hash: fnv1a('g:' + gram), weight: FAMILY_WEIGHT.latinGram })
  for (const gram of analyzed.cjkGrams) {
    const weight = gram.size === 1 ? FAMILY_WEIGHT.cjk1 : gram.size === 2 ? FAMILY_WEIGHT.cjk2 : FAMILY_WEIGHT.cjk3
    features.push({ hash: fnv1a(`c${gram.size}:${gram.text}`), weight })
  }
  return features
}

/** Options of the built-in embedder (its spec without the kind; see {@link BuiltinSpecSchema}). */
export type BuiltinEmbedderOptions = Omit<z.input<typeof BuiltinSpecSchema>, 'kind'>

/** State learnt by `fit`: document frequencies of feature hashes. */
export interface BuiltinEmbedderState {
  documents: number
  hashes: number[]
  frequencies: number[]
}

/** The default, weight-free embedder. See the module comment for how it works. */
export class BuiltinEmbedder implements Embedder {
  readonly id: string
  readonly dimension: number
  readonly spec: RecordedEmbedder
  private documents = 0
  private documentFrequency = new Map<number, number>()
  /** Features of the passages just fitted, so the build's embedding pass does not analyse them twice. */
  private fittedFeatures = new Map<string, HashedFeature[]>()

  constructor(options: BuiltinEmbedderOptions = {}) {
    const { dimension } = parseOptions(BuiltinSpecSchema, { ...options, kind: 'builtin' }, 'BuiltinEmbedder')
    this.dimension = dimension
    this.id = `builtin-hash-v1:${dimension}`
    this.spec = { kind: 'builtin', dimension }
  }

  /** Count in how many phrasings each feature occurs, for the IDF weights. */
  fit(passages: string[]): void {
    this.documents = passages.length
    this.documentFrequency = new Map()
    this.fittedFeatures = new Map()
    for (const passage of passages) {
      const seen = new Set<number>()
      const features = hashedFeatures(passage)
      if (passages.length <= FIT_CACHE_LIMIT) this.fittedFeatures.set(passage, features)
      for (const feature of features) seen.add(feature.hash)
      for (const hash of seen) this.documentFrequency.set(hash, (this.documentFrequency.get(hash) ?? 0) + 1)
    }
  }

  state(): BuiltinEmbedderState {
    const hashes = [...this.documentFrequency.keys()]
    return { documents: this.documents, hashes, frequencies: hashes.map((h) => this.documentFrequency.get(h) ?? 0) }
  }

  restore(state: unknown): void {
    const s = state as BuiltinEmbedderState
    this.documents = s.documents
    this.documentFrequency = new Map(s.hashes.map((h, i) => [h, s.frequencies[i] ?? 0]))
  }

  /** Inverse document frequency of a feature; unseen features weigh most, which makes novel queries look novel. */
  idf(hash: number): number {
    const df = this.documentFrequency.get(hash) ?? 0
    return Math.log((this.documents + 1) / (df + 1)) + 1
  }

  async embed(texts: string[], kind: EmbedKind): Promise<Float32Array[]> {
    const vectors = texts.map((text) => this.vectorOf(kind === 'passage' ? (this.fittedFeatures.get(text) ?? hashedFeatures(text)) : hashedFeatures(text)))
    if (kind === 'passage') for (const text of texts) this.fittedFeatures.delete(text)
    return vectors
  }

  private vectorOf(features: HashedFeature[]): Float32Array {
    // Sort by hash so repeated features sit together: one pass gives each feature's count.
    const sorted = features.length > 1 ? [...features].sort((a, b) => a.hash - b.hash) : features
    const vector = new Float32Array(this.dimension)
    for (let i = 0; i < sorted.length; ) {
      const { hash, weight } = sorted[i]
      let count = 0
      while (i < sorted.length && sorted[i].hash === hash) (count++, i++)
      const value = weight * (1 + Math.log(count)) * this.idf(hash)
      const mixed = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) >>> 0
      vector[hash % this.dimension] += mixed & 1 ? value : -value
    }
    return l2normalize(vector)
  }
}

/** Scale a vector to unit length in place (all-zero vectors stay zero). */
export function l2normalize(vector: Float32Array): Float32Array {
  let sum = 0
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i]
  if (sum > 0) {
    const scale = 1 / Math.sqrt(sum)
    for (let i = 0; i < vector.length; i++) vector[i] *= scale
  }
  return vector
}
