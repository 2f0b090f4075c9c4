/**
 * Unanswered clusters: escalated and low-confidence queries grouped by meaning, so an editor sees
 * "412 people asked about X, and no entry covers it" instead of 412 log lines. Each cluster is a
 * draft for a new entry: counts, representative queries and the nearest existing entry.
 *
 * Method: identical texts (after normalisation) are merged first. With character n-grams
 * (CJK-aware, see similarity.ts) clusters are the connected components of "cosine ≥ threshold"
 * between distinct texts (single link, order-independent, no number of clusters to choose).
 * With an `embed` function, texts are taken from the most to the least frequent and joined to the
 * most similar cluster leader at cosine ≥ threshold (leader clustering: embeddings are denser, so
 * single link would chain too much).
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { parseOptions, type FaqEntry } from '../schema.js'
import { cosine, denseCosine, ngramVector, NgramIndex, comparableText, type NgramVector } from '../text/similarity.js'

/** Embeds texts for clustering (e.g. the knowledge base's embedder, as queries). */
export type EmbedFunction = (texts: string[]) => Promise<ArrayLike<number>[]>

/** One query to cluster. */
export interface ClusterInput {
  query: string
  time: number
  lang?: string
  /** The top candidate the engine found (shown as the closest entry when no entries are given). */
  topId?: string | null
}

/** Options of {@link clusterQueries}, with their defaults. */
export const ClusterOptionsSchema = z.object({
  /** Join a cluster at this similarity or more (default 0.5 for n-grams, 0.8 with `embed`: embeddings are denser). */
  threshold: z.number().gt(0).max(1).optional(),
  /** Use these vectors instead of character n-grams. */
  embed: z.custom<EmbedFunction>((value) => typeof value === 'function', { message: 'expected a function (embed)' }).optional(),
  /** The FAQ, to name the nearest existing entry of each cluster. */
  entries: z.array(z.custom<FaqEntry>((e) => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string', { message: 'expected an FAQ entry with an id' })).default([]),
  /** Keep at most this many representative queries per cluster. */
  representatives: z.number().int().min(1).default(5),
  /** Cluster at most this many distinct texts (the most frequent); rarer ones are counted in `skipped`. */
  maxDistinct: z.number().int().min(1).default(20_000),
})
/** Options of {@link clusterQueries}, as a caller writes them. */
export type ClusterOptions = z.input<typeof ClusterOptionsSchema>
/** The defaults of {@link clusterQueries}. */
export const DEFAULT_CLUSTER_OPTIONS: z.output<typeof ClusterOptionsSchema> = Object.freeze(ClusterOptionsSchema.parse({}))

/** Similarity at which two entries' phrasings count as near-identical (see {@link similarPhrasings}). */
export const DEFAULT_PHRASING_THRESHOLD = 0.85

/** A group of similar unanswered queries. */
export interface QueryCluster {
  /** Stable id derived from the leading query. */
  id: string
  /** Number of queries (events) in the cluster. */
  count: number
  /** Number of distinct texts. */
  distinct: number
  /** The most frequent texts, with counts. */
  representatives: { query: string; count: number }[]
  languages: Record<string, number>
  firstSeen: number
  lastSeen: number
  /** The closest existing entry (by phrasing similarity) or the engine's most frequent top candidate. */
  nearestEntry: { id: string; question: string | null; similarity: number | null } | null
  /** Event times of the members (for surge detection). */
  times: number[]
}

interface Distinct {
  norm: string
  texts: Map<string, number>
  count: number
  times: number[]
  languages: Map<string, number>
  tops: Map<string, number>
}

/** Group unanswered queries by meaning. Returns clusters sorted by size, and how many texts were not clustered. */
export async function clusterQueries(inputs: ClusterInput[], options: ClusterOptions = {}): Promise<{ clusters: QueryCluster[]; skipped: number }> {
  const opts = parseOptions(ClusterOptionsSchema, options, 'clusterQueries')
  const byNorm = new Map<string, Distinct>()
  for (const q of inputs) {
    const norm = comparableText(q.query)
    if (!norm) continue
    let d = byNorm.get(norm)
    if (!d) byNorm.set(norm, (d = { norm, texts: new Map(), count: 0, times: [], languages: new Map(), tops: new Map() }))
    d.count++
    d.times.push(q.time)
    d.texts.set(q.query, (d.texts.get(q.query) ?? 0) + 1)
    if (q.lang) d.languages.set(q.lang, (d.languages.get(q.lang) ?? 0) + 1)
    if (q.topId) d.tops.set(q.topId, (d.tops.get(q.topId) ?? 0) + 1)
  }
  const all = [...byNorm.values()].sort((a, b) => b.count - a.count || (a.norm < b.norm ? -1 : 1))
  const maxDistinct = opts.maxDistinct
  const distinct = all.slice(0, maxDistinct)
  const skipped = all.slice(maxDistinct).reduce((s, d) => s + d.count, 0)

  const groups: Distinct[][] = []
  if (opts.embed) {
    const threshold = opts.threshold ?? 0.8
    const vecs = distinct.length ? await opts.embed(distinct.map((d) => d.norm)) : []
    const leaders: { vec: ArrayLike<number>; group: number }[] = []
    distinct.forEach((d, i) => {
      let best = -1
      let bestSim = -Infinity
      for (const l of leaders) {
        const s = denseCosine(vecs[i], l.vec)
        if (s > bestSim) (bestSim = s), (best = l.group)
      }
      if (best >= 0 && bestSim >= threshold) groups[best].push(d)
      else {
        leaders.push({ vec: vecs[i], group: groups.length })
        groups.push([d])
      }
    })
  } else {
    // Connected components of "similarity ≥ threshold" between distinct texts (single link), so
    // the result does not depend on the order texts arrive in: conjugated or reworded CJK
    // questions link through their closest sibling even when far from the most frequent one.
    const threshold = opts.threshold ?? 0.5
    const parent = distinct.map((_, i) => i)
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])))
    const index = new NgramIndex<number>()
    distinct.forEach((d, i) => {
      const vec = ngramVector(d.norm)
      for (const hit of index.nearest(vec, 10)) {
        if (hit.similarity < threshold) break
        const a = find(i)
        const b = find(hit.value)
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
      }
      index.add(vec, i)
    })
    const byRoot = new Map<number, number>()
    distinct.forEach((d, i) => {
      const root = find(i)
      let g = byRoot.get(root)
      if (g === undefined) byRoot.set(root, (g = groups.push([]) - 1))
      groups[g].push(d)
    })
  }

  // Nearest existing entry, by the best-matching phrasing of any entry.
  let entryIndex: NgramIndex<FaqEntry> | null = null
  if (opts.entries.length) {
    entryIndex = new NgramIndex<FaqEntry>()
    for (const e of opts.entries) for (const p of [e.question, ...e.variants]) entryIndex.add(ngramVector(p), e)
  }
  const byId = new Map(opts.entries.map((e) => [e.id, e]))
  const repN = opts.representatives
  const clusters = groups.map((members): QueryCluster => {
    const texts = new Map<string, number>()
    const languages: Record<string, number> = {}
    const tops = new Map<string, number>()
    const times: number[] = []
    let count = 0
    for (const d of members) {
      count += d.count
      for (const t of d.times) times.push(t)
      for (const [t, n] of d.texts) texts.set(t, (texts.get(t) ?? 0) + n)
      for (const [l, n] of d.languages) languages[l] = (languages[l] ?? 0) + n
      for (const [t, n] of d.tops) tops.set(t, (tops.get(t) ?? 0) + n)
    }
    times.sort((a, b) => a - b)
    const representatives = [...texts].sort((a, b) => b[1] - a[1]).slice(0, repN).map(([query, n]) => ({ query, count: n }))
    let nearestEntry: QueryCluster['nearestEntry'] = null
    if (entryIndex) {
      const leaderVec: NgramVector = ngramVector(members[0].norm)
      const [best] = entryIndex.nearest(leaderVec, 1)
      if (best) nearestEntry = { id: best.value.id, question: best.value.question, similarity: round(best.similarity) }
    }
    if (!nearestEntry && tops.size > 0) {
      const [id] = [...tops].sort((a, b) => b[1] - a[1])[0]
      nearestEntry = { id, question: byId.get(id)?.question ?? null, similarity: null }
    }
    return {
      id: 'c-' + createHash('sha1').update(members[0].norm).digest('hex').slice(0, 8),
      count,
      distinct: members.length,
      representatives,
      languages,
      firstSeen: times[0],
      lastSeen: times[times.length - 1],
      nearestEntry,
      times,
    }
  })
  clusters.sort((a, b) => b.count - a.count || (a.id < b.id ? -1 : 1))
  return { clusters, skipped }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}

/** Pairs of entries (same base language) with near-identical phrasings: cosine ≥ `threshold` (default {@link DEFAULT_PHRASING_THRESHOLD}). */
export function similarPhrasings(entries: FaqEntry[], threshold = DEFAULT_PHRASING_THRESHOLD): { a: string; b: string; similarity: number; phrasingA: string; phrasingB: string }[] {
  const byLang = new Map<string, FaqEntry[]>()
  for (const e of entries) {
    const l = e.lang.slice(0, 2).toLowerCase()
    byLang.set(l, [...(byLang.get(l) ?? []), e])
  }
  const found = new Map<string, { a: string; b: string; similarity: number; phrasingA: string; phrasingB: string }>()
  for (const group of byLang.values()) {
    const index = new NgramIndex<{ entry: FaqEntry; text: string; vec: NgramVector }>()
    for (const e of group) {
      for (const text of [e.question, ...e.variants]) {
        const vec = ngramVector(text)
        for (const hit of index.nearest(vec, 5)) {
          if (hit.similarity < threshold || hit.value.entry.id === e.id) continue
          const [a, b] = [hit.value.entry.id, e.id].sort()
          const key = `${a}\u0000${b}`
          const sim = round(cosine(vec, hit.value.vec))
          const prev = found.get(key)
          if (!prev || prev.similarity < sim) found.set(key, { a, b, similarity: sim, phrasingA: a === e.id ? text : hit.value.text, phrasingB: a === e.id ? hit.value.text : text })
        }
      }
      for (const text of [e.question, ...e.variants]) index.add(ngramVector(text), { entry: e, text, vec: ngramVector(text) })
    }
  }
  return [...found.values()].sort((x, y) => y.similarity - x.similarity)
}
