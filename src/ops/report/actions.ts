/**
 * The report's "what to do next" sections, derived from the counts {@link buildReport} already
 * read: entries to improve, stale translation groups, merge candidates with their evidence, and
 * a draft entry per unanswered cluster. Pure functions of report data, so each rule is testable
 * and the page only renders what is decided here.
 */
import type { FaqEntry } from '../../schema.js'
import { cosine, comparableText, ngramVector } from '../../text/similarity.js'
import type { ResolvedQuery, SuggestionStatus, UnansweredRow } from '../../hitlog/reader.js'
import type { EntryReport, OpsReport } from './types.js'

/** Why an entry is listed under "entries to improve". */
export type ImproveReason = ImproveItem['reasons'][number]

/** An entry to improve, as {@link OpsReport} spells it out. */
export type ImproveItem = OpsReport['improve'][number]

/** Thresholds of {@link entriesToImprove}. */
export interface ImproveRule {
  /** Least times offered for "often clarified" (and offered more often than answered). */
  minOffered: number
  /** Least not-helpful marks. */
  minNotHelpful: number
  /** Least times offered and not picked. */
  minPassedOver: number
}

/** Entries clarified more often than answered, marked not helpful, or offered and passed over; the worst first. */
export function entriesToImprove(entries: EntryReport[], rule: ImproveRule): ImproveItem[] {
  const out: ImproveItem[] = []
  for (const e of entries) {
    const passedOver = Math.max(0, e.offered - e.picked)
    const reasons: ImproveReason[] = []
    if (e.offered >= rule.minOffered && e.offered > e.answers) reasons.push('often-clarified')
    if (e.notHelpful >= rule.minNotHelpful) reasons.push('not-helpful')
    if (passedOver >= rule.minPassedOver && passedOver > e.picked) reasons.push('passed-over')
    if (reasons.length) out.push({ id: e.id, reasons, offered: e.offered, answers: e.answers, picked: e.picked, notHelpful: e.notHelpful, passedOver })
  }
  const weight = (x: ImproveItem) => x.notHelpful * 3 + x.passedOver + Math.max(0, x.offered - x.answers)
  return out.sort((a, b) => weight(b) - weight(a) || (a.id < b.id ? -1 : 1))
}

/** A stale translation group, as {@link OpsReport} spells it out. */
export type StaleGroup = OpsReport['stale']['groups'][number]

/** Stale translation groups: a group is stale only when every one of its entries is (fewer than `minHits` hits). */
export function staleGroups(entries: EntryReport[], minHits: number): StaleGroup[] {
  const byKey = new Map<string, EntryReport[]>()
  for (const e of entries) {
    if (!e.inKb) continue
    const key = e.group ?? `\u0000${e.id}`
    byKey.set(key, [...(byKey.get(key) ?? []), e])
  }
  const out: StaleGroup[] = []
  for (const [key, members] of byKey) {
    if (!members.every((e) => e.hits < minHits)) continue
    const lastHit = members.reduce<string | null>((m, e) => (e.lastHit && (!m || e.lastHit > m) ? e.lastHit : m), null)
    out.push({
      key: key.startsWith('\u0000') ? key.slice(1) : key,
      grouped: !key.startsWith('\u0000'),
      entries: members.map((e) => ({ id: e.id, lang: e.lang, question: e.question, hits: e.hits, lastHit: e.lastHit, updatedAt: e.updatedAt })).sort((a, b) => (a.lang ?? '').localeCompare(b.lang ?? '')),
      lastHit,
    })
  }
  const oldest = (g: StaleGroup) => g.entries.reduce((m, e) => (e.updatedAt && e.updatedAt < m ? e.updatedAt : m), '9999')
  return out.sort((a, b) => oldest(a).localeCompare(oldest(b)) || (a.key < b.key ? -1 : 1))
}

/** A merge candidate, as {@link OpsReport} spells it out. */
export type MergeCandidate = OpsReport['mergeCandidates'][number]

/**
 * How alike two entries' phrasings are: the best pair (question or variant of each), and the
 * topic similarity of all their phrasings taken together (character n-grams). The best pair alone
 * is noisy across a whole FAQ (shared sentence endings such as 「できますか」 or "how do I");
 * all phrasings together measure whether they are about the same thing.
 */
export function phrasingSimilarity(a: FaqEntry, b: FaqEntry): { similarity: number; topicSimilarity: number; phrasingA: string; phrasingB: string } {
  const all = (e: FaqEntry) => ngramVector([e.question, ...e.variants].join('\n'))
  const topicSimilarity = Math.round(cosine(all(a), all(b)) * 1000) / 1000
  let best = { similarity: 0, topicSimilarity, phrasingA: a.question, phrasingB: b.question }
  const vb = [b.question, ...b.variants].map((p) => ({ p, v: ngramVector(p) }))
  for (const pa of [a.question, ...a.variants]) {
    const va = ngramVector(pa)
    for (const { p, v } of vb) {
      const s = cosine(va, v)
      if (s > best.similarity) best = { similarity: Math.round(s * 1000) / 1000, topicSimilarity, phrasingA: pa, phrasingB: p }
    }
  }
  return best
}

/**
 * Merge candidates: pairs co-ranked often (kept only when the two entries share a topic: the
 * topic similarity of their phrasings is at least `minSimilarity`, so entries that merely compete
 * for an unrelated query are dropped) and pairs with near-identical phrasings.
 */
export function mergeCandidates(
  coRanked: { a: string; b: string; count: number; share: number }[],
  similar: { a: string; b: string; similarity: number; phrasingA: string; phrasingB: string }[],
  entries: FaqEntry[],
  resolved: ResolvedQuery[],
  minSimilarity: number,
): MergeCandidate[] {
  const byId = new Map(entries.map((e) => [e.id, e]))
  const key = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`)
  const out = new Map<string, MergeCandidate>()
  const queriesOf = (a: string, b: string) => {
    const counts = new Map<string, { query: string; entryId: string; count: number }>()
    for (const r of resolved) {
      if (r.entryId !== a && r.entryId !== b) continue
      const k = `${r.entryId}\u0000${r.query}`
      const c = counts.get(k) ?? { query: r.query, entryId: r.entryId, count: 0 }
      c.count++
      counts.set(k, c)
    }
    return [...counts.values()].sort((x, y) => y.count - x.count || (x.query < y.query ? -1 : 1)).slice(0, 5)
  }
  for (const p of coRanked) {
    const ea = byId.get(p.a)
    const eb = byId.get(p.b)
    if (!ea || !eb) continue
    const sim = phrasingSimilarity(ea, eb)
    if (sim.topicSimilarity < minSimilarity) continue
    out.set(key(p.a, p.b), { a: p.a, b: p.b, questionA: ea.question, questionB: eb.question, coRanked: p.count, share: p.share, ...sim, sharedQueries: queriesOf(p.a, p.b), why: ['co-ranked'] })
  }
  for (const s of similar) {
    const k = key(s.a, s.b)
    const known = out.get(k)
    if (known) {
      known.why.push('near-identical phrasings')
      continue
    }
    const ea = byId.get(s.a)
    const eb = byId.get(s.b)
    const topicSimilarity = ea && eb ? phrasingSimilarity(ea, eb).topicSimilarity : 0
    out.set(k, { a: s.a, b: s.b, questionA: ea?.question ?? null, questionB: eb?.question ?? null, coRanked: 0, share: 0, similarity: s.similarity, topicSimilarity, phrasingA: s.phrasingA, phrasingB: s.phrasingB, sharedQueries: queriesOf(s.a, s.b), why: ['near-identical phrasings'] })
  }
  return [...out.values()].sort((x, y) => y.why.length - x.why.length || y.coRanked - x.coRanked || y.similarity - x.similarity)
}

/** An unanswered cluster's draft entry, as {@link OpsReport} spells it out. */
export type DraftEntry = OpsReport['unanswered']['clusters'][number]['draft']

/** The draft entry of a cluster: the most frequent query as the question, the other examples as variants. */
export function draftEntry(texts: { query: string; count: number }[], languages: Record<string, number>): DraftEntry {
  const lang = Object.entries(languages).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'en'
  const [first, ...rest] = texts
  return { lang, question: first?.query ?? '', variants: rest.map((t) => t.query).slice(0, 10), answer: '' }
}

/**
 * Which unanswered texts are settled: accepted as a suggested variant (so the base now answers
 * them), or picked / resolved by a person after their last unanswered occurrence. Keys are
 * {@link comparableText} forms.
 */
export function settledTexts(rows: UnansweredRow[], resolved: ResolvedQuery[], status: Map<string, SuggestionStatus>): Set<string> {
  const last = new Map<string, number>()
  for (const r of rows) {
    if (r.query === null) continue
    const k = comparableText(r.query)
    last.set(k, Math.max(last.get(k) ?? 0, r.time))
  }
  const settled = new Set<string>()
  for (const [k, s] of status) if (s === 'accepted') settled.add(comparableText(k.slice(k.indexOf('\u0000') + 1)))
  for (const r of resolved) {
    const k = comparableText(r.query)
    if (r.time >= (last.get(k) ?? Infinity)) settled.add(k)
  }
  return settled
}
