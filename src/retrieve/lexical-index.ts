/**
 * BM25 over the phrasings, with the CJK-aware analyser's terms. Scores are normalised by the
 * best score the query could get (every query term matched at saturation), so a lexical score
 * of 0.8 means "most of what the query says is in this phrasing" whatever the query's length:
 * a score that thresholds and calibration can use, unlike raw BM25.
 */

/** BM25 parameters (the usual defaults; short FAQ phrasings like a mild length norm). */
const K1 = 1.2
const B = 0.5

/** Terms in more than this share of the phrasings (and at least COMMON_TERM_MIN of them) are not scored. */
const COMMON_TERM_SHARE = 0.05
const COMMON_TERM_MIN = 500

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

interface Postings {
  phrasings: Int32Array
  frequencies: Uint16Array
  idf: number
}

/** The BM25 index of a knowledge base. */
export class LexicalIndex {
  private readonly postings = new Map<string, Postings>()
  private readonly lengths: Float32Array
  private readonly averageLength: number
  private readonly unseenIdf: number
  private readonly commonTermPostings: number
  private readonly scores: Float32Array
  private readonly touched: Int32Array

  private constructor(data: LexicalIndexData) {
    this.lengths = Float32Array.from(data.lengths)
    this.averageLength = data.averageLength || 1
    const n = data.documents
    for (const [term, phrasings, frequencies] of data.terms) {
      const df = phrasings.length
      this.postings.set(term, {
        phrasings: Int32Array.from(phrasings),
        frequencies: Uint16Array.from(frequencies),
        idf: Math.log(1 + (n - df + 0.5) / (df + 0.5)),
      })
    }
    this.unseenIdf = Math.log(1 + (n + 0.5) / 0.5)
    this.commonTermPostings = Math.max(COMMON_TERM_MIN, n * COMMON_TERM_SHARE)
    this.scores = new Float32Array(n)
    this.touched = new Int32Array(n)
  }

  /** Build from each phrasing's terms; `termsOf(p)` is called once per phrasing, in order. */
  static build(phrasings: number, termsOf: (phrasing: number) => string[]): LexicalIndex {
    const index = new Map<string, { phrasings: number[]; frequencies: number[] }>()
    const lengths: number[] = []
    for (let phrasing = 0; phrasing < phrasings; phrasing++) {
      const terms = termsOf(phrasing)
      lengths.push(terms.length)
      const counts = new Map<string, number>()
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1)
      for (const [term, count] of counts) {
        let posting = index.get(term)
        if (!posting) index.set(term, (posting = { phrasings: [], frequencies: [] }))
        posting.phrasings.push(phrasing)
        posting.frequencies.push(Math.min(count, 65535))
      }
    }
    const total = lengths.reduce((a, b) => a + b, 0)
    return new LexicalIndex({
      documents: lengths.length,
      averageLength: lengths.length ? total / lengths.length : 1,
      lengths,
      terms: [...index].map(([term, p]) => [term, p.phrasings, p.frequencies]),
    })
  }

  /** Restore from {@link LexicalIndexData}. */
  static fromData(data: LexicalIndexData): LexicalIndex {
    return new LexicalIndex(data)
  }

  /** The serialisable form (rebuilt from the typed arrays, so the index keeps no second copy in memory). */
  toData(): LexicalIndexData {
    return {
      documents: this.lengths.length,
      averageLength: this.averageLength,
      lengths: [...this.lengths],
      terms: [...this.postings].map(([term, p]) => [term, [...p.phrasings], [...p.frequencies]]),
    }
  }

  /** Inverse document frequency of a term (unseen terms get the maximum). */
  idf(term: string): number {
    return this.postings.get(term)?.idf ?? this.unseenIdf
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
      const posting = this.postings.get(term)
      const idf = posting?.idf ?? this.unseenIdf
      total += idf
      if (!posting) unseen += idf
      else if (filter && !posting.phrasings.some((p) => filter(p))) unseen += idf
    }
    return total > 0 ? unseen / total : 0
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
    for (const term of unique) {
      const posting = this.postings.get(term)
      const idf = posting?.idf ?? this.unseenIdf
      best += idf * (K1 + 1)
      // Very common terms ("the", "の") weigh little and would touch a large share of the base:
      // they still count in the normalisation but are not scored (a classic stop-term cut-off).
      if (!posting || posting.phrasings.length > this.commonTermPostings) continue
      const { phrasings, frequencies } = posting
      for (let i = 0; i < phrasings.length; i++) {
        const p = phrasings[i]
        const tf = frequencies[i]
        const norm = K1 * (1 - B + (B * lengths[p]) / this.averageLength)
        if (scores[p] === 0) touched[touchedCount++] = p
        scores[p] += (idf * tf * (K1 + 1)) / (tf + norm)
      }
    }
    // Keep the k best in a small sorted array: cheaper than sorting every touched phrasing.
    const hits: LexicalHit[] = []
    for (let i = 0; i < touchedCount; i++) {
      const p = touched[i]
      const score = scores[p]
      scores[p] = 0
      if (hits.length === k && score <= hits[k - 1].score) continue
      if (filter && !filter(p)) continue
      let at = hits.length
      while (at > 0 && hits[at - 1].score < score) at--
      hits.splice(at, 0, { phrasing: p, score })
      if (hits.length > k) hits.pop()
    }
    if (best > 0) for (const hit of hits) hit.score /= best
    return hits
  }
}
