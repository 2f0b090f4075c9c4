/**
 * Retrieval: the vector index and the lexical index each return their best phrasings; the
 * evidence is aggregated per entry (best phrasing wins) and joined with the similarity of the
 * query to the entry's centroid (the mean of all its phrasing vectors, which votes with every
 * phrasing instead of one) and, when the base has one, the entry classifier's probability (its
 * most likely entries join the candidates). The fused score is a weighted sum of these bounded
 * scores, so it keeps its meaning across queries (rank fusion would throw that away) and
 * calibration can turn it into a probability.
 */
import type { LexicalIndex } from './lexical-index.js'
import type { VectorIndex } from './vector-index.js'
import type { EntryClassifier } from './classifier.js'
import type { FieldIndex, HeldOutText } from './field-index.js'

/** How many of the classifier's most likely entries join the candidates. */
const CLASSIFIER_CANDIDATES = 5

/** Weights of the fused score; tuned on the dev sets with bench/accuracy.ts. */
export const FUSION_WEIGHTS = { vector: 0.1, lexical: 0.1, centroid: 0.1, classifier: 0.5, field: 1 } as const

/** How many entries the field index returns. */
const FIELD_CANDIDATES = 24

/** How many phrasings each index returns before aggregation. */
const PHRASINGS_PER_INDEX = 48

/** The evidence for one entry, the unit that ranking and decisions work on. */
export interface EntryEvidence {
  entry: number
  /** Fused score used for ranking. */
  score: number
  /** Best cosine similarity among the entry's phrasings found by the vector index (0 if none). */
  vectorScore: number
  /** Best normalised BM25 among the entry's phrasings (0 if none). */
  lexicalScore: number
  /** Cosine similarity of the query to the entry's centroid. */
  centroidScore: number
  /** Probability of this entry under the entry classifier (0 when the base has none). */
  classifierScore: number
  /** Normalised BM25F of the whole entry (question, variants, answer, category, tags). */
  fieldScore: number
  /** Share of the query's term weight that no allowed phrasing contains (same for every entry of one query). */
  novelty: number
  /** Phrasing that matched best (vector or lexical). */
  matchedPhrasing: number
}

/** Restrictions on one retrieval. */
export interface RetrieveOptions {
  /** Only entries for which this returns true are considered (lang/category/metadata filters). */
  allowEntry?: (entry: number) => boolean
  /** Leave one phrasing out (self-calibration asks each held-out variant). */
  excludePhrasing?: number
  /** Leave one entry out (self-calibration simulates out-of-scope questions). */
  excludeEntry?: number
  /** Remove some text of one entry from the field index (self-calibration asks text taken from the entry). */
  heldOut?: HeldOutText
}

/** A question as retrieval sees it. */
export interface RetrievalQuery {
  vector: Float32Array
  /** Terms for the phrasing index (`lexicalTerms`). */
  terms: string[]
  /** Terms for the field index (`fieldTerms`). */
  fieldTerms: string[]
  /** Terms for the entry classifier (`classifierTerms`). */
  classifierTerms: string[]
}

/** Everything retrieval needs about the phrasings and entries of a knowledge base. */
export interface RetrievalTables {
  /** Entry index of each phrasing. */
  entryOfPhrasing: Int32Array
  /** Sum of each entry's phrasing vectors, entry-major (entries × dimension). */
  centroidSums: Float32Array
  /** Squared norm of each centroid sum. */
  centroidNorms: Float32Array
  /** Number of phrasings of each entry. */
  phrasingsPerEntry?: Int32Array
  dimension: number
}

/** Ranks entries for a query from the two indexes and the centroids. */
export class Retriever {
  constructor(
    readonly vectors: VectorIndex,
    readonly lexical: LexicalIndex,
    readonly tables: RetrievalTables,
    readonly fields: FieldIndex,
    readonly classifier?: EntryClassifier,
    /** Best phrasing of each entry to show when only the classifier or the field index found it. */
    readonly firstPhrasing?: Int32Array,
  ) {}

  /** Entries ranked by fused score, best first, for a query vector and its lexical terms. */
  retrieve(query: RetrievalQuery, options: RetrieveOptions = {}): EntryEvidence[] {
    const { vector: queryVector, terms: queryTerms } = query
    const { entryOfPhrasing } = this.tables
    const { allowEntry, excludePhrasing, excludeEntry } = options
    const restricted = allowEntry !== undefined || excludePhrasing !== undefined || excludeEntry !== undefined
    const filter = restricted
      ? (phrasing: number) => {
          if (phrasing === excludePhrasing) return false
          const entry = entryOfPhrasing[phrasing]
          if (entry === excludeEntry) return false
          return allowEntry ? allowEntry(entry) : true
        }
      : undefined

    const byEntry = new Map<number, EntryEvidence>()
    const evidenceFor = (entry: number, phrasing: number): EntryEvidence => {
      let evidence = byEntry.get(entry)
      if (!evidence) {
        evidence = { entry, score: 0, vectorScore: 0, lexicalScore: 0, centroidScore: 0, classifierScore: 0, fieldScore: 0, novelty: 0, matchedPhrasing: phrasing }
        byEntry.set(entry, evidence)
      }
      return evidence
    }
    // Held-out phrasings and entries are dropped after the search, not by a filter callback
    // (hnswlib calls a filter from native code for every visited node, which is slow).
    const heldOutPhrasings = excludeEntry !== undefined ? (this.tables.phrasingsPerEntry?.[excludeEntry] ?? 0) : excludePhrasing !== undefined ? 1 : 0
    const vectorHits = allowEntry ? this.vectors.search(queryVector, PHRASINGS_PER_INDEX, filter) : this.vectors.search(queryVector, PHRASINGS_PER_INDEX + heldOutPhrasings).filter((hit) => !filter || filter(hit.phrasing)).slice(0, PHRASINGS_PER_INDEX)
    for (const hit of vectorHits) {
      const evidence = evidenceFor(entryOfPhrasing[hit.phrasing], hit.phrasing)
      if (hit.similarity > evidence.vectorScore) {
        evidence.vectorScore = hit.similarity
        evidence.matchedPhrasing = hit.phrasing
      }
    }
    for (const hit of this.lexical.search(queryTerms, PHRASINGS_PER_INDEX, filter)) {
      const evidence = evidenceFor(entryOfPhrasing[hit.phrasing], hit.phrasing)
      if (hit.score > evidence.lexicalScore) {
        evidence.lexicalScore = hit.score
        if (evidence.vectorScore === 0) evidence.matchedPhrasing = hit.phrasing
      }
    }
    const allow = allowEntry !== undefined || excludeEntry !== undefined ? (entry: number) => entry !== excludeEntry && (!allowEntry || allowEntry(entry)) : undefined
    for (const hit of this.fields.search(query.fieldTerms, FIELD_CANDIDATES, allow, options.heldOut)) {
      evidenceFor(hit.entry, this.firstPhrasing?.[hit.entry] ?? 0).fieldScore = hit.score
    }
    if (this.classifier) {
      const probabilities = this.classifier.probabilities(query.classifierTerms, allow)
      const order = topIndexes(probabilities, CLASSIFIER_CANDIDATES)
      for (const entry of order) if (probabilities[entry] > 0.01) evidenceFor(entry, this.firstPhrasing?.[entry] ?? 0)
      for (const evidence of byEntry.values()) evidence.classifierScore = probabilities[evidence.entry]
    }
    const novelty = this.lexical.novelty(queryTerms, filter)
    for (const evidence of byEntry.values()) evidence.novelty = novelty
    const excluded = excludePhrasing !== undefined ? this.vectors.vector(excludePhrasing) : undefined
    const excludedEntry = excludePhrasing !== undefined ? entryOfPhrasing[excludePhrasing] : -1
    for (const evidence of byEntry.values()) {
      evidence.centroidScore = this.centroidSimilarity(queryVector, evidence.entry, evidence.entry === excludedEntry ? excluded : undefined)
      evidence.score =
        FUSION_WEIGHTS.vector * evidence.vectorScore +
        FUSION_WEIGHTS.lexical * evidence.lexicalScore +
        FUSION_WEIGHTS.centroid * evidence.centroidScore +
        FUSION_WEIGHTS.classifier * evidence.classifierScore +
        FUSION_WEIGHTS.field * evidence.fieldScore
    }
    return [...byEntry.values()].sort((a, b) => b.score - a.score)
  }

  /** Cosine of the query to an entry's centroid, optionally with one phrasing vector taken out. */
  private centroidSimilarity(query: Float32Array, entry: number, without?: Float32Array): number {
    const { centroidSums, centroidNorms, dimension } = this.tables
    const offset = entry * dimension
    let dot = 0
    for (let i = 0; i < dimension; i++) dot += query[i] * centroidSums[offset + i]
    let normSquared = centroidNorms[entry]
    if (without) {
      let sumDotWithout = 0
      let withoutDotQuery = 0
      let withoutNorm = 0
      for (let i = 0; i < dimension; i++) {
        sumDotWithout += centroidSums[offset + i] * without[i]
        withoutDotQuery += query[i] * without[i]
        withoutNorm += without[i] * without[i]
      }
      dot -= withoutDotQuery
      normSquared = normSquared - 2 * sumDotWithout + withoutNorm
    }
    return normSquared > 1e-12 ? dot / Math.sqrt(normSquared) : 0
  }
}

/** Add one phrasing vector to its entry's centroid sum (entry-major, `dimension` floats per entry). */
export function addToCentroid(centroidSums: Float32Array, entry: number, vector: Float32Array): void {
  const offset = entry * vector.length
  for (let i = 0; i < vector.length; i++) centroidSums[offset + i] += vector[i]
}

/** The retrieval tables from each entry's summed phrasing vectors (see {@link RetrievalTables}). */
export function centroidTables(centroidSums: Float32Array, entryOfPhrasing: Int32Array, entries: number, dimension: number): RetrievalTables {
  const centroidNorms = new Float32Array(entries)
  for (let e = 0; e < entries; e++) {
    let sum = 0
    for (let i = 0; i < dimension; i++) sum += centroidSums[e * dimension + i] ** 2
    centroidNorms[e] = sum
  }
  const phrasingsPerEntry = new Int32Array(entries)
  for (const entry of entryOfPhrasing) phrasingsPerEntry[entry]++
  return { entryOfPhrasing, centroidSums, centroidNorms, dimension, phrasingsPerEntry }
}

function topIndexes(values: Float64Array, k: number): number[] {
  const best: number[] = []
  for (let i = 0; i < values.length; i++) {
    if (best.length === k && values[i] <= values[best[k - 1]]) continue
    let at = best.length
    while (at > 0 && values[best[at - 1]] < values[i]) at--
    best.splice(at, 0, i)
    if (best.length > k) best.pop()
  }
  return best
}
