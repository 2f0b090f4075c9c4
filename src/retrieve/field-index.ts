/**
 * The field index: BM25F over whole entries. Each entry is one document with two fields, its
 * phrasings (question and variants) and its content (answer, category, tags), so a question
 * that shares no word with the FAQ's question but several with its answer still finds the entry
 * — the usual case for a real FAQ with one question per entry, asked in the customer's own
 * words. The phrasing field weighs more, so a question match still counts most. Term frequencies
 * of the fields are combined before saturation (BM25F), with one IDF over entries.
 *
 * Scores are normalised like the phrasing index's: divided by the score of an entry whose
 * phrasing field holds every query term once at average length, and capped at 1.
 */

import { bm25Idf, collectBest, COMMON_TERM_MIN, COMMON_TERM_SHARE, idfTable } from './lexical-index.js'

/** BM25F parameters, chosen on the dev sets (bench/accuracy.ts). */
export const FIELD_BM25 = {
  /** Term-frequency saturation. */
  k1: 1.5,
  /** Weight of a term occurrence in the phrasings (question, variants). */
  phrasingWeight: 1,
  /** Weight of a term occurrence in the content (answer, category, tags). */
  contentWeight: 1,
  /** Length normalisation of the phrasing field. */
  phrasingB: 0.5,
  /** Length normalisation of the content field. */
  contentB: 0.75,
} as const

/** The terms of one entry, by field. */
export interface EntryFieldTerms {
  phrasings: string[]
  content: string[]
}

/** Serialised form of the field index (written to the knowledge-base folder). */
export interface FieldIndexData {
  entries: number
  phrasingLengths: number[]
  contentLengths: number[]
  /** Per term: entries, then phrasing-field and content-field frequencies. */
  terms: Array<[term: string, entries: number[], phrasingFrequencies: number[], contentFrequencies: number[]]>
}

/** Text held out of one entry while scoring (self-calibration asks text taken from the entry itself). */
export interface HeldOutText {
  entry: number
  /** Term counts removed from the entry's phrasing field. */
  phrasings?: Map<string, number>
  /** Term counts removed from the entry's content field. */
  content?: Map<string, number>
}

/** An entry's normalised BM25F score. */
export interface FieldHit {
  entry: number
  score: number
}

/** BM25F over entries with a phrasing field and a content field, postings in flat typed arrays. */
export class FieldIndex {
  private readonly termIds: Map<string, number>
  private readonly idfs: Float32Array
  private readonly averagePhrasingLength: number
  private readonly averageContentLength: number
  private readonly unseenIdf: number
  private readonly commonTermPostings: number
  private readonly scores: Float32Array
  private readonly touched: Int32Array

  private constructor(
    private readonly terms: string[],
    /** Postings of term t are positions offsets[t] .. offsets[t + 1] - 1. */
    private readonly offsets: Int32Array,
    private readonly postingEntries: Int32Array,
    private readonly phrasingFrequencies: Uint16Array,
    private readonly contentFrequencies: Uint16Array,
    private readonly phrasingLengths: Float32Array,
    private readonly contentLengths: Float32Array,
  ) {
    this.termIds = new Map(terms.map((term, t) => [term, t]))
    const n = phrasingLengths.length
    this.averagePhrasingLength = mean(phrasingLengths)
    this.averageContentLength = mean(contentLengths)
    this.idfs = idfTable(offsets, n)
    this.unseenIdf = bm25Idf(n, 0)
    this.commonTermPostings = Math.max(COMMON_TERM_MIN, n * COMMON_TERM_SHARE)
    this.scores = new Float32Array(n)
    this.touched = new Int32Array(n)
  }

  /** Build from each entry's field terms; `termsOf(e)` is called once per entry, in order. */
  static build(entries: number, termsOf: (entry: number) => EntryFieldTerms): FieldIndex {
    const collected = new Map<string, number[]>()
    const phrasingLengths = new Float32Array(entries)
    const contentLengths = new Float32Array(entries)
    for (let entry = 0; entry < entries; entry++) {
      const { phrasings, content } = termsOf(entry)
      phrasingLengths[entry] = phrasings.length
      contentLengths[entry] = content.length
      const counts = new Map<string, [number, number]>()
      for (const term of phrasings) (counts.get(term) ?? counts.set(term, [0, 0]).get(term)!)[0]++
      for (const term of content) (counts.get(term) ?? counts.set(term, [0, 0]).get(term)!)[1]++
      for (const [term, [inPhrasings, inContent]] of counts) {
        let list = collected.get(term)
        if (!list) collected.set(term, (list = []))
        list.push(entry, Math.min(inPhrasings, 65535), Math.min(inContent, 65535))
      }
    }
    const terms = [...collected.keys()]
    return FieldIndex.pack(terms, (t) => collected.get(terms[t])!, phrasingLengths, contentLengths)
  }

  /** Restore from {@link FieldIndexData}. */
  static fromData(data: FieldIndexData): FieldIndex {
    const lists = data.terms.map(([, entries, inPhrasings, inContent]) => entries.flatMap((e, i) => [e, inPhrasings[i], inContent[i]]))
    return FieldIndex.pack(
      data.terms.map(([term]) => term),
      (t) => lists[t],
      Float32Array.from(data.phrasingLengths),
      Float32Array.from(data.contentLengths),
    )
  }

  private static pack(terms: string[], listOf: (t: number) => number[], phrasingLengths: Float32Array, contentLengths: Float32Array): FieldIndex {
    const offsets = new Int32Array(terms.length + 1)
    for (let t = 0; t < terms.length; t++) offsets[t + 1] = offsets[t] + listOf(t).length / 3
    const total = offsets[terms.length]
    const postingEntries = new Int32Array(total)
    const inPhrasings = new Uint16Array(total)
    const inContent = new Uint16Array(total)
    for (let t = 0; t < terms.length; t++) {
      const list = listOf(t)
      for (let i = 0, at = offsets[t]; i < list.length; i += 3, at++) {
        postingEntries[at] = list[i]
        inPhrasings[at] = list[i + 1]
        inContent[at] = list[i + 2]
      }
    }
    return new FieldIndex(terms, offsets, postingEntries, inPhrasings, inContent, phrasingLengths, contentLengths)
  }

  /** The serialisable form. */
  toData(): FieldIndexData {
    const terms: FieldIndexData['terms'] = this.terms.map((term, t) => {
      const from = this.offsets[t]
      const to = this.offsets[t + 1]
      return [term, [...this.postingEntries.subarray(from, to)], [...this.phrasingFrequencies.subarray(from, to)], [...this.contentFrequencies.subarray(from, to)]]
    })
    return { entries: this.phrasingLengths.length, phrasingLengths: [...this.phrasingLengths], contentLengths: [...this.contentLengths], terms }
  }

  /** Number of entries indexed. */
  get size(): number {
    return this.phrasingLengths.length
  }

  /** Inverse document frequency of a term over entries (unseen terms get the maximum). */
  idf(term: string): number {
    const t = this.termIds.get(term)
    return t === undefined ? this.unseenIdf : this.idfs[t]
  }

  /**
   * The `k` best entries for the query terms, scores in 0..1 (see module comment). `allow`
   * excludes entries; `heldOut` removes some text of one entry before scoring it.
   */
  search(queryTerms: string[], k: number, allow?: (entry: number) => boolean, heldOut?: HeldOutText): FieldHit[] {
    const { k1, phrasingWeight, contentWeight, phrasingB, contentB } = FIELD_BM25
    const unique = [...new Set(queryTerms)]
    const { scores, touched, phrasingLengths, contentLengths, postingEntries, phrasingFrequencies, contentFrequencies } = this
    const heldEntry = heldOut?.entry ?? -1
    const heldPhrasingLength = heldOut?.phrasings ? sum(heldOut.phrasings) : 0
    const heldContentLength = heldOut?.content ? sum(heldOut.content) : 0
    const selfWeight = phrasingWeight
    let best = 0
    let touchedCount = 0
    for (const term of unique) {
      const t = this.termIds.get(term)
      const idf = t === undefined ? this.unseenIdf : this.idfs[t]
      best += (idf * selfWeight) / (k1 + selfWeight)
      if (t === undefined) continue
      const from = this.offsets[t]
      const to = this.offsets[t + 1]
      if (to - from > this.commonTermPostings) continue
      for (let i = from; i < to; i++) {
        const entry = postingEntries[i]
        let inPhrasings = phrasingFrequencies[i]
        let inContent = contentFrequencies[i]
        let phrasingLength = phrasingLengths[entry]
        let contentLength = contentLengths[entry]
        if (entry === heldEntry) {
          inPhrasings -= heldOut!.phrasings?.get(term) ?? 0
          inContent -= heldOut!.content?.get(term) ?? 0
          phrasingLength -= heldPhrasingLength
          contentLength -= heldContentLength
          if (inPhrasings <= 0 && inContent <= 0) continue
        }
        const tf =
          (phrasingWeight * Math.max(0, inPhrasings)) / (1 - phrasingB + (phrasingB * Math.max(0, phrasingLength)) / this.averagePhrasingLength) +
          (contentWeight * Math.max(0, inContent)) / (1 - contentB + (contentB * Math.max(0, contentLength)) / this.averageContentLength)
        if (scores[entry] === 0) touched[touchedCount++] = entry
        scores[entry] += (idf * tf) / (k1 + tf)
      }
    }
    return collectBest(scores, touched, touchedCount, k, best, allow).map(({ id, score }) => ({ entry: id, score }))
  }
}

/** Term counts of a list of terms (for {@link HeldOutText}). */
export function termCounts(terms: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1)
  return counts
}

function mean(values: Float32Array): number {
  let total = 0
  for (const v of values) total += v
  return values.length ? total / values.length || 1 : 1
}

function sum(counts: Map<string, number>): number {
  let total = 0
  for (const count of counts.values()) total += count
  return total
}
