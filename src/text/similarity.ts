/**
 * Character n-gram similarity for grouping logged queries and comparing FAQ phrasings, with no
 * model needed: what the content reports (clusters, near-duplicate phrasings, suggestions) use to
 * compare texts, kept apart from the retrieval analyser (`analyze.ts`) because it must not change
 * when retrieval is tuned. CJK-aware, with the scripts of {@link isCjkChar} (`script.ts`): Han,
 * kana and Hangul runs are cut into character unigrams and bigrams (CJK text has no spaces;
 * unigrams are kept too, since single characters carry meaning and conjugated forms share their
 * stems but few bigrams), other scripts into padded character trigrams per word (robust to typos
 * and inflection).
 */
import { normalizeText } from './normalize.js'
import { isCjkChar } from './script.js'

/** A sparse n-gram vector with its Euclidean norm. */
export interface NgramVector {
  grams: Map<string, number>
  norm: number
}

/** The engine's normalisation (NFKC, width, case) with punctuation turned into spaces, for comparing queries. */
export function comparableText(text: string): string {
  return normalizeText(text.replace(/[^\p{L}\p{N}\[\]\s]+/gu, ' '))
}

/** The n-gram vector of a text (see the module comment for the CJK rule). */
export function ngramVector(text: string): NgramVector {
  const grams = new Map<string, number>()
  const add = (g: string) => grams.set(g, (grams.get(g) ?? 0) + 1)
  const norm = comparableText(text)
  for (const word of norm.split(' ')) {
    if (!word) continue
    // Split the word into CJK and non-CJK runs.
    let run = ''
    let runCjk = false
    const flush = () => {
      if (!run) return
      const chars = [...run]
      if (runCjk) {
        for (const c of chars) add(c)
        for (let i = 0; i + 1 < chars.length; i++) add(chars[i] + chars[i + 1])
      } else {
        const padded = [' ', ...chars, ' ']
        if (padded.length < 3) add(padded.join(''))
        for (let i = 0; i + 2 < padded.length; i++) add(padded[i] + padded[i + 1] + padded[i + 2])
      }
      run = ''
    }
    for (const ch of word) {
      const c = isCjkChar(ch)
      if (run && c !== runCjk) flush()
      runCjk = c
      run += ch
    }
    flush()
  }
  let sq = 0
  for (const v of grams.values()) sq += v * v
  return { grams, norm: Math.sqrt(sq) }
}

/** Cosine similarity of two n-gram vectors (0 when either is empty). */
export function cosine(a: NgramVector, b: NgramVector): number {
  if (a.norm === 0 || b.norm === 0) return 0
  const [small, large] = a.grams.size <= b.grams.size ? [a, b] : [b, a]
  let dot = 0
  for (const [g, v] of small.grams) {
    const w = large.grams.get(g)
    if (w !== undefined) dot += v * w
  }
  return dot / (a.norm * b.norm)
}

/** Cosine similarity of two dense vectors. */
export function denseCosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i]
    na += a[i] * a[i]
    nb += b[i] * b[i]
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb)
}

/**
 * An inverted index over n-gram vectors, to find the most similar stored vector without
 * comparing against every one (only vectors sharing at least one n-gram are scored).
 */
export class NgramIndex<T> {
  private readonly postings = new Map<string, number[]>()
  private readonly items: { vec: NgramVector; value: T }[] = []

  /** Store `value` under its vector. */
  add(vec: NgramVector, value: T): void {
    const idx = this.items.length
    this.items.push({ vec, value })
    for (const g of vec.grams.keys()) {
      let list = this.postings.get(g)
      if (!list) this.postings.set(g, (list = []))
      list.push(idx)
    }
  }

  /** Number of stored vectors. */
  get size(): number {
    return this.items.length
  }

  /** The stored items whose cosine with `vec` is highest, best first (at most `k`). */
  nearest(vec: NgramVector, k = 1): { value: T; similarity: number }[] {
    if (vec.norm === 0) return []
    const dots = new Map<number, number>()
    for (const [g, v] of vec.grams) {
      const list = this.postings.get(g)
      if (!list) continue
      for (const idx of list) {
        const w = this.items[idx].vec.grams.get(g) ?? 0
        dots.set(idx, (dots.get(idx) ?? 0) + v * w)
      }
    }
    const scored: { value: T; similarity: number }[] = []
    for (const [idx, dot] of dots) {
      const item = this.items[idx]
      scored.push({ value: item.value, similarity: dot / (vec.norm * item.vec.norm) })
    }
    scored.sort((a, b) => b.similarity - a.similarity)
    return scored.slice(0, k)
  }
}
