/**
 * The entry classifier: a multinomial logistic regression from a phrasing's lexical terms to
 * its entry, trained on the FAQ's own phrasings when entries have enough of them. Nearest-
 * neighbour search asks "which phrasing is closest?"; the classifier learns which words tell
 * entries apart ("card" is in half of a bank's FAQ and decides nothing; "pin" decides a lot),
 * which is what lifts accuracy on FAQs with many variants per entry.
 */
import { z } from 'zod'
import { mulberry32 } from '../random.js'

/** When to train the classifier, and how: one schema, its defaults and their reasons. */
export const ClassifierOptionsSchema = z.strictObject({
  /** Train only when the FAQ averages at least this many phrasings per entry (fewer cannot teach it which words tell entries apart). */
  minPhrasingsPerEntry: z.number().min(1).max(1000).default(4),
  /** Skip training when features × entries exceeds this (memory bound: 40M weights is 160 MB). */
  maxWeights: z.number().int().min(1).max(1e9).default(40_000_000),
  /** Passes over the phrasings. */
  epochs: z.number().int().min(1).max(100).default(4),
  /** Initial learning rate (decayed linearly). */
  learningRate: z.number().gt(0).max(100).default(2.0),
})
/** When to train the classifier, and how (see {@link ClassifierOptionsSchema}). */
export type ClassifierOptions = z.output<typeof ClassifierOptionsSchema>
/** The default classifier options. */
export const DEFAULT_CLASSIFIER: Readonly<ClassifierOptions> = Object.freeze(ClassifierOptionsSchema.parse({}))

/** Small FAQs are trained for at least this many example steps (up to MAX_EPOCHS passes). */
const MIN_STEPS = 30_000
const MAX_EPOCHS = 40

/** Serialised classifier (written to the knowledge-base folder). */
export interface ClassifierData {
  entries: number
  features: string[]
  /** Feature-major weights: weights[f * entries + e]. */
  weights: Float32Array
  bias: Float32Array
}

/** A trained entry classifier. */
export class EntryClassifier {
  private readonly index: Map<string, number>

  private constructor(readonly data: ClassifierData) {
    this.index = new Map(data.features.map((f, i) => [f, i]))
  }

  /** Restore from {@link ClassifierData}. */
  static fromData(data: ClassifierData): EntryClassifier {
    return new EntryClassifier(data)
  }

  /**
   * Train on phrasings (`termsOf(p)`: the text stage's `classifierTerms`, + entry), or return undefined when the FAQ is too sparse or too
   * large for a classifier to help (see {@link ClassifierOptions}). `skip` phrasings are left
   * out of training (self-calibration asks them later).
   */
  static train(termsOf: (phrasing: number) => string[], entryOf: Int32Array, entries: number, options: Readonly<ClassifierOptions> = DEFAULT_CLASSIFIER, skip?: Set<number>): EntryClassifier | undefined {
    const o = options
    if (entries < 2 || entryOf.length < entries * o.minPhrasingsPerEntry) return undefined
    const index = new Map<string, number>()
    const examples: Array<{ features: Int32Array; entry: number }> = []
    for (let p = 0; p < entryOf.length; p++) {
      if (skip?.has(p)) continue
      const terms = termsOf(p)
      const ids = new Set<number>()
      for (const term of terms) {
        let id = index.get(term)
        if (id === undefined) index.set(term, (id = index.size))
        ids.add(id)
      }
      examples.push({ features: Int32Array.from(ids), entry: entryOf[p] })
    }
    if (index.size * entries > o.maxWeights) return undefined
    const weights = new Float32Array(index.size * entries)
    const bias = new Float32Array(entries)
    const logits = new Float64Array(entries)
    const active = new Int32Array(entries)
    const updates = new Float64Array(entries)
    const random = mulberry32(0x636c6173)
    const order = examples.map((_, i) => i)
    // Small FAQs get more passes, so every entry's few phrasings are seen often enough.
    const epochs = Math.max(o.epochs, Math.min(MAX_EPOCHS, Math.ceil(MIN_STEPS / Math.max(1, examples.length))))
    const steps = epochs * examples.length
    let step = 0
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        ;[order[i], order[j]] = [order[j], order[i]]
      }
      for (const n of order) {
        const { features, entry } = examples[n]
        const value = 1 / Math.sqrt(features.length || 1)
        softmaxLogits(weights, bias, features, value, entries, logits)
        const rate = o.learningRate * (1 - step++ / steps) + 0.01
        // Only entries with a noticeable gradient are updated, feature row by feature row
        // (rows are contiguous in memory, so this walks the weights in order).
        let count = 0
        for (let e = 0; e < entries; e++) {
          const gradient = logits[e] - (e === entry ? 1 : 0)
          if (Math.abs(gradient) < 1e-4) continue
          const delta = rate * gradient
          bias[e] -= delta * 0.1
          active[count] = e
          updates[count++] = delta * value
        }
        for (let k = 0; k < features.length; k++) {
          const offset = features[k] * entries
          for (let a = 0; a < count; a++) weights[offset + active[a]] -= updates[a]
        }
      }
    }
    return new EntryClassifier({ entries, features: [...index.keys()], weights, bias })
  }

  /**
   * Probability of each entry given the query terms (softmax over allowed entries only, so a
   * filtered-out or held-out entry takes no probability mass).
   */
  probabilities(terms: string[], allow?: (entry: number) => boolean): Float64Array {
    const ids = new Set<number>()
    for (const term of terms) {
      const id = this.index.get(term)
      if (id !== undefined) ids.add(id)
    }
    const features = Int32Array.from(ids)
    const { entries, weights, bias } = this.data
    const out = new Float64Array(entries)
    // Unknown terms dilute the evidence like known ones: normalise by all terms, not only known.
    const value = 1 / Math.sqrt(new Set(terms).size || 1)
    softmaxLogits(weights, bias, features, value, entries, out, allow)
    return out
  }
}

function softmaxLogits(weights: Float32Array, bias: Float32Array, features: Int32Array, value: number, entries: number, out: Float64Array, allow?: (entry: number) => boolean): void {
  for (let e = 0; e < entries; e++) out[e] = bias[e]
  for (let k = 0; k < features.length; k++) {
    const offset = features[k] * entries
    for (let e = 0; e < entries; e++) out[e] += weights[offset + e] * value
  }
  let max = -Infinity
  for (let e = 0; e < entries; e++) if ((!allow || allow(e)) && out[e] > max) max = out[e]
  let sum = 0
  for (let e = 0; e < entries; e++) {
    if (allow && !allow(e)) {
      out[e] = 0
      continue
    }
    out[e] = Math.exp(out[e] - max)
    sum += out[e]
  }
  for (let e = 0; e < entries; e++) out[e] /= sum || 1
}
