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
import { parseOptions, type FaqEntry, type FaqEntryInput } from '../schema.js'
import type { HitLogReader, SuggestionLedger } from '../hitlog/reader.js'
import { containsMask, containsPii } from '../privacy/redact.js'
import { comparableText } from '../text/similarity.js'

/** A query suggested as a new variant of an entry. */
export interface Suggestion {
  /** Stable id (from entry id and normalised query), used to accept or reject. */
  id: string
  entryId: string
  /** The most frequent spelling of the query. */
  query: string
  /** Times users picked / people resolved this query to the entry. */
  count: number
  picked: number
  resolved: number
  lastSeen: string
  /** The stored query contains a redaction mask such as `[order]`: accept only after editing. */
  masked: boolean
}

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

/** List suggested variants, most frequent first (not yet accepted or rejected, not already in the entry). */
export function listSuggestions(log: HitLogReader, options: SuggestOptions = {}): Suggestion[] {
  const opts = parseOptions(SuggestOptionsSchema, options, 'listSuggestions')
  const minCount = opts.minCount
  const existing = new Map<string, Set<string>>()
  for (const e of opts.entries) existing.set(e.id, new Set([e.question, ...e.variants].map(comparableText)))
  const status = log.suggestionStatus()
  const decided = new Set([...status.keys()].map((k) => {
    const [entryId, query] = k.split('\u0000')
    return suggestionId(entryId, query)
  }))
  const groups = new Map<string, { entryId: string; texts: Map<string, number>; picked: number; resolved: number; last: number }>()
  for (const r of log.resolvedQueries(opts.since, opts.now)) {
    const norm = comparableText(r.query)
    if (!norm) continue
    if (existing.get(r.entryId)?.has(norm)) continue
    const id = suggestionId(r.entryId, r.query)
    if (decided.has(id)) continue
    const g = groups.get(id) ?? { entryId: r.entryId, texts: new Map(), picked: 0, resolved: 0, last: 0 }
    g.texts.set(r.query, (g.texts.get(r.query) ?? 0) + 1)
    if (r.kind === 'picked') g.picked++
    else g.resolved++
    g.last = Math.max(g.last, r.time)
    groups.set(id, g)
  }
  const out: Suggestion[] = []
  for (const [id, g] of groups) {
    const count = g.picked + g.resolved
    if (count < minCount) continue
    const query = [...g.texts].sort((a, b) => b[1] - a[1])[0][0]
    out.push({ id, entryId: g.entryId, query, count, picked: g.picked, resolved: g.resolved, lastSeen: new Date(g.last).toISOString(), masked: containsMask(query) || containsPii(query) })
  }
  return out.sort((a, b) => b.count - a.count || (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0) || (a.query < b.query ? -1 : 1))
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
    /** Engine functions (default: the real engine, loaded on first use). */
    engine: z.custom<KnowledgeBaseFunctions>((e) => typeof (e as { loadKnowledgeBase?: unknown } | null)?.loadKnowledgeBase === 'function', { message: 'expected { loadKnowledgeBase(dir) }' }).optional(),
  })
  .refine((o) => (o.ids?.length ?? 0) > 0 || o.all, { message: 'give suggestion ids to accept, or all: true' })
/** Options of {@link acceptSuggestions}, as a caller writes them. */
export type AcceptOptions = z.input<typeof AcceptOptionsSchema>

/** Options of {@link rejectSuggestions}. */
export const RejectOptionsSchema = z.object({
  /** The FAQ, as for {@link listSuggestions}: the suggestions to reject are looked up among those it lists. */
  entries: entriesSchema.default([]),
})
/** Options of {@link rejectSuggestions}, as a caller writes them. */
export type RejectOptions = z.input<typeof RejectOptionsSchema>

/**
 * Accept suggestions: load the knowledge base in `kbDir`, append the queries to their entries'
 * variants, rebuild with the same embedder, save (atomically, by the engine) and mark them
 * accepted in the log. Returns what was accepted and the rebuilt knowledge base. Throws
 * `UNKNOWN_SUGGESTION` for ids that are not pending, `STALE_SUGGESTION` for ids whose entries
 * are gone from the base, `INVALID_OPTIONS` without ids or `all: true`.
 */
export async function acceptSuggestions(kbDir: string, log: SuggestionLedger, options: AcceptOptions): Promise<{ accepted: Suggestion[]; kb: OpsKnowledgeBase }> {
  const opts = parseOptions(AcceptOptionsSchema, options, 'acceptSuggestions')
  const engine = opts.engine ?? (await engineFunctions())
  const kb = await engine.loadKnowledgeBase(kbDir)
  const pending = listSuggestions(log, { entries: kb.entries, minCount: 1 })
  let chosen: Suggestion[]
  if (opts.ids?.length) {
    const byId = new Map(pending.map((s) => [s.id, s]))
    const unknown = opts.ids.filter((id) => !byId.has(id))
    if (unknown.length) {
      throw createError('UNKNOWN_SUGGESTION', { ids: unknown, hint: `run \`kotae suggest ${kbDir}\` to list the pending ones` })
    }
    chosen = opts.ids.map((id) => byId.get(id)!)
  } else {
    chosen = pending.filter((s) => s.count >= opts.minCount && !s.masked)
  }
  const entryIds = new Set(kb.entries.map((e) => e.id))
  const missing = chosen.filter((s) => !entryIds.has(s.entryId))
  if (missing.length && opts.ids?.length) {
    throw createError('STALE_SUGGESTION', { ids: missing.map((s) => s.id), entries: [...new Set(missing.map((s) => s.entryId))] })
  }
  chosen = chosen.filter((s) => entryIds.has(s.entryId))
  if (chosen.length === 0) return { accepted: [], kb }
  const accepted = chosen.map((s) => ({ entryId: s.entryId, variant: s.query.trim() }))
  // Rebuilt with the base's own recipe (embedder, options, labelled calibration), never defaults.
  const rebuilt = await kb.rebuild(withVariants(kb.entries, accepted), { accepted })
  await rebuilt.save(kbDir)
  log.setSuggestionStatus(chosen.map((s) => ({ entryId: s.entryId, query: s.query })), 'accepted')
  return { accepted: chosen, kb: rebuilt }
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

/** Reject suggestions so they are not listed again; `UNKNOWN_SUGGESTION` for ids that are not pending. */
export function rejectSuggestions(log: SuggestionLedger, ids: string[], options: RejectOptions = {}): Suggestion[] {
  const opts = parseOptions(RejectOptionsSchema, options, 'rejectSuggestions')
  const pending = listSuggestions(log, { entries: opts.entries })
  const byId = new Map(pending.map((s) => [s.id, s]))
  const unknown = ids.filter((id) => !byId.has(id))
  if (unknown.length) throw createError('UNKNOWN_SUGGESTION', { ids: unknown, hint: 'list the pending ones with listSuggestions (kotae suggest <kb>)' })
  const chosen = ids.map((id) => byId.get(id)!)
  log.setSuggestionStatus(chosen.map((s) => ({ entryId: s.entryId, query: s.query })), 'rejected')
  return chosen
}
