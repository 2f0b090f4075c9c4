/**
 * The content-operations report: what the FAQ answered, what it could not, which entries nobody
 * needs, which entries compete with each other, what is suddenly rising, and what people ask on
 * each page. Built from the hit
 * log (and the FAQ entries, for metadata, stale entries and phrasing duplicates).
 */
import { z } from 'zod'
import { createError } from '../../errors.js'
import { parseOptions } from '../../schema.js'
import type { DecisionKind, FaqEntry } from '../../schema.js'
import { clusterQueries, DEFAULT_PHRASING_THRESHOLD, similarPhrasings, type EmbedFunction } from '../cluster.js'
import { comparableText } from '../../text/similarity.js'
import { draftEntry, entriesToImprove, mergeCandidates, settledTexts, staleGroups } from './actions.js'
import type { EntryReport, GroupReport, OpsReport, PageReport, SurgeReport } from './types.js'

export type { EntryReport, GroupReport, OpsReport, PageReport, SurgeReport } from './types.js'
import { parseDuration } from '../duration.js'
import type { HitLogReader } from '../../hitlog/reader.js'
import type { Calibration } from '../../decide/index.js'
import { countWindow, detectSurges, SurgeRuleSchema, type SurgeOptions } from '../surge.js'

const functionOf = <F>(what: string) => z.custom<F>((value) => typeof value === 'function', { message: `expected a function (${what})` })

/** Options of {@link buildReport}, with their defaults. */
export const ReportOptionsSchema = z.object({
  /** Window length, e.g. `30d` or milliseconds. */
  since: z.union([z.string(), z.number().positive()]).default('30d'),
  /** End of the window, ms (default: now). */
  now: z.number().finite().optional(),
  /** The FAQ entries (from the knowledge base): adds questions, groups, languages, stale entries. */
  entries: z.array(z.custom<FaqEntry>((e) => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string', { message: 'expected an FAQ entry with an id' })).default([]),
  /** An entry is stale when it has fewer hits than this in the window (1: no hits at all). */
  staleMinHits: z.number().int().min(0).default(1),
  /** Non-escalated events whose top confidence is below this also count as unanswered. */
  lowConfidence: z.number().min(0).max(1).default(0.3),
  /** Top-two pairs closer than this confidence margin count as "came back together". */
  duplicateMargin: z.number().min(0).max(1).default(0.1),
  /** Least number of close top-two events for a merge candidate. */
  duplicateMinCount: z.number().int().min(1).default(5),
  /** Least share of the pair's top-candidate events (either entry first) that were close top-two. */
  duplicateMinShare: z.number().min(0).max(1).default(0.2),
  /** Phrasing similarity for near-identical entries. */
  phrasingThreshold: z.number().gt(0).max(1).default(DEFAULT_PHRASING_THRESHOLD),
  /** Clustering similarity threshold (default: that of {@link clusterQueries}, which depends on `embed`). */
  clusterThreshold: z.number().gt(0).max(1).optional(),
  /** Optional embedding function for clustering by meaning instead of n-grams. */
  embed: functionOf<EmbedFunction>('embed').optional(),
  /** Surge rule parameters (the window ends at `now`). */
  surge: SurgeRuleSchema.prefault({}),
  /**
   * The knowledge base's calibration (`kb.calibration`): a base that never answers, one
   * calibrated on few samples, or one whose calibration has notes, is flagged in the summary.
   */
  calibration: z
    .object({
      answerThreshold: z.number(),
      notes: z.array(z.string()),
      source: z.string().optional(),
      samples: z.object({ inScope: z.number(), outOfScope: z.number(), simulatedOutOfScope: z.number().optional() }).passthrough().optional(),
    })
    .passthrough()
    .optional(),
  /** A calibration fitted on fewer samples than this is flagged as estimated ("calibration estimated from N samples"). */
  calibrationMinSamples: z.number().int().min(0).default(200),
  /** Entries to improve: least times offered after clarify (and offered more often than answered). */
  improveMinOffered: z.number().int().min(1).default(3),
  /** Entries to improve: least not-helpful marks. */
  improveMinNotHelpful: z.number().int().min(1).default(1),
  /** Entries to improve: least times offered and not picked. */
  improveMinPassedOver: z.number().int().min(1).default(3),
  /** Co-ranked pairs are merge candidates only when their phrasings, taken together, are at least this alike (drops entries that merely compete for an unrelated query). */
  mergeMinSimilarity: z.number().min(0).max(1).default(0.4),
  /** Timeline bucket, ms (default: 1 hour for windows up to 3 days, else 1 day). */
  bucketMs: z.number().positive().optional(),
  /** The per-page section lists the pages with the most questions, at most this many (0: no section). */
  pageLimit: z.number().int().min(0).max(1000).default(20),
  /** Top entries listed per page. */
  pageEntries: z.number().int().min(1).max(50).default(5),
})
/** Options of {@link buildReport}, as a caller writes them. */
export type ReportOptions = z.input<typeof ReportOptionsSchema>
/** The defaults of {@link buildReport} (the window ends when the report is built). */
export const DEFAULT_REPORT_OPTIONS: z.output<typeof ReportOptionsSchema> = Object.freeze(ReportOptionsSchema.parse({}))

/** The surge rule in plain words, with its parameters filled in (printed in reports). */
export function surgeRuleText(rule: z.output<typeof SurgeRuleSchema>): string {
  const minutes = Math.round(rule.windowMs / 60_000)
  const window = minutes % 60 === 0 ? `${minutes / 60} hour${minutes === 60 ? '' : 's'}` : `${minutes} minutes`
  return (
    `The last ${window} (k questions) vs the same window of the week in the ${rule.baselineWeeks} previous weeks (b₁…b${toSubscript(rule.baselineWeeks)}), which removes the daily and weekly rhythm. ` +
    `An alert needs all three: the chance of at least k under an unchanged rate, P[Binomial(k + Σb, 1/${rule.baselineWeeks + 1}) ≥ k], below ${rule.alpha}; k ≥ ${rule.minCount}; and k ≥ ${rule.minRatio} × the baseline mean.`
  )
}
const toSubscript = (n: number) => String(n).replace(/\d/g, (d) => '₀₁₂₃₄₅₆₇₈₉'[Number(d)])

/** The default surge rule in plain words ({@link surgeRuleText} of the default parameters). */
export const SURGE_RULE = surgeRuleText(SurgeRuleSchema.parse({}))

const DAY = 86_400_000
type UnansweredCluster = OpsReport['unanswered']['clusters'][number]
const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString())

/**
 * Build the report for the window ending at `now`, awaiting each read of the log (a store may
 * answer synchronously or with Promises). Rejects with `LOG_STORE` when the log cannot be
 * read, `INVALID_OPTIONS` for bad options and `INVALID_DURATION` for a `since` that is not a
 * duration; everything else degrades to empty sections.
 */
export async function buildReport(log: HitLogReader, options: ReportOptions = {}): Promise<OpsReport> {
  const opts = parseOptions(ReportOptionsSchema, options, 'buildReport')
  const now = opts.now ?? Date.now()
  const span = parseDuration(opts.since, 'since')
  const from = now - span
  const entries = opts.entries
  const byId = new Map(entries.map((e) => [e.id, e]))
  const warnings: string[] = []
  if (opts.calibration) {
    const c = opts.calibration
    if (c.answerThreshold > 1) warnings.push(`this knowledge base never answers (its answer threshold is ${c.answerThreshold}, above any confidence): every question is clarified or handed over`)
    const n = c.samples ? c.samples.inScope + c.samples.outOfScope + (c.samples.simulatedOutOfScope ?? 0) : null
    if (n !== null && n > 0 && n < opts.calibrationMinSamples) warnings.push(`calibration estimated from ${n} samples${c.source ? ` (${c.source})` : ''}: its confidences are rough; label more questions (build with --calib) for a firmer estimate`)
    warnings.push(...c.notes)
  }
  const coverage = await log.coverage()
  if (coverage.first === null) warnings.push(`the hit log ${log.path} has no events yet`)
  else if (coverage.first > from + DAY) {
    warnings.push(`the log starts ${new Date(coverage.first).toISOString().slice(0, 10)}, after the window start: entries may look stale only because the log is young`)
  }

  // Totals and timeline.
  const bucketMs = opts.bucketMs ?? (span <= 3 * DAY ? 3600_000 : DAY)
  const nBuckets = Math.ceil(span / bucketMs)
  const points = Array.from({ length: nBuckets }, (_, i) => ({ start: iso(from + i * bucketMs)!, answer: 0, clarify: 0, escalate: 0 }))
  const totals = { events: 0, answer: 0, clarify: 0, escalate: 0, answerRate: 0, clarifyRate: 0, escalateRate: 0, pickedAfterClarify: 0, automationRate: 0 }
  for (const r of await log.timeline(from, now, bucketMs)) {
    if (r.bucket >= 0 && r.bucket < nBuckets) points[r.bucket][r.decision] += r.count
    totals[r.decision as DecisionKind] += r.count
    totals.events += r.count
  }
  totals.answerRate = ratio(totals.answer, totals.events)
  totals.clarifyRate = ratio(totals.clarify, totals.events)
  totals.escalateRate = ratio(totals.escalate, totals.events)

  // Per entry.
  const counts = await log.entryCounts(from, now)
  for (const c of counts.values()) totals.pickedAfterClarify += c.picked
  totals.pickedAfterClarify = Math.min(totals.pickedAfterClarify, totals.clarify)
  totals.automationRate = ratio(totals.answer + totals.pickedAfterClarify, totals.events)
  if (totals.events > 0 && totals.answer === 0 && !(opts.calibration && opts.calibration.answerThreshold > 1)) warnings.push(`no question in the window was answered: all ${totals.events} were clarified or handed over`)

  // The previous window of the same length, for the trend.
  const previousFrom = from - span
  const previous = { from: iso(previousFrom)!, to: iso(from)!, covered: coverage.first !== null && coverage.first <= previousFrom + DAY, events: 0, answer: 0, clarify: 0, escalate: 0, answerRate: 0, automationRate: 0 }
  for (const r of await log.timeline(previousFrom, from, span)) {
    previous[r.decision as DecisionKind] += r.count
    previous.events += r.count
  }
  let previousPicked = 0
  for (const c of (await log.entryCounts(previousFrom, from)).values()) previousPicked += c.picked
  previous.answerRate = ratio(previous.answer, previous.events)
  previous.automationRate = ratio(previous.answer + Math.min(previousPicked, previous.clarify), previous.events)
  const byChannel = await log.entryCountsByChannel(from, now)
  const channelsOf = new Map<string, Record<string, number>>()
  for (const [channel, perEntry] of byChannel) {
    for (const [id, c] of perEntry) {
      if (c.top + c.offered + c.answers + c.picked + c.resolved === 0) continue
      const m = channelsOf.get(id) ?? {}
      m[channel] = c.answers + c.picked + c.resolved
      channelsOf.set(id, m)
    }
  }
  const ids = new Set([...entries.map((e) => e.id), ...counts.keys()])
  const entryReports: EntryReport[] = [...ids].map((id) => {
    const c = counts.get(id) ?? { top: 0, answers: 0, offered: 0, picked: 0, resolved: 0, helpful: 0, notHelpful: 0, lastHit: null }
    const e = byId.get(id)
    const hits = c.answers + c.picked + c.resolved
    const group = e?.metadata?.group
    return {
      id,
      question: e?.question ?? null,
      lang: e?.lang ?? null,
      group: typeof group === 'string' || typeof group === 'number' ? String(group) : null,
      inKb: !!e,
      answers: c.answers,
      offered: c.offered,
      picked: c.picked,
      resolved: c.resolved,
      helpful: c.helpful,
      notHelpful: c.notHelpful,
      top: c.top,
      hits,
      hitRate: ratio(hits, totals.events),
      lastHit: iso(c.lastHit),
      updatedAt: e?.updatedAt ?? null,
      channels: channelsOf.get(id) ?? {},
    }
  })
  entryReports.sort((a, b) => b.hits - a.hits || b.top - a.top || (a.id < b.id ? -1 : 1))

  const sumBy = (keyOf: (e: EntryReport) => string | null): GroupReport[] => {
    const m = new Map<string, GroupReport>()
    for (const e of entryReports) {
      const key = keyOf(e)
      if (key === null) continue
      const g = m.get(key) ?? { key, entries: 0, answers: 0, offered: 0, picked: 0, resolved: 0, notHelpful: 0, hits: 0, hitRate: 0, lastHit: null }
      g.entries++
      g.answers += e.answers
      g.offered += e.offered
      g.picked += e.picked
      g.resolved += e.resolved
      g.notHelpful += e.notHelpful
      g.hits += e.hits
      if (e.lastHit && (!g.lastHit || e.lastHit > g.lastHit)) g.lastHit = e.lastHit
      m.set(key, g)
    }
    for (const g of m.values()) g.hitRate = ratio(g.hits, totals.events)
    return [...m.values()].sort((a, b) => b.hits - a.hits || (a.key < b.key ? -1 : 1))
  }
  const groups = sumBy((e) => e.group)
  const languages = sumBy((e) => (e.lang ? baseLang(e.lang) : null))
  const groupHits = new Map(groups.map((g) => [g.key, g.hits]))
  const translations: Record<string, Record<string, string>> = {}
  for (const e of entryReports) {
    if (!e.group || !e.question || !e.lang) continue
    ;(translations[e.group] ??= {})[baseLang(e.lang)] ??= e.question
  }

  // Stale entries.
  const minHits = opts.staleMinHits
  const staleEntries = entryReports
    .filter((e) => e.inKb && e.hits < minHits)
    .map((e) => ({ ...e, groupHits: e.group ? groupHits.get(e.group) ?? 0 : null }))
    .sort((a, b) => a.hits - b.hits || (a.updatedAt ?? '').localeCompare(b.updatedAt ?? '') || (a.id < b.id ? -1 : 1))
  const oldestUpdated = entryReports
    .filter((e) => e.inKb && e.updatedAt)
    .sort((a, b) => Date.parse(a.updatedAt!) - Date.parse(b.updatedAt!))
    .slice(0, 20)
    .map((e) => ({ id: e.id, updatedAt: e.updatedAt!, hits: e.hits }))
  const improve = entriesToImprove(entryReports.filter((e) => e.inKb), { minOffered: opts.improveMinOffered, minNotHelpful: opts.improveMinNotHelpful, minPassedOver: opts.improveMinPassedOver })

  // Near-duplicates.
  const margin = opts.duplicateMargin
  const minPair = opts.duplicateMinCount
  const minShare = opts.duplicateMinShare
  const topOf = new Map(entryReports.map((e) => [e.id, e.top]))
  const coRanked = (await log.closePairs(from, now, margin))
    .map((p) => ({ ...p, share: ratio(p.count, Math.max(p.count, (topOf.get(p.a) ?? 0) + (topOf.get(p.b) ?? 0))) }))
    .filter((p) => p.count >= minPair && p.share >= minShare)
    .sort((a, b) => b.count - a.count)
  const phrasings = entries.length ? similarPhrasings(entries, opts.phrasingThreshold) : []
  const resolved = await log.resolvedQueries(from, now)
  const merge = mergeCandidates(coRanked, phrasings, entries, resolved, opts.mergeMinSimilarity)

  // Unanswered clusters, over the window and the surge baseline weeks.
  const surgeRule = opts.surge
  const windowMs = surgeRule.windowMs
  const clusterFrom = Math.min(from, now - windowMs - surgeRule.baselineWeeks * 7 * DAY)
  const rows = await log.unanswered(clusterFrom, now, opts.lowConfidence)
  const inWindow = rows.filter((r) => r.time >= from)
  const hashed = inWindow.filter((r) => r.query === null).length
  // Every text of each cluster (to tell which clusters were since resolved); no entries, so the
  // nearest entry is the engine's own logged top candidate, counted below.
  const { clusters, skipped } = await clusterQueries(
    rows.filter((r) => r.query !== null).map((r) => ({ query: r.query!, time: r.time, lang: r.lang, topId: r.topId })),
    { embed: opts.embed, threshold: opts.clusterThreshold, representatives: 100_000 },
  )
  const settled = settledTexts(rows, await log.resolvedQueries(clusterFrom, now), await log.suggestionStatus())
  const clusterOfText = new Map<string, string>()
  for (const c of clusters) for (const r of c.representatives) clusterOfText.set(comparableText(r.query), c.id)
  const topsOf = new Map<string, Map<string, { n: number; confidence: number }>>()
  const settledOf = new Map<string, number>()
  const clusterChannels = new Map<string, Record<string, number>>()
  const textChannels = new Map<string, Set<string>>()
  for (const r of inWindow) {
    if (r.query === null) continue
    const norm = comparableText(r.query)
    const cid = clusterOfText.get(norm)
    if (!cid) continue
    if (r.channel !== null) {
      const m = clusterChannels.get(cid) ?? {}
      m[r.channel] = (m[r.channel] ?? 0) + 1
      clusterChannels.set(cid, m)
      textChannels.set(norm, (textChannels.get(norm) ?? new Set<string>()).add(r.channel))
    }
    if (settled.has(norm)) settledOf.set(cid, (settledOf.get(cid) ?? 0) + 1)
    if (!r.topId) continue
    const tops = topsOf.get(cid) ?? new Map<string, { n: number; confidence: number }>()
    const t = tops.get(r.topId) ?? { n: 0, confidence: 0 }
    t.n++
    t.confidence += r.topConfidence
    tops.set(r.topId, t)
    topsOf.set(cid, tops)
  }

  // Surges: entries (volume as top candidate) and unanswered clusters.
  const historyStart = coverage.first ?? now
  const sopts: SurgeOptions = { ...surgeRule, now, historyStart }
  const label = (id: string) => {
    const q = byId.get(id)?.question
    return q ? `${id}: ${q}` : id
  }
  const entrySurges = (await detectSurges((a, b) => log.topCounts(a, b), sopts)).map((s): SurgeReport => ({ ...s, kind: 'entry', label: label(s.key) }))
  const clusterById = new Map(clusters.map((c) => [c.id, c]))
  const clusterEvents = clusters.flatMap((c) => c.times.map((time) => ({ key: c.id, time })))
  const clusterSurges = (await detectSurges(countWindow(clusterEvents), sopts)).map((s): SurgeReport => ({ ...s, kind: 'cluster', label: `"${clusterById.get(s.key)?.representatives[0]?.query ?? s.key}"` }))
  const allSurges = [...entrySurges, ...clusterSurges].sort((a, b) => a.pValue - b.pValue)
  const recentByCluster = new Map(clusterSurges.map((s) => [s.key, s.count]))

  let resolvedClusters = 0
  const windowClusters = clusters
    .map((c): UnansweredCluster => {
      const count = c.times.filter((t) => t >= from && t < now).length
      const { times: _times, nearestEntry: _nearest, representatives: texts, ...rest } = c
      const [best] = [...(topsOf.get(c.id) ?? new Map<string, { n: number; confidence: number }>())].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1))
      const nearestEntry = best ? { id: best[0], question: byId.get(best[0])?.question ?? null, similarity: null, share: ratio(best[1].n, count), confidence: Math.round((best[1].confidence / best[1].n) * 1000) / 1000 } : null
      const representatives = texts.slice(0, 5).map((r) => ({ ...r, channels: [...(textChannels.get(comparableText(r.query)) ?? [])].sort() }))
      return { ...rest, representatives, channels: clusterChannels.get(c.id) ?? {}, count, recent: recentByCluster.get(c.id) ?? 0, settled: settledOf.get(c.id) ?? 0, nearestEntry, draft: draftEntry(texts, c.languages) }
    })
    .filter((c) => c.count > 0)
    .filter((c) => {
      const done = c.settled >= c.count
      if (done) resolvedClusters++
      return !done
    })
    .sort((a, b) => b.count - a.count)
    .slice(0, 100)
  const languagesSeen = [...new Set([...entryReports.map((e) => e.lang), ...inWindow.map((r) => r.lang)].filter((l): l is string => !!l).map(baseLang))].sort()

  // Per page: what people ask where they are.
  const pages = opts.pageLimit === 0 ? [] : (await log.pageSummaries(from, now, { pages: opts.pageLimit, entries: opts.pageEntries, lowConfidence: opts.lowConfidence })).map(
    (p): PageReport => ({
      page: p.page,
      questions: p.questions,
      unanswered: p.unanswered,
      unansweredShare: ratio(p.unanswered, p.questions),
      entries: p.entries.map((e) => ({ id: e.entryId, question: byId.get(e.entryId)?.question ?? null, count: e.count, share: ratio(e.count, p.questions) })),
    }),
  )
  const reasons = [...(await log.reasonCounts(from, now))].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1))

  return {
    generatedAt: new Date().toISOString(),
    window: { from: iso(from)!, to: iso(now)!, days: Math.round((span / DAY) * 100) / 100 },
    coverage: { firstEvent: iso(coverage.first), lastEvent: iso(coverage.last), events: coverage.events },
    totals,
    previous,
    languagesSeen,
    channelsSeen: [...byChannel.keys()].sort(),
    translations,
    timeline: { bucketMs, points },
    entries: entryReports,
    groups,
    languages,
    stale: { minHits, entries: staleEntries, prune: staleEntries.map((e) => e.id), oldestUpdated, groups: staleGroups(entryReports, minHits) },
    improve,
    mergeCandidates: merge,
    nearDuplicates: { coRanked, similarPhrasings: phrasings },
    unanswered: { total: inWindow.length, hashed, skipped, resolvedClusters, clusters: windowClusters },
    reasons,
    pages,
    surges: {
      rule: surgeRuleText(surgeRule),
      windowMs,
      alerts: allSurges.filter((s) => s.flagged),
      watch: allSurges.filter((s) => !s.flagged && s.pValue < 0.05).slice(0, 20),
    },
    warnings,
  }
}

const baseLang = (lang: string) => lang.slice(0, 2).toLowerCase()

function ratio(a: number, b: number): number {
  return b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0
}

