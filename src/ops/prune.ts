/**
 * Pruning that a content team can trust: which FAQ topics nobody used in a window, decided per
 * translation group (entries sharing `metadata.group`, the ja/ko/en/zh versions of one answer, are
 * one topic, stale only when all its languages together are), with the hits and the last hit of
 * every entry, and how much of the window the hit log actually covers, so a young log does not
 * make the whole FAQ look unused. It only plans: writing the pruned FAQ is the caller's (`kotae
 * prune`), which must refuse when {@link PrunePlan.coverage} is not complete.
 */
import { z } from 'zod'
import { parseOptions, type FaqEntry } from '../schema.js'
import type { HitLogReader } from '../hitlog/reader.js'
import { parseDuration } from './duration.js'

const DAY = 86_400_000

/** Options of {@link planPrune}, with their defaults. */
export const PruneOptionsSchema = z.object({
  /** Window length ending at `now`, e.g. `90d`, or milliseconds. */
  since: z.union([z.string(), z.number().positive()]).default('90d'),
  /** End of the window, ms (default: now). */
  now: z.number().finite().optional(),
  /** A topic is kept when it has at least this many hits (answers + picks + resolutions) in the window; 1 drops only topics nobody used. */
  minHits: z.number().int().min(0).default(1),
  /** `group`: entries sharing `metadata.group` are one topic, kept or dropped together (entries without a group are their own topic); `entry`: every entry on its own. */
  by: z.enum(['group', 'entry']).default('group'),
  /**
   * How far (ms) the log's first event may come after the window's start, and its last event
   * before the window's end, for the log still to count as covering the window (quiet hours
   * leave gaps at both ends of any log). Default: one day.
   */
  coverageSlack: z.number().min(0).default(DAY),
})
/** Options of {@link planPrune}, as a caller writes them. */
export type PruneOptions = z.input<typeof PruneOptionsSchema>
/** The defaults of {@link planPrune} (the window ends when the plan is made). */
export const DEFAULT_PRUNE_OPTIONS: z.output<typeof PruneOptionsSchema> = Object.freeze(PruneOptionsSchema.parse({}))

/** One entry of a topic, with its use. */
export interface PruneEntryUsage {
  id: string
  lang: string
  question: string
  /** Hits (answers + picks + resolutions) in the window. */
  hits: number
  /** Last hit anywhere in the log up to the window's end (ISO), or null when the log never saw one. */
  lastHit: string | null
}

/** A topic: a translation group, or one entry (no group, or `by: 'entry'`). */
export interface PruneTopic {
  /** The group's name, or the entry's id for an entry that is its own topic. */
  topic: string
  /** The translation group (`metadata.group`), null when the entry has none. */
  group: string | null
  /** The topic's entries, in FAQ order. */
  entries: PruneEntryUsage[]
  /** Hits of all its entries in the window. */
  hits: number
  /** The latest last hit of its entries (ISO), or null when none was ever hit. */
  lastHit: string | null
}

/** How much of the window the hit log covers (from `HitLog.coverage()`). */
export interface PruneCoverage {
  /** The window asked for (ISO). */
  from: string
  to: string
  /** First and last event of the log (ISO), null for an empty log. */
  firstEvent: string | null
  lastEvent: string | null
  events: number
  /** Milliseconds of the window between the log's first and last event (0 for an empty log). */
  coveredMs: number
  /** Length of the window, ms. */
  windowMs: number
  /** The log's first event is more than `coverageSlack` after the window's start (or the log is empty): it is younger than the window. */
  startsLate: boolean
  /** The log's last event is more than `coverageSlack` before the window's end (or the log is empty): it stopped, or the window ends in the future. */
  endsEarly: boolean
  /** Neither: the log covers the window, so only then are its zero counts evidence. */
  complete: boolean
}

/** What {@link planPrune} decided: topics kept and dropped, and the entries to write. */
export interface PrunePlan {
  by: 'group' | 'entry'
  minHits: number
  coverage: PruneCoverage
  /** Topics with at least `minHits` hits, in FAQ order. */
  kept: PruneTopic[]
  /** Topics with fewer than `minHits` hits: fewest hits first, then least recently hit (never hit first). */
  dropped: PruneTopic[]
  /** The entries of the kept topics, in FAQ order (the pruned FAQ). */
  keptEntries: FaqEntry[]
  /** The entries of the dropped topics, in FAQ order. */
  droppedEntries: FaqEntry[]
}

/** The translation group of an entry (`metadata.group`, a string or number), or null. */
function groupOf(entry: FaqEntry): string | null {
  const g = entry.metadata?.group
  return (typeof g === 'string' && g.trim() !== '') || typeof g === 'number' ? String(g) : null
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString())

/**
 * Plan a prune of `entries` from the hit log: each topic's hits in the window ending `now`,
 * compared with `minHits`, and the log's coverage of that window. Writes nothing. Async because
 * a store may answer its reads with Promises (the SQLite log answers at once); bad options reject
 * the Promise (`INVALID_OPTIONS`, `INVALID_DURATION`). A caller that writes the kept entries
 * should refuse (or ask) when `coverage.complete` is false: entries then look unused only
 * because the log has not seen the whole window.
 */
export async function planPrune(entries: readonly FaqEntry[], log: Pick<HitLogReader, 'coverage' | 'entryCounts'>, options: PruneOptions = {}): Promise<PrunePlan> {
  const opts = parseOptions(PruneOptionsSchema, options, 'planPrune')
  const to = opts.now ?? Date.now()
  const windowMs = parseDuration(opts.since, 'since')
  const from = to - windowMs

  const c = await log.coverage()
  const coveredMs = c.first === null || c.last === null ? 0 : Math.max(0, Math.min(to, c.last) - Math.max(from, c.first))
  const startsLate = c.first === null || c.first > from + opts.coverageSlack
  const endsEarly = c.last === null || c.last < to - opts.coverageSlack
  const coverage: PruneCoverage = { from: iso(from)!, to: iso(to)!, firstEvent: iso(c.first), lastEvent: iso(c.last), events: c.events, coveredMs, windowMs, startsLate, endsEarly, complete: !startsLate && !endsEarly }

  const inWindow = await log.entryCounts(from, to)
  const everSeen = await log.entryCounts(0, to)
  const topics = new Map<string, { topic: PruneTopic; members: FaqEntry[]; order: number }>()
  for (const entry of entries) {
    const group = groupOf(entry)
    const key = opts.by === 'group' && group !== null ? `g\u0000${group}` : `e\u0000${entry.id}`
    let t = topics.get(key)
    if (!t) topics.set(key, (t = { topic: { topic: opts.by === 'group' && group !== null ? group : entry.id, group, entries: [], hits: 0, lastHit: null }, members: [], order: topics.size }))
    const w = inWindow.get(entry.id)
    const hits = w ? w.answers + w.picked + w.resolved : 0
    const lastHit = iso(everSeen.get(entry.id)?.lastHit ?? null)
    t.topic.entries.push({ id: entry.id, lang: entry.lang, question: entry.question, hits, lastHit })
    t.topic.hits += hits
    if (lastHit !== null && (t.topic.lastHit === null || lastHit > t.topic.lastHit)) t.topic.lastHit = lastHit
    t.members.push(entry)
  }

  const all = [...topics.values()]
  const isKept = (t: PruneTopic) => t.hits >= opts.minHits
  const keep = new Set(all.filter((t) => isKept(t.topic)).flatMap((t) => t.members))
  const dropped = all
    .filter((t) => !isKept(t.topic))
    .sort((a, b) => a.topic.hits - b.topic.hits || (a.topic.lastHit ?? '').localeCompare(b.topic.lastHit ?? '') || a.order - b.order)
    .map((t) => t.topic)
  return {
    by: opts.by,
    minHits: opts.minHits,
    coverage,
    kept: all.filter((t) => isKept(t.topic)).map((t) => t.topic),
    dropped,
    keptEntries: entries.filter((e) => keep.has(e)),
    droppedEntries: entries.filter((e) => !keep.has(e)),
  }
}
