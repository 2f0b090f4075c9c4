/**
 * The learning loop: queries that users resolved by picking an option after `clarify`, or that a
 * person resolved with an entry after an escalation, are how real customers phrase that entry.
 * They become suggested variants; accepting them adds them to the entry and rebuilds the
 * knowledge base, so the same question is answered directly next time.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Embedder } from '../embed/embedder.js'
import { createError } from '../errors.js'
import { parseOptions, type AskResult, type DecisionKind, type FaqEntry, type FaqEntryInput } from '../schema.js'
import type { HitLogReader, SuggestionLedger } from '../hitlog/reader.js'
import { containsMask, containsPii } from '../privacy/redact.js'
import { comparableText } from '../text/similarity.js'

/** A query suggested as a new variant of an entry, with what a person needs to judge it. */
export interface Suggestion {
  /** Stable id (from entry id and normalised query), used to accept or reject. */
  id: string
  entryId: string
  /** The suggested variant: the most frequent spelling of the query, as stored (redacted). */
  query: string
  /** Times users picked / people resolved this query to the entry. */
  count: number
  /** Times a user picked the entry among the options of a clarify. */
  picked: number
  /** Times a person resolved an escalation with the entry. */
  resolved: number
  /** Where it came from: `picked` after a clarify, `resolved` by a person, or `both`. */
  source: 'picked' | 'resolved' | 'both'
  /** Distinct sessions it came from (an event without a session counts as one of its own). */
  sessions: number
  /** First and last time (ISO) it was picked or resolved. */
  firstSeen: string
  lastSeen: string
  /** The entry it would be added to (when the listing was given the FAQ's entries): its question and the start of its answer. */
  entry?: { question: string; answerStart: string; lang: string }
  /** The stored query contains a redaction mask such as `[order]`: accept only after editing. */
  masked: boolean
}

/** A suggestion an editor rejected (see {@link listRejectedSuggestions}). */
export interface RejectedSuggestion {
  id: string
  entryId: string
  query: string
  /** The editor's reason; null when none was given. */
  reason: string | null
  /** When it was rejected (ISO). */
  rejectedAt: string
  /** Picks and resolutions of the same text and entry since then (it stays hidden however many). */
  seenSince: number
  entry?: { question: string; answerStart: string; lang: string }
}

/** Characters of an entry's answer shown beside a suggestion. */
const ANSWER_START = 80

const entriesSchema = z.array(z.custom<FaqEntry>((e) => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string', { message: 'expected an FAQ entry with an id' }))

/** Options of {@link listSuggestions}, with their defaults. */
export const SuggestOptionsSchema = z.object({
  /** The FAQ: suggestions already present as a question or variant are left out. */
  entries: entriesSchema.default([]),
  /** Least count to list. */
  minCount: z.number().int().min(1).default(1),
  /** Only feedback in [since, now) (ms); default: all. */
  since: z.number().finite().min(0).default(0),
  /** End of the feedback window, ms (default: no end). */
  now: z.number().finite().default(Number.MAX_SAFE_INTEGER / 1024),
})
/** Options of {@link listSuggestions}, as a caller writes them. */
export type SuggestOptions = z.input<typeof SuggestOptionsSchema>
/** The defaults of {@link listSuggestions}. */
export const DEFAULT_SUGGEST_OPTIONS: z.output<typeof SuggestOptionsSchema> = Object.freeze(SuggestOptionsSchema.parse({}))

/** Stable suggestion id for an entry and a query. */
export function suggestionId(entryId: string, query: string): string {
  return 's-' + createHash('sha1').update(entryId).update('\u0000').update(comparableText(query)).digest('hex').slice(0, 10)
}

/** An entry's question and the start of its answer, as a suggestion shows them. */
function entrySummary(entry: FaqEntry | undefined): Suggestion['entry'] {
  if (!entry) return undefined
  const answer = entry.answer.replace(/\s+/g, ' ').trim()
  const chars = [...answer]
  return { question: entry.question, answerStart: chars.length > ANSWER_START ? chars.slice(0, ANSWER_START - 1).join('') + '…' : answer, lang: entry.lang }
}

/** The suggestion ids an editor already decided on (accepted or rejected): by entry and normalised text, so a new spelling of a rejected query stays hidden. */
async function decidedIds(log: HitLogReader): Promise<Set<string>> {
  return new Set([...(await log.suggestionStatus()).keys()].map((k) => {
    const [entryId, query] = k.split('\u0000')
    return suggestionId(entryId, query)
  }))
}

/**
 * List suggested variants, most frequent first (not yet accepted or rejected, not already in the
 * entry): each with the variant's text, where it came from (picked, resolved, how often, in how
 * many sessions, first and last seen) and, given `entries`, the entry's question and the start of
 * its answer. A rejected suggestion never comes back, whatever its count since. Reads the log's
 * `suggestionStatus` and `suggestionEvidence` (awaited: a store may answer with Promises);
 * rejects with `INVALID_OPTIONS` for bad options, `LOG_STORE` when the log cannot be read.
 */
export async function listSuggestions(log: HitLogReader, options: SuggestOptions = {}): Promise<Suggestion[]> {
  const opts = parseOptions(SuggestOptionsSchema, options, 'listSuggestions')
  const minCount = opts.minCount
  const existing = new Map<string, Set<string>>()
  const byEntry = new Map(opts.entries.map((e) => [e.id, e]))
  for (const e of opts.entries) existing.set(e.id, new Set([e.question, ...e.variants].map(comparableText)))
  const decided = await decidedIds(log)
  const groups = new Map<string, { entryId: string; texts: Map<string, number>; picked: number; resolved: number; first: number; last: number; sessions: Set<string> }>()
  for (const r of await log.suggestionEvidence(opts.since, opts.now)) {
    const norm = comparableText(r.query)
    if (!norm) continue
    if (existing.get(r.entryId)?.has(norm)) continue
    const id = suggestionId(r.entryId, r.query)
    if (decided.has(id)) continue
    const g = groups.get(id) ?? { entryId: r.entryId, texts: new Map(), picked: 0, resolved: 0, first: Infinity, last: 0, sessions: new Set() }
    g.texts.set(r.query, (g.texts.get(r.query) ?? 0) + 1)
    if (r.kind === 'picked') g.picked++
    else g.resolved++
    g.first = Math.min(g.first, r.time)
    g.last = Math.max(g.last, r.time)
    // An event without a session is a session of its own.
    g.sessions.add(r.sessionId === null ? `\u0000event:${r.eventId}` : `s:${r.sessionId}`)
    groups.set(id, g)
  }
  const out: Suggestion[] = []
  for (const [id, g] of groups) {
    const count = g.picked + g.resolved
    if (count < minCount) continue
    const query = [...g.texts].sort((a, b) => b[1] - a[1])[0][0]
    const entry = entrySummary(byEntry.get(g.entryId))
    out.push({
      id,
      entryId: g.entryId,
      query,
      count,
      picked: g.picked,
      resolved: g.resolved,
      source: g.picked > 0 && g.resolved > 0 ? 'both' : g.picked > 0 ? 'picked' : 'resolved',
      sessions: g.sessions.size,
      firstSeen: new Date(g.first).toISOString(),
      lastSeen: new Date(g.last).toISOString(),
      ...(entry ? { entry } : {}),
      masked: containsMask(query) || containsPii(query),
    })
  }
  return out.sort((a, b) => b.count - a.count || (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0) || (a.query < b.query ? -1 : 1))
}

/**
 * The suggestions editors rejected, newest first, with their reasons and how often the same
 * text was picked or resolved to the same entry since (they stay hidden from
 * {@link listSuggestions} regardless). Reads the log's `suggestionDecisions` and
 * `resolvedQueries` (awaited); rejects with `INVALID_OPTIONS` for bad options.
 */
export async function listRejectedSuggestions(log: HitLogReader, options: RejectOptions = {}): Promise<RejectedSuggestion[]> {
  const opts = parseOptions(RejectOptionsSchema, options, 'listRejectedSuggestions')
  const byEntry = new Map(opts.entries.map((e) => [e.id, e]))
  const rejected = (await log.suggestionDecisions()).filter((d) => d.status === 'rejected')
  if (rejected.length === 0) return []
  const since = new Map(rejected.map((d) => [suggestionId(d.entryId, d.query), { time: d.time, seen: 0 }]))
  for (const r of await log.resolvedQueries(Math.min(...rejected.map((d) => d.time)))) {
    const s = since.get(suggestionId(r.entryId, r.query))
    if (s && r.time >= s.time) s.seen++
  }
  return rejected.map((d) => {
    const id = suggestionId(d.entryId, d.query)
    const entry = entrySummary(byEntry.get(d.entryId))
    return { id, entryId: d.entryId, query: d.query, reason: d.reason, rejectedAt: new Date(d.time).toISOString(), seenSince: since.get(id)!.seen, ...(entry ? { entry } : {}) }
  })
}

/** The part of a knowledge base that suggestion acceptance needs. */
export interface OpsKnowledgeBase {
  entries: FaqEntry[]
  embedder: Embedder
  /** The base's calibration, for the report's warnings. */
  calibration?: { answerThreshold: number; notes: string[] }
  save(dir: string): Promise<unknown>
  /** A new base from `entries`, built and calibrated the way this one was (its saved recipe). */
  rebuild(entries: FaqEntryInput[], options?: { accepted?: Array<{ entryId: string; variant: string }> }): Promise<OpsKnowledgeBase>
  /** Rank and decide only (no skill runs, nothing is logged): how accepting is measured before and after. */
  decideOnly(query: string): Promise<AskResult>
}

/** The engine functions used to rebuild a knowledge base (injectable for tests). */
export interface KnowledgeBaseFunctions {
  loadKnowledgeBase(dir: string): Promise<OpsKnowledgeBase>
}

/** The real engine, loaded on first use. */
export async function engineFunctions(): Promise<KnowledgeBaseFunctions> {
  const engine = await import('../engine.js')
  return { loadKnowledgeBase: (dir) => engine.loadKnowledgeBase(dir) }
}

/** Options of {@link acceptSuggestions}, with their defaults: give `ids`, or `all: true`. */
export const AcceptOptionsSchema = z
  .object({
    /** Suggestion ids to accept (from {@link listSuggestions}). */
    ids: z.array(z.string().min(1)).optional(),
    /** Accept every listed suggestion with at least `minCount` that contains no redaction mask or detectable PII. */
    all: z.boolean().default(false),
    /** Least count for `all`. */
    minCount: z.number().int().min(1).default(2),
    /**
     * Accept even suggestions that would break an entry's own question (see
     * {@link previewSuggestions}); without it they are refused and, with `ids`, nothing is accepted.
     */
    force: z.boolean().default(false),
    /** Engine functions (default: the real engine, loaded on first use). */
    engine: z.custom<KnowledgeBaseFunctions>((e) => typeof (e as { loadKnowledgeBase?: unknown } | null)?.loadKnowledgeBase === 'function', { message: 'expected { loadKnowledgeBase(dir) }' }).optional(),
  })
  .refine((o) => (o.ids?.length ?? 0) > 0 || o.all, { message: 'give suggestion ids to accept, or all: true' })
/** Options of {@link acceptSuggestions}, as a caller writes them. */
export type AcceptOptions = z.input<typeof AcceptOptionsSchema>

/** Options of {@link rejectSuggestions} (and {@link listRejectedSuggestions}, which reads `entries` only). */
export const RejectOptionsSchema = z.object({
  /** The FAQ, as for {@link listSuggestions}: the suggestions to reject are looked up among those it lists. */
  entries: entriesSchema.default([]),
  /** Why they are rejected, kept in the log with the decision (redacted like comments) and shown by `kotae suggest --rejected`. */
  reason: z.string().trim().max(2000).optional(),
})
/** Options of {@link rejectSuggestions}, as a caller writes them. */
export type RejectOptions = z.input<typeof RejectOptionsSchema>

/** Pending suggestions chosen by id (`UNKNOWN_SUGGESTION` for ids that are not pending), or every one with `minCount` and no mask. */
function chooseSuggestions(pending: Suggestion[], choice: { ids?: string[]; minCount: number }, kbHint: string): Suggestion[] {
  if (!choice.ids?.length) return pending.filter((s) => s.count >= choice.minCount && !s.masked)
  const byId = new Map(pending.map((s) => [s.id, s]))
  const unknown = choice.ids.filter((id) => !byId.has(id))
  if (unknown.length) throw createError('UNKNOWN_SUGGESTION', { ids: unknown, hint: kbHint })
  return [...new Set(choice.ids)].map((id) => byId.get(id)!)
}

/** The variants that accepting `chosen` adds. */
const variantsOf = (chosen: Suggestion[]) => chosen.map((s) => ({ entryId: s.entryId, variant: s.query.trim() }))

/**
 * Accept suggestions: load the knowledge base in `kbDir`, append the queries to their entries'
 * variants, rebuild with the same embedder, check that the own question of every entry they
 * affect still does as well on the rebuilt base (answers, or at least ranks its entry first, as
 * before; see {@link previewSuggestions}), save
 * (atomically, by the engine) and mark them accepted in the log. A suggestion that breaks the
 * check is refused unless `force` (returned in `refused` with what it breaks): with `ids`
 * nothing is then accepted or written; with `all: true` the others are accepted without it.
 * Returns what was accepted and the base in use. Throws `UNKNOWN_SUGGESTION` for ids that are
 * not pending, `STALE_SUGGESTION` for ids whose entries are gone from the base, `INVALID_OPTIONS`
 * without ids or `all: true`.
 */
export async function acceptSuggestions(
  kbDir: string,
  log: SuggestionLedger,
  options: AcceptOptions,
): Promise<{ accepted: Suggestion[]; refused: Array<{ suggestion: Suggestion; problems: string[] }>; kb: OpsKnowledgeBase }> {
  const opts = parseOptions(AcceptOptionsSchema, options, 'acceptSuggestions')
  const engine = opts.engine ?? (await engineFunctions())
  const kb = await engine.loadKnowledgeBase(kbDir)
  const pending = await listSuggestions(log, { entries: kb.entries, minCount: 1 })
  let chosen = chooseSuggestions(pending, { ids: opts.ids, minCount: opts.minCount }, `run \`kotae suggest ${kbDir}\` to list the pending ones`)
  const entryIds = new Set(kb.entries.map((e) => e.id))
  const missing = chosen.filter((s) => !entryIds.has(s.entryId))
  if (missing.length && opts.ids?.length) {
    throw createError('STALE_SUGGESTION', { ids: missing.map((s) => s.id), entries: [...new Set(missing.map((s) => s.entryId))] })
  }
  chosen = chosen.filter((s) => entryIds.has(s.entryId))
  const refused: Array<{ suggestion: Suggestion; problems: string[] }> = []
  // Rebuilt with the base's own recipe (embedder, options, labelled calibration), never defaults;
  // with `all`, a suggestion that breaks an own question is left out and the rest rebuilt again.
  for (let round = 0; chosen.length > 0; round++) {
    const accepted = variantsOf(chosen)
    const rebuilt = await kb.rebuild(withVariants(kb.entries, accepted), { accepted })
    const check = opts.force ? { results: [] } : await harmfulSuggestions(kb, rebuilt, chosen)
    const blamed = new Set(check.results.flatMap((r) => r.blamedOn))
    if (blamed.size > 0) {
      // With `all`, leave out first those that break an own question by themselves; the rest are checked again together.
      const alone = 'alone' in check ? check.alone : new Set<string>()
      const leaveOut = opts.ids?.length || alone.size === 0 ? blamed : alone
      for (const s of chosen.filter((c) => leaveOut.has(c.id))) refused.push({ suggestion: s, problems: check.results.filter((r) => r.blamedOn.includes(s.id)).map(ownQuestionProblem) })
      if (opts.ids?.length || round >= 2) return { accepted: [], refused, kb }
      chosen = chosen.filter((c) => !leaveOut.has(c.id))
      continue
    }
    await rebuilt.save(kbDir)
    await log.setSuggestionStatus(chosen.map((s) => ({ entryId: s.entryId, query: s.query })), 'accepted')
    return { accepted: chosen, refused, kb: rebuilt }
  }
  return { accepted: [], refused, kb }
}

/** What a decision gave for one question: the decision, its entry (the answer, else the top candidate) and the confidence. */
export interface ReplayOutcome {
  decision: DecisionKind
  /** The answered entry, or for clarify and escalate the top candidate (null when there is none). */
  entryId: string | null
  confidence: number
}

/** One entry's own question asked on the current and on the rebuilt base (see {@link previewSuggestions}). */
export interface OwnQuestionCheck {
  entryId: string
  question: string
  before: ReplayOutcome
  after: ReplayOutcome
  /** It does as well after as before: answers with its entry if it did, ranks it first if it did. */
  ok: boolean
  /** A suggestion affects the entry: it adds to it, or the entry is among the variant's top three on the current base. */
  affected: boolean
  /** When not ok, the suggestions affecting it (they are harmful); none for an entry no suggestion affects (the rebuild's side effect). */
  blamedOn: string[]
}

/** A logged question whose decision or entry changes (see {@link previewSuggestions}). */
export interface ReplayChange {
  /** The query as stored (redacted: a masked query is replayed masked). */
  query: string
  /** Events in the window with this query. */
  events: number
  /** It holds a redaction mask, so it was replayed as masked text, not as the customer typed it. */
  masked: boolean
  before: ReplayOutcome
  after: ReplayOutcome
}

/** What accepting suggestions would do, measured on a base rebuilt in memory (nothing is written). */
export interface SuggestionPreview {
  /** The suggestions measured, each flagged `harmful` when it breaks an entry's own question. */
  suggestions: Array<Suggestion & { harmful: boolean; problems: string[] }>
  /** Ids of the harmful ones (`--accept` refuses them unless `--force`). */
  harmful: string[]
  /** The recent logged questions replayed through the current and the rebuilt base. */
  replay: {
    from: string
    to: string
    /** Events read (at most `maxQueries`, newest first). */
    events: number
    /** Distinct queries replayed. */
    replayed: number
    /** Of them, queries holding a redaction mask (replayed masked). */
    masked: number
    /** Events whose query is not stored (`hash` mode): not replayable. */
    notReplayable: number
    changed: ReplayChange[]
  }
  /** Own questions checked: every entry's, listed when its entry gets a variant or it does worse (harmful only when a suggestion affects it). */
  ownQuestions: { checked: number; results: OwnQuestionCheck[] }
}

/** Options of {@link previewSuggestions}, with their defaults: give `ids`, or `all: true`. */
export const PreviewOptionsSchema = z
  .object({
    /** Suggestion ids to measure (from {@link listSuggestions}). */
    ids: z.array(z.string().min(1)).optional(),
    /** Measure what `acceptSuggestions({ all: true, minCount })` would accept. */
    all: z.boolean().default(false),
    /** Least count for `all`. */
    minCount: z.number().int().min(1).default(2),
    /** Replay the questions of this window before `now` (ms; default 30 days). */
    windowMs: z.number().int().min(1).default(30 * 24 * 3600_000),
    /** Replay at most this many events, the newest first (a bounded cost: two decisions per distinct query). */
    maxQueries: z.number().int().min(1).max(100_000).default(500),
    /** End of the replay window (ms; default: now). */
    now: z.number().finite().optional(),
  })
  .refine((o) => (o.ids?.length ?? 0) > 0 || o.all, { message: 'give suggestion ids to measure, or all: true' })
/** Options of {@link previewSuggestions}, as a caller writes them. */
export type PreviewOptions = z.input<typeof PreviewOptionsSchema>

/** The outcome of one decision. */
function outcomeOf(r: AskResult): ReplayOutcome {
  return { decision: r.decision, entryId: r.decision === 'answer' ? r.answer.id : (r.candidates[0]?.id ?? null), confidence: Math.round(r.confidence * 10_000) / 10_000 }
}

/** How well a question does for an entry: 2 answered with it, 1 ranked it first, 0 neither. */
const standing = (o: ReplayOutcome, entryId: string): number => (o.entryId !== entryId ? 0 : o.decision === 'answer' ? 2 : 1)

/** An own-question check as a sentence. */
function ownQuestionProblem(r: OwnQuestionCheck): string {
  const show = (o: ReplayOutcome) => `${o.decision}${o.entryId ? ` ${o.entryId}` : ''}`
  return `the question of ${r.entryId} ("${r.question}") went from ${show(r.before)} to ${show(r.after)}`
}

/**
 * Ask every entry's own question on the current and the rebuilt base. The entries a suggestion
 * affects are its own entry and those among the variant's top three on the current base (the
 * entries it could take questions from: a variant that is another entry's question affects that
 * entry); an affected entry whose question does worse (stops answering, or stops ranking its
 * entry first) is a problem blamed on the suggestions affecting it. Other entries that do worse
 * are listed too, blamed on none: the rebuild refits the embedder and the calibration.
 */
async function checkOwnQuestions(before: OpsKnowledgeBase, after: OpsKnowledgeBase, chosen: Suggestion[]): Promise<{ checked: number; results: OwnQuestionCheck[] }> {
  const affecting = new Map<string, string[]>()
  const affect = (entryId: string, id: string) => affecting.set(entryId, [...new Set([...(affecting.get(entryId) ?? []), id])])
  for (const s of chosen) {
    affect(s.entryId, s.id)
    for (const c of (await before.decideOnly(s.query)).candidates.slice(0, 3)) affect(c.id, s.id)
  }
  const results: OwnQuestionCheck[] = []
  let checked = 0
  for (const entry of before.entries) {
    checked++
    const was = outcomeOf(await before.decideOnly(entry.question))
    const now = outcomeOf(await after.decideOnly(entry.question))
    const ok = standing(now, entry.id) >= standing(was, entry.id)
    const by = affecting.get(entry.id)
    if (ok && !chosen.some((s) => s.entryId === entry.id)) continue
    results.push({ entryId: entry.id, question: entry.question, before: was, after: now, ok, affected: by !== undefined, blamedOn: ok ? [] : (by ?? []) })
  }
  return { checked, results }
}

/**
 * The own-question check of accepting `chosen` together (`rebuilt` is the base with all of
 * them), with each problem blamed precisely: when several suggestions affect an entry that does
 * worse, each is measured alone (one rebuild each) and blamed if it breaks the entry by itself;
 * when none does, the problem is blamed on those of them that break some other entry alone (the
 * rest are checked again without them when accepting all), and failing that on the combination.
 * `alone`: the suggestions that break an own question by themselves.
 */
async function harmfulSuggestions(kb: OpsKnowledgeBase, rebuilt: OpsKnowledgeBase, chosen: Suggestion[]): Promise<{ checked: number; results: OwnQuestionCheck[]; alone: Set<string> }> {
  const own = await checkOwnQuestions(kb, rebuilt, chosen)
  const suspects = [...new Set(own.results.flatMap((r) => r.blamedOn))]
  if (suspects.length <= 1 || !own.results.some((r) => r.blamedOn.length > 1)) return { ...own, alone: new Set(suspects) }
  const breaks = new Map<string, Set<string>>()
  for (const id of suspects) {
    const alone = chosen.filter((c) => c.id === id)
    const check = await checkOwnQuestions(kb, await kb.rebuild(withVariants(kb.entries, variantsOf(alone)), { accepted: variantsOf(alone) }), alone)
    for (const r of check.results) if (r.blamedOn.includes(id)) breaks.set(r.entryId, new Set([...(breaks.get(r.entryId) ?? []), id]))
  }
  const harmfulAlone = new Set([...breaks.values()].flatMap((ids) => [...ids]))
  for (const r of own.results) {
    // Blamed on those that break it alone; else on those among its suspects that are harmful
    // anyway (without them the rest may pass); else on the combination.
    const alone = r.blamedOn.filter((id) => breaks.get(r.entryId)?.has(id))
    const harmful = r.blamedOn.filter((id) => harmfulAlone.has(id))
    if (alone.length > 0) r.blamedOn = alone
    else if (harmful.length > 0) r.blamedOn = harmful
  }
  return { ...own, alone: harmfulAlone }
}

/**
 * Measure what accepting suggestions would do, before accepting: rebuild `kb` in memory with
 * their variants (`kb.rebuild`, the base's own recipe), replay the log's recent questions (the
 * newest `maxQueries` events of the last `windowMs`, as stored: redacted, so a masked query is
 * replayed masked; `hash`-mode events cannot be replayed and are counted; read with the log's
 * `recentQueries`) through the current and the rebuilt base, and list those whose decision or entry changes; and check every entry's
 * own question on both. A suggestion that makes an own question do worse is `harmful`
 * (`acceptSuggestions` refuses it unless `force`). Nothing is written. Throws like
 * {@link acceptSuggestions} for unknown or stale ids and missing `ids` / `all`.
 */
export async function previewSuggestions(kb: OpsKnowledgeBase, log: HitLogReader, options: PreviewOptions): Promise<SuggestionPreview> {
  const opts = parseOptions(PreviewOptionsSchema, options, 'previewSuggestions')
  const pending = await listSuggestions(log, { entries: kb.entries, minCount: 1 })
  let chosen = chooseSuggestions(pending, { ids: opts.ids, minCount: opts.minCount }, 'list the pending ones with listSuggestions (kotae suggest <kb>)')
  const entryIds = new Set(kb.entries.map((e) => e.id))
  const missing = chosen.filter((s) => !entryIds.has(s.entryId))
  if (missing.length && opts.ids?.length) throw createError('STALE_SUGGESTION', { ids: missing.map((s) => s.id), entries: [...new Set(missing.map((s) => s.entryId))] })
  chosen = chosen.filter((s) => entryIds.has(s.entryId))
  const to = (opts.now ?? Date.now()) + 1
  const from = Math.max(0, to - opts.windowMs)
  const replay: SuggestionPreview['replay'] = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), events: 0, replayed: 0, masked: 0, notReplayable: 0, changed: [] }
  if (chosen.length === 0) return { suggestions: [], harmful: [], replay, ownQuestions: { checked: 0, results: [] } }
  const accepted = variantsOf(chosen)
  const rebuilt = await kb.rebuild(withVariants(kb.entries, accepted), { accepted })
  const own = await harmfulSuggestions(kb, rebuilt, chosen)
  const harmful = new Set(own.results.flatMap((r) => r.blamedOn))
  const rows = await log.recentQueries(from, to, opts.maxQueries)
  replay.events = rows.length
  const distinct = new Map<string, number>()
  for (const r of rows) {
    if (r.query === null || r.query.trim() === '') replay.notReplayable++
    else distinct.set(r.query, (distinct.get(r.query) ?? 0) + 1)
  }
  for (const [query, events] of distinct) {
    const masked = containsMask(query)
    replay.replayed++
    if (masked) replay.masked++
    const before = outcomeOf(await kb.decideOnly(query))
    const after = outcomeOf(await rebuilt.decideOnly(query))
    if (before.decision !== after.decision || before.entryId !== after.entryId) replay.changed.push({ query, events, masked, before, after })
  }
  replay.changed.sort((a, b) => b.events - a.events || (a.query < b.query ? -1 : 1))
  return {
    suggestions: chosen.map((s) => ({ ...s, harmful: harmful.has(s.id), problems: own.results.filter((r) => r.blamedOn.includes(s.id)).map(ownQuestionProblem) })),
    harmful: [...harmful],
    replay,
    ownQuestions: own,
  }
}

/**
 * The entries with the given variants added to their entries (skipping variants an entry
 * already has, compared as the report compares queries). Variants of entries not in `entries`
 * are left out: see {@link mergeAccepted} for the count.
 */
export function withVariants(entries: FaqEntry[], added: ReadonlyArray<{ entryId: string; variant: string }>): FaqEntry[] {
  const add = new Map<string, string[]>()
  for (const a of added) add.set(a.entryId, [...(add.get(a.entryId) ?? []), a.variant])
  return entries.map((e) => {
    const extra = add.get(e.id)
    if (!extra) return e
    const have = new Set([e.question, ...e.variants].map(comparableText))
    const variants = [...e.variants]
    for (const q of extra) {
      const n = comparableText(q)
      if (!have.has(n)) (have.add(n), variants.push(q.trim()))
    }
    return { ...e, variants }
  })
}

/**
 * Merge a previous base's accepted suggestions into entries read from the source FAQ (what
 * `kotae build` does when it rebuilds a folder that already holds a base): returns the entries
 * with those variants, the accepted records kept, and those dropped because their entry is gone.
 */
export function mergeAccepted(entries: FaqEntry[], accepted: ReadonlyArray<{ entryId: string; variant: string }>): { entries: FaqEntry[]; kept: Array<{ entryId: string; variant: string }>; dropped: Array<{ entryId: string; variant: string }> } {
  const ids = new Set(entries.map((e) => e.id))
  const kept = accepted.filter((a) => ids.has(a.entryId))
  return { entries: withVariants(entries, kept), kept, dropped: accepted.filter((a) => !ids.has(a.entryId)) }
}

/**
 * Reject suggestions so they are not listed again (by entry and normalised text: more picks of
 * the same text, in any spelling that normalises alike, stay hidden), keeping `reason` with the
 * decision (see {@link listRejectedSuggestions}). Resolves to the rejected suggestions once the
 * log has stored the decision; rejects with `UNKNOWN_SUGGESTION` for ids that are not pending.
 */
export async function rejectSuggestions(log: SuggestionLedger, ids: string[], options: RejectOptions = {}): Promise<Suggestion[]> {
  const opts = parseOptions(RejectOptionsSchema, options, 'rejectSuggestions')
  const pending = await listSuggestions(log, { entries: opts.entries })
  if (ids.length === 0) return []
  const chosen = chooseSuggestions(pending, { ids, minCount: 1 }, 'list the pending ones with listSuggestions (kotae suggest <kb>)')
  const reason = opts.reason === undefined || opts.reason === '' ? null : opts.reason
  await log.setSuggestionStatus(chosen.map((s) => ({ entryId: s.entryId, query: s.query, reason })), 'rejected')
  return chosen
}
