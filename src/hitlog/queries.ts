/**
 * The analytics queries of the SQLite hit log, as SQL over one open file: the aggregates the
 * report, surge alerts, clusters, suggestions and pruning read (see {@link HitLogReader}), and
 * the decoding of one event. Each is a plain function of the database and its entry keys, so
 * the `HitLog` facade decides when the queue is written first and how failures are reported.
 */
import type Database from 'better-sqlite3'
import type { Feedback } from './feedback.js'
import type { EntryCounts, HitEvent, LoggedQuery, LoggedTurn, ResolvedQuery, SuggestionDecision, SuggestionEvidence, SuggestionStatus, UnansweredRow } from './reader.js'
import { DECISIONS, idRange, idTime, REASONS, SCALE, UNKNOWN_REASON, type EntryKeys } from './store.js'
import type { DecisionKind, ReasonCode } from '../schema.js'

/** The row types of the suggestion reads, defined with the interface the stores implement. */
export type { LoggedQuery, SuggestionDecision, SuggestionEvidence } from './reader.js'

/** The reason of a stored event: by its number, or its text when this version did not know it (`unknown` if neither). */
function reasonOf(stored: number, text: string | null): ReasonCode {
  return ((stored === UNKNOWN_REASON ? text : REASONS[stored]) ?? text ?? 'unknown') as ReasonCode
}

/** One event by its stored id; undefined when unknown. */
export function readEvent(db: Database.Database, keys: EntryKeys, id: number): HitEvent | undefined {
  if (!Number.isSafeInteger(id)) return undefined
  const r = db.prepare('SELECT * FROM events WHERE id = ?').get(id) as Record<string, number | string | null> | undefined
  if (!r) return undefined
  const top: HitEvent['top'] = []
  for (const i of [1, 2, 3]) {
    const k = r[`e${i}`] as number | null
    if (k !== null) top.push({ id: keys.id(db, k)!, score: (r[`s${i}`] as number) / SCALE, confidence: (r[`c${i}`] as number) / SCALE })
  }
  const turns = (db.prepare('SELECT role, text, text_hash, at, cut FROM turns WHERE event_id = ? ORDER BY n').all(id) as { role: string; text: string | null; text_hash: string | null; at: number | null; cut: number }[]).map(
    (t): LoggedTurn => ({ role: t.role, text: t.text, textHash: t.text_hash, at: t.at === null ? null : new Date(t.at).toISOString(), cut: t.cut }),
  )
  return {
    id: String(r.id),
    time: idTime(r.id as number),
    sessionId: r.session as string | null,
    channel: r.channel as string | null,
    page: r.page as string | null,
    turns,
    turnsOmitted: r.turns_omitted as number | null,
    lang: r.lang as string,
    query: r.query as string | null,
    queryHash: r.query_hash as string | null,
    decision: DECISIONS[r.decision as number],
    reason: reasonOf(r.reason as number, r.reason_text as string | null),
    confidence: (r.confidence as number) / SCALE,
    latencyMs: (r.latency_us as number) / 1000,
    answerId: keys.id(db, r.answer as number | null),
    top,
    options: [r.o1, r.o2, r.o3].filter((k): k is number => k !== null).map((k) => keys.id(db, k)!),
  }
}

/** First and last event time and the number of events. */
export function coverage(db: Database.Database): { first: number | null; last: number | null; events: number } {
  const r = db.prepare('SELECT min(id) lo, max(id) hi, count(*) n FROM events').get() as { lo: number | null; hi: number | null; n: number }
  return { first: r.lo === null ? null : idTime(r.lo), last: r.hi === null ? null : idTime(r.hi), events: r.n }
}

/** Event counts per time bucket and decision in [from, to). Bucket index = floor((t - from) / bucketMs). */
export function timeline(db: Database.Database, from: number, to: number, bucketMs: number): { bucket: number; decision: DecisionKind; count: number }[] {
  const [lo, hi] = idRange(from, to)
  const rows = db
    .prepare('SELECT CAST(((id >> 10) - ?) / ? AS INTEGER) AS b, decision AS d, count(*) AS n FROM events WHERE id BETWEEN ? AND ? GROUP BY b, d ORDER BY b')
    .all(Math.floor(from), Math.floor(bucketMs), lo, hi) as { b: number; d: number; n: number }[]
  return rows.map((r) => ({ bucket: r.b, decision: DECISIONS[r.d], count: r.n }))
}

/**
 * Per-entry counters over [from, to): top candidate, answers, offered, picked, resolved, (not)
 * helpful, last hit. With `channel`, only the events asked in that channel and the feedback on them.
 */
export function entryCounts(db: Database.Database, keys: EntryKeys, from: number, to: number, channel?: string): Map<string, EntryCounts> {
  const [lo, hi] = idRange(from, to)
  const inChannel = channel === undefined ? '' : ' AND channel = @channel'
  const ev = channel === undefined ? { lo, hi } : { lo, hi, channel }
  const out = new Map<string, EntryCounts>()
  const get = (key: number) => {
    const id = keys.id(db, key)!
    let c = out.get(id)
    if (!c) out.set(id, (c = { top: 0, answers: 0, offered: 0, picked: 0, resolved: 0, helpful: 0, notHelpful: 0, lastHit: null }))
    return c
  }
  const hit = (c: EntryCounts, t: number | null) => {
    if (t !== null && (c.lastHit === null || t > c.lastHit)) c.lastHit = t
  }
  for (const r of db.prepare(`SELECT e1 k, count(*) n FROM events WHERE id BETWEEN @lo AND @hi AND e1 IS NOT NULL${inChannel} GROUP BY e1`).all(ev) as { k: number; n: number }[]) get(r.k).top = r.n
  for (const r of db.prepare(`SELECT answer k, count(*) n, max(id) >> 10 t FROM events WHERE id BETWEEN @lo AND @hi AND answer IS NOT NULL${inChannel} GROUP BY answer`).all(ev) as { k: number; n: number; t: number }[]) {
    const c = get(r.k)
    c.answers = r.n
    hit(c, r.t)
  }
  const offered = db.prepare(
    `SELECT k, count(*) n FROM (
       SELECT o1 k FROM events WHERE id BETWEEN @lo AND @hi AND o1 IS NOT NULL${inChannel}
       UNION ALL SELECT o2 FROM events WHERE id BETWEEN @lo AND @hi AND o2 IS NOT NULL${inChannel}
       UNION ALL SELECT o3 FROM events WHERE id BETWEEN @lo AND @hi AND o3 IS NOT NULL${inChannel}) GROUP BY k`,
  )
  for (const r of offered.all(ev) as { k: number; n: number }[]) get(r.k).offered = r.n
  const fbChannel = channel === undefined ? '' : ' AND event_id IN (SELECT id FROM events WHERE channel = @channel)'
  const fb = db.prepare(`SELECT kind, entry k, count(*) n, max(ts) t FROM feedback WHERE ts >= @from AND ts < @to AND entry IS NOT NULL${fbChannel} GROUP BY kind, entry`)
  for (const r of fb.all(channel === undefined ? { from: Math.floor(from), to: Math.floor(to) } : { from: Math.floor(from), to: Math.floor(to), channel }) as { kind: Feedback['kind']; k: number; n: number; t: number }[]) {
    const c = get(r.k)
    if (r.kind === 'picked') (c.picked = r.n), hit(c, r.t)
    else if (r.kind === 'resolved') (c.resolved = r.n), hit(c, r.t)
    else if (r.kind === 'helpful') c.helpful = r.n
    else if (r.kind === 'not-helpful') c.notHelpful = r.n
  }
  return out
}

/** The channels of the events in [from, to), with their number of events (events logged without a channel are left out). */
export function channelCounts(db: Database.Database, from: number, to: number): Map<string, number> {
  const [lo, hi] = idRange(from, to)
  const rows = db.prepare('SELECT channel c, count(*) n FROM events WHERE id BETWEEN ? AND ? AND channel IS NOT NULL GROUP BY channel ORDER BY channel').all(lo, hi) as { c: string; n: number }[]
  return new Map(rows.map((r) => [r.c, r.n]))
}

/** Number of events per top candidate in [from, to) (the per-entry volume used for surge alerts). */
export function topCounts(db: Database.Database, keys: EntryKeys, from: number, to: number): Map<string, number> {
  const [lo, hi] = idRange(from, to)
  const rows = db.prepare('SELECT e1 k, count(*) n FROM events WHERE id BETWEEN ? AND ? AND e1 IS NOT NULL GROUP BY e1').all(lo, hi) as { k: number; n: number }[]
  return new Map(rows.map((r) => [keys.id(db, r.k)!, r.n]))
}

/** How often each pair of entries came back as the top two with a confidence margin ≤ `maxMargin`, in [from, to). */
export function closePairs(db: Database.Database, keys: EntryKeys, from: number, to: number, maxMargin: number): { a: string; b: string; count: number }[] {
  const [lo, hi] = idRange(from, to)
  const rows = db.prepare('SELECT e1, e2, count(*) n FROM events WHERE id BETWEEN ? AND ? AND e2 IS NOT NULL AND c1 - c2 <= ? GROUP BY e1, e2').all(lo, hi, Math.round(maxMargin * SCALE)) as { e1: number; e2: number; n: number }[]
  const pairs = new Map<string, { a: string; b: string; count: number }>()
  for (const r of rows) {
    const [a, b] = [keys.id(db, r.e1)!, keys.id(db, r.e2)!].sort()
    if (a === b) continue
    const k = `${a}\u0000${b}`
    const p = pairs.get(k) ?? { a, b, count: 0 }
    p.count += r.n
    pairs.set(k, p)
  }
  return [...pairs.values()]
}

/** Events in [from, to) that were escalated or whose confidence was below `lowConfidence`. */
export function unanswered(db: Database.Database, keys: EntryKeys, from: number, to: number, lowConfidence: number): UnansweredRow[] {
  const [lo, hi] = idRange(from, to)
  const rows = db
    .prepare('SELECT id, query, query_hash, lang, channel, e1, c1 FROM events WHERE id BETWEEN ? AND ? AND (decision = 2 OR confidence < ?)')
    .all(lo, hi, Math.round(lowConfidence * SCALE)) as { id: number; query: string | null; query_hash: string | null; lang: string; channel: string | null; e1: number | null; c1: number | null }[]
  return rows.map((r) => ({ time: idTime(r.id), query: r.query, queryHash: r.query_hash, lang: r.lang, channel: r.channel, topId: keys.id(db, r.e1), topConfidence: (r.c1 ?? 0) / SCALE }))
}

/** Queries users picked or humans resolved in [from, to), with the entry they went to. */
export function resolvedQueries(db: Database.Database, keys: EntryKeys, from: number, to: number): ResolvedQuery[] {
  const rows = db
    .prepare(
      `SELECT f.kind, f.entry, e.query, f.ts FROM feedback f JOIN events e ON e.id = f.event_id
       WHERE f.kind IN ('picked', 'resolved') AND f.entry IS NOT NULL AND e.query IS NOT NULL AND f.ts >= ? AND f.ts < ?`,
    )
    .all(Math.floor(from), Math.floor(to)) as { kind: 'picked' | 'resolved'; entry: number; query: string; ts: number }[]
  return rows.map((r) => ({ entryId: keys.id(db, r.entry)!, query: r.query, kind: r.kind, time: r.ts }))
}

/** The picks and resolutions in [from, to) with their events' sessions (what a suggestion's "how many people" is counted from). */
export function suggestionEvidence(db: Database.Database, keys: EntryKeys, from: number, to: number): SuggestionEvidence[] {
  const rows = db
    .prepare(
      `SELECT f.kind, f.entry, e.query, f.ts, e.id, e.session FROM feedback f JOIN events e ON e.id = f.event_id
       WHERE f.kind IN ('picked', 'resolved') AND f.entry IS NOT NULL AND e.query IS NOT NULL AND f.ts >= ? AND f.ts < ?`,
    )
    .all(Math.floor(from), Math.floor(to)) as { kind: 'picked' | 'resolved'; entry: number; query: string; ts: number; id: number; session: string | null }[]
  return rows.map((r) => ({ entryId: keys.id(db, r.entry)!, query: r.query, kind: r.kind, time: r.ts, eventId: String(r.id), sessionId: r.session }))
}

/** Every accepted or rejected suggestion with its time and reason, newest first. */
export function suggestionDecisions(db: Database.Database): SuggestionDecision[] {
  const rows = db.prepare('SELECT entry_id, query, status, ts, reason FROM suggestion_status ORDER BY ts DESC, entry_id, query').all() as { entry_id: string; query: string; status: SuggestionStatus; ts: number; reason: string | null }[]
  return rows.map((r) => ({ entryId: r.entry_id, query: r.query, status: r.status, time: r.ts, reason: r.reason }))
}

/** The newest `limit` events in [from, to), newest first (what `suggest --dry-run` replays). */
export function recentQueries(db: Database.Database, keys: EntryKeys, from: number, to: number, limit: number): LoggedQuery[] {
  const [lo, hi] = idRange(from, to)
  const rows = db.prepare('SELECT id, query, lang, decision, answer FROM events WHERE id BETWEEN ? AND ? ORDER BY id DESC LIMIT ?').all(lo, hi, Math.max(0, Math.floor(limit))) as { id: number; query: string | null; lang: string; decision: number; answer: number | null }[]
  return rows.map((r) => ({ eventId: String(r.id), time: idTime(r.id), query: r.query, lang: r.lang, decision: DECISIONS[r.decision], answerId: keys.id(db, r.answer) }))
}

/** Suggestions already accepted or rejected, keyed `entryId\u0000query`. */
export function suggestionStatus(db: Database.Database): Map<string, SuggestionStatus> {
  const rows = db.prepare('SELECT entry_id, query, status FROM suggestion_status').all() as { entry_id: string; query: string; status: SuggestionStatus }[]
  return new Map(rows.map((r) => [`${r.entry_id}\u0000${r.query}`, r.status]))
}

/** Which events {@link placeCounts} reads: a page or a page family (already normalised and redacted), a base language, a channel. */
export interface PlaceFilter {
  /** The page as stored; with `family`, the root of the pages counted (`` for every page). */
  page?: { page: string; family: boolean }
  lang?: string
  channel?: string
}

/** What the questions from one place went to (see {@link placeCounts}). */
export interface PlaceCounts {
  /** Questions read. */
  questions: number
  /** Of them, escalated or below the confidence given. */
  unanswered: number
  /** Questions per entry they went to, most first (ties by id). */
  entries: { entryId: string; count: number }[]
}

/**
 * What the questions from one place in [from, to) went to: for each event the entry a person
 * resolved it with, else the option the user picked, else the answer given (an event counts
 * once, for one entry; one that went nowhere counts only as a question). Reads at most
 * `maxEvents` events, the most recent first: a page through the `events_page` index, the whole
 * log (and, as SQLite's planner chooses, a page family) through the time-ordered ids, newest first.
 */
export function placeCounts(db: Database.Database, keys: EntryKeys, filter: PlaceFilter, from: number, to: number, options: { maxEvents?: number; lowConfidence?: number } = {}): PlaceCounts {
  const [lo, hi] = idRange(from, to)
  const where = ['e.id BETWEEN @lo AND @hi']
  const params: Record<string, string | number> = { lo, hi, low: Math.round((options.lowConfidence ?? 0) * SCALE), max: options.maxEvents ?? -1 }
  if (filter.page && !filter.page.family) {
    where.push('e.page = @page')
    params.page = filter.page.page
  } else if (filter.page) {
    // A range on the index, then only the root itself or pages below it (not `/products-old`).
    where.push("e.page >= @page AND e.page < @below AND (e.page = @page OR substr(e.page, length(@page) + 1, 1) = '/')")
    params.page = filter.page.page
    params.below = `${filter.page.page}0` // '0' follows '/': every page under the root sorts before it
  }
  if (filter.lang !== undefined) {
    where.push('e.lang = @lang')
    params.lang = filter.lang
  }
  if (filter.channel !== undefined) {
    where.push('e.channel = @channel')
    params.channel = filter.channel
  }
  const rows = db
    .prepare(
      // The newest matching events first (an index range: page, then id), then what each went to.
      `SELECT k, count(*) n, sum(u) u FROM (
         SELECT coalesce(
                  (SELECT f.entry FROM feedback f WHERE f.event_id = e.id AND f.kind IN ('picked', 'resolved') AND f.entry IS NOT NULL
                   ORDER BY f.kind = 'resolved' DESC, f.id DESC LIMIT 1),
                  e.answer) AS k,
                (e.decision = 2 OR e.confidence < @low) AS u
         FROM (SELECT e.id, e.answer, e.decision, e.confidence FROM events e WHERE ${where.join(' AND ')} ORDER BY e.id DESC LIMIT @max) e)
       GROUP BY k`,
    )
    .all(params) as { k: number | null; n: number; u: number }[]
  return placeCountsOf(rows.map((r) => ({ ...r, k: r.k === null ? null : keys.id(db, r.k)! })))
}

/**
 * A place's counts from its rows grouped by the entry each question went to (`k`, null for
 * none), with the questions (`n`) and the unanswered ones (`u`) of each: what both hit logs' SQL
 * gives. Entries most first, ties by id.
 */
export function placeCountsOf(rows: readonly { k: string | null; n: number; u: number }[]): PlaceCounts {
  let questions = 0
  let unanswered = 0
  const entries: { entryId: string; count: number }[] = []
  for (const r of rows) {
    questions += r.n
    unanswered += r.u
    if (r.k !== null) entries.push({ entryId: r.k, count: r.n })
  }
  entries.sort((a, b) => b.count - a.count || (a.entryId < b.entryId ? -1 : 1))
  return { questions, unanswered, entries }
}

/** The pages with the most questions in [from, to), most first (ties by page), at most `limit`. */
export function busiestPages(db: Database.Database, from: number, to: number, limit: number): { page: string; questions: number }[] {
  const [lo, hi] = idRange(from, to)
  const rows = db.prepare('SELECT page, count(*) n FROM events WHERE id BETWEEN ? AND ? AND page IS NOT NULL GROUP BY page ORDER BY n DESC, page LIMIT ?').all(lo, hi, limit) as { page: string; n: number }[]
  return rows.map((r) => ({ page: r.page, questions: r.n }))
}

/** Events per reason in [from, to) (a reason this version does not know is counted under its stored text). */
export function reasonCounts(db: Database.Database, from: number, to: number): Map<string, number> {
  const [lo, hi] = idRange(from, to)
  const rows = db.prepare('SELECT reason r, reason_text t, count(*) n FROM events WHERE id BETWEEN ? AND ? GROUP BY reason, reason_text').all(lo, hi) as { r: number; t: string | null; n: number }[]
  const out = new Map<string, number>()
  for (const row of rows) {
    const reason: string = reasonOf(row.r, row.t)
    out.set(reason, (out.get(reason) ?? 0) + row.n)
  }
  return out
}
