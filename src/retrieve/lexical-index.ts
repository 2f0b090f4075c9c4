/**
 * BM25 over the phrasings, with the CJK-aware analyser's terms. Scores are normalised by the
 * query's own score (what a phrasing identical to the question would get), capped at 1, so a
 * lexical score of 0.8 means "most of what the question says is in this phrasing" whatever its
 * length: a score that thresholds and calibration can use, unlike raw BM25.
 */

/** BM25 parameters (the usual defaults; short FAQ phrasings like a mild length norm). */
const K1 = 1.2
const B = 0.5

/** Terms in more than this share of the documents (phrasings here, entries in the field index) and at least COMMON_TERM_MIN of them are not scored. */
export const COMMON_TERM_SHARE = 0.05
export const COMMON_TERM_MIN = 500

/** BM25 inverse document frequency of a term in `df` of `n` documents (0 for an unseen term gives the maximum). */
export function bm25Idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5))
}

/** The IDF of every term of a CSR postings layout (term t's postings are offsets[t] .. offsets[t + 1] - 1). */
export function idfTable(offsets: Int32Array, n: number): Float32Array {
  const idfs = new Float32Array(offsets.length - 1)
  for (let t = 0; t < idfs.length; t++) idfs[t] = bm25Idf(n, offsets[t + 1] - offsets[t])
  return idfs
}

/**
 * The `k` best of the `count` touched documents (`touched[0..count)`, scores in `scores`, which
 * are reset to 0 for the next search), passing `allow`, best first, each divided by `best` and
 * capped at 1. A small sorted array: cheaper than sorting every touched document.
 */
export function collectBest(scores: Float32Array, touched: Int32Array, count: number, k: number, best: number, allow?: (id: number) => boolean): Array<{ id: number; score: number }> {
  const hits: Array<{ id: number; score: number }> = []
  for (let i = 0; i < count; i++) {
    const id = touched[i]
    const score = scores[id]
    scores[id] = 0
    if (hits.length === k && score <= hits[k - 1].score) continue
    if (allow && !allow(id)) continue
    let at = hits.length
    while (at > 0 && hits[at - 1].score < score) at--
    hits.splice(at, 0, { id, score })
    if (hits.length > k) hits.pop()
  }
  if (best > 0) for (const hit of hits) hit.score = Math.min(1, hit.score / best)
  return hits
}

/** Serialised form of the lexical index (written to the knowledge-base folder). */
export interface LexicalIndexData {
  documents: number
  averageLength: number
  lengths: number[]
  terms: Array<[term: string, phrasings: number[], frequencies: number[]]>
}

/** A phrasing's normalised BM25 score. */
export interface LexicalHit {
  phrasing: number
  score: number
}

/** The BM25 index of a knowledge base, postings packed in flat typed arrays (CSR layout). */
export class LexicalIndex {
  private readonly termIds: Map<string, number>
  /** Postings of term t are positions offsets[t] .. offsets[t + 1] - 1. */
  private readonly offsets: Int32Array
  private readonly postingPhrasings: Int32Array
  private readonly postingFrequencies: Uint16Array
  private readonly idfs: Float32Array
  private readonly lengths: Float32Array
  private readonly averageLength: number
  private readonly unseenIdf: number
  private readonly commonTermPostings: number
  private readonly scores: Float32Array
  private readonly touched: Int32Array

  private constructor(terms: string[], offsets: Int32Array, postingPhrasings: Int32Array, postingFrequencies: Uint16Array, lengths: Float32Array) {
    this.termIds = new Map(terms.map((term, t) => [term, t]))
    this.offsets = offsets
    this.postingPhrasings = postingPhrasings
    this.postingFrequencies = postingFrequencies
    this.lengths = lengths
    const n = lengths.length
    let total = 0
    for (let p = 0; p < n; p++) total += lengths[p]
    this.averageLength = n ? total / n || 1 : 1
    this.idfs = idfTable(offsets, n)
    this.unseenIdf = bm25Idf(n, 0)
    this.commonTermPostings = Math.max(COMMON_TERM_MIN, n * COMMON_TERM_SHARE)
    this.scores = new Float32Array(n)
    this.touched = new Int32Array(n)
  }

  /** Build from each phrasing's terms; `termsOf(p)` is called once per phrasing, in order. */
  static build(phrasings: number, termsOf: (phrasing: number) => string[]): LexicalIndex {
    // Interleaved [phrasing, frequency, ...] per term while collecting, packed at the end.
    const collected = new Map<string, number[]>()
    const lengths = new Float32Array(phrasings)
    for (let phrasing = 0; phrasing < phrasings; phrasing++) {
      const terms = termsOf(phrasing)
      lengths[phrasing] = terms.length
      const counts = new Map<string, number>()
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1)
      for (const [term, count] of counts) {
        let list = collected.get(term)
        if (!list) collected.set(term, (list = []))
        list.push(phrasing, Math.min(count, 65535))
      }
    }
    return LexicalIndex.pack([...collected.keys()], (t, term) => collected.get(term)!, lengths)
  }

  /** Restore from {@link LexicalIndexData}. */
  static fromData(data: LexicalIndexData): LexicalIndex {
    const lists = data.terms.map(([, phrasings, frequencies]) => phrasings.flatMap((p, i) => [p, frequencies[i]]))
    return LexicalIndex.pack(data.terms.map(([term]) => term), (t) => lists[t], Float32Array.from(data.lengths))
  }

  private static pack(terms: string[], listOf: (t: number, term: string) => number[], lengths: Float32Array): LexicalIndex {
    const offsets = new Int32Array(terms.length + 1)
    terms.forEach((term, t) => (offsets[t + 1] = offsets[t] + listOf(t, term).length / 2))
    const postingPhrasings = new Int32Array(offsets[terms.length])
    const postingFrequencies = new Uint16Array(offsets[terms.length])
    terms.forEach((term, t) => {
      const list = listOf(t, term)
      for (let i = 0, at = offsets[t]; i < list.length; i += 2, at++) {
        postingPhrasings[at] = list[i]
        postingFrequencies[at] = list[i + 1]
      }
    })
    return new LexicalIndex(terms, offsets, postingPhrasings, postingFrequencies, lengths)
  }

  /** The serialisable form (rebuilt from the packed arrays, so the index keeps no second copy in memory). */
  toData(): LexicalIndexData {
    const terms: LexicalIndexData['terms'] = []
    for (const [term, t] of this.termIds) {
      const from = this.offsets[t]
      const to = this.offsets[t + 1]
      terms.push([term, [...this.postingPhrasings.subarray(from, to)], [...this.postingFrequencies.subarray(from, to)]])
    }
    return { documents: this.lengths.length, averageLength: this.averageLength, lengths: [...this.lengths], terms }
  }

  /** Inverse document frequency of a term (unseen terms get the maximum). */
  idf(term: string): number {
    const t = this.termIds.get(term)
    return t === undefined ? this.unseenIdf : this.idfs[t]
  }

  /**
   * How new the query is to the FAQ: the share of its IDF weight carried by terms that occur in
   * no phrasing `filter` allows (0 = every term is known, 1 = none is). Out-of-scope questions
   * bring words the FAQ never uses ("hotel", "plane ticket"); held-out entries count as unseen,
   * so self-calibration's simulated out-of-scope questions show the same signal.
   */
  novelty(queryTerms: string[], filter?: (phrasing: number) => boolean): number {
    let total = 0
    let unseen = 0
    for (const term of new Set(queryTerms)) {
      const t = this.termIds.get(term)
      const idf = t === undefined ? this.unseenIdf : this.idfs[t]
      total += idf
      if (t === undefined) unseen += idf
      else if (filter && !this.anyAllowed(t, filter)) unseen += idf
    }
    return total > 0 ? unseen / total : 0
  }

  private anyAllowed(t: number, filter: (phrasing: number) => boolean): boolean {
    for (let i = this.offsets[t]; i < this.offsets[t + 1]; i++) if (filter(this.postingPhrasings[i])) return true
    return false
  }

  /**
   * The `k` best phrasings for the query terms, with scores in 0..1 (see module comment).
   * `filter` excludes phrasings (language/category filters, held-out phrasings).
   */
  search(queryTerms: string[], k: number, filter?: (phrasing: number) => boolean): LexicalHit[] {
    const unique = [...new Set(queryTerms)]
    let best = 0
    let touchedCount = 0
    const { scores, touched, lengths } = this
    // The best score is the query's own: what a phrasing identical to the question would get.
    const selfNorm = K1 * (1 - B + (B * queryTerms.length) / this.averageLength)
    for (const term of unique) {
      const t = this.termIds.get(term)
      const idf = t === undefined ? this.unseenIdf : this.idfs[t]
      best += (idf * (K1 + 1)) / (1 + selfNorm)
      if (t === undefined) continue
      const from = this.offsets[t]
      const to = this.offsets[t + 1]
      // Very common terms ("the", "の") weigh little and would touch a large share of the base:
      // they still count in the normalisation but are not scored (a classic stop-term cut-off).
      if (to - from > this.commonTermPostings) continue
      const { postingPhrasings, postingFrequencies } = this
      for (let i = from; i < to; i++) {
        const p = postingPhrasings[i]
        const tf = postingFrequencies[i]
        const norm = K1 * (1 - B + (B * lengths[p]) / this.averageLength)
        if (scores[p] === 0) touched[touchedCount++] = p
        scores[p] += (idf * tf * (K1 + 1)) / (tf + norm)
      }
    }
    return collectBest(scores, touched, touchedCount, k, best, filter).map(({ id, score }) => ({ phrasing: id, score }))
  }
}
