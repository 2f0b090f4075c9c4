/**
 * The analytics queries of the PostgreSQL hit log: the same aggregates as the SQLite log's
 * `src/hitlog/queries.ts`, with the same counting rules, in SQL over `kotae_events` and
 * `kotae_feedback`. Events are in [from, to) by their time (ms, floored, as the SQLite log's id
 * ranges are); feedback by its own time. Confidences are stored to 1e-4, and a threshold is
 * rounded the same way before it is compared, as the SQLite log compares its integer units.
 * Sorting that picks rows (busiest pages, decisions) uses the "C" collation, byte order, which is
 * SQLite's. Each function takes a pool (or a client) and returns plain values; the log decides
 * when its queue is written first and how failures are reported.
 */
import type pg from 'pg'
import type { Feedback } from '../hitlog/feedback.js'
import { placeCountsOf, type PlaceCounts, type PlaceFilter } from '../hitlog/queries.js'
import type { EntryCounts, HitEvent, LoggedQuery, ResolvedQuery, SuggestionDecision, SuggestionEvidence, SuggestionStatus, UnansweredRow } from '../hitlog/reader.js'
import { DECISIONS, SCALE } from '../hitlog/store.js'
import type { DecisionKind } from '../schema.js'
import { decodeEvent, type StoredEventRow } from './hitlog-rows.js'

/** What the queries run on. */
export type Queryable = pg.Pool | pg.PoolClient

/** A time bound as a bigint parameter: floored, and kept within what JavaScript numbers hold exactly. */
function ms(t: number): number {
  if (Number.isNaN(t)) return 0
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.floor(t)))
}

/** The event-time bounds of [from, to): `time >= $1 AND time < $2` (times are never negative). */
const range = (from: number, to: number): [number, number] => [Math.max(0, ms(from)), ms(to)]

/** A confidence threshold rounded to the stored precision (1e-4), so `confidence < $x` compares what the SQLite log compares. */
const threshold = (x: number) => Math.round(x * SCALE) / SCALE

/** `ORDER BY` position of a decision, in the SQLite log's stored order. */
const DECISION_ORDER = `CASE decision ${DECISIONS.map((d, i) => `WHEN '${d}' THEN ${i}`).join(' ')} END`

/** One event by id; undefined when unknown. */
export async function readEvent(db: Queryable, id: string): Promise<HitEvent | undefined> {
  if (typeof id !== 'string') return undefined
  const { rows } = await db.query<StoredEventRow>('SELECT * FROM kotae_events WHERE id = $1', [id])
  return rows[0] ? decodeEvent(rows[0]) : undefined
}

/** First and last event time and the number of events. */
export async function coverage(db: Queryable): Promise<{ first: number | null; last: number | null; events: number }> {
  const { rows } = await db.query<{ lo: string | null; hi: string | null; n: number }>('SELECT min(time) lo, max(time) hi, count(*)::int n FROM kotae_events')
  const r = rows[0]!
  return { first: r.lo === null ? null : Number(r.lo), last: r.hi === null ? null : Number(r.hi), events: r.n }
}

/** Event counts per time bucket and decision in [from, to). Bucket index = floor((t - from) / bucketMs), in integers as the SQLite log divides. */
export async function timeline(db: Queryable, from: number, to: number, bucketMs: number): Promise<{ bucket: number; decision: DecisionKind; count: number }[]> {
  const [lo, hi] = range(from, to)
  const { rows } = await db.query<{ b: string | null; d: DecisionKind; n: number }>(
    `SELECT (time - $3::bigint) / NULLIF($4::bigint, 0) b, decision d, count(*)::int n FROM kotae_events
     WHERE time >= $1 AND time < $2 GROUP BY b, d ORDER BY b, ${DECISION_ORDER}`,
    [lo, hi, ms(from), ms(bucketMs)],
  )
  return rows.map((r) => ({ bucket: r.b === null ? (null as unknown as number) : Number(r.b), decision: r.d, count: r.n }))
}

const emptyCounts = (): EntryCounts => ({ top: 0, answers: 0, offered: 0, picked: 0, resolved: 0, helpful: 0, notHelpful: 0, lastHit: null })

/**
 * Per-entry counters over [from, to): top candidate, answers, offered, picked, resolved, (not)
 * helpful, last hit (the SQLite log's `entryCounts`). With `byChannel`, for each channel the
 * events were asked in (events without one left out), feedback counted in its event's channel;
 * otherwise under the channel ''.
 */
async function countsBy(db: Queryable, from: number, to: number, byChannel: boolean): Promise<Map<string, Map<string, EntryCounts>>> {
  const [lo, hi] = range(from, to)
  const ch = byChannel ? 'e.channel' : "''"
  const inChannel = byChannel ? ' AND e.channel IS NOT NULL' : ''
  const events = `FROM kotae_events e WHERE e.time >= $1 AND e.time < $2${inChannel}`
  const group = byChannel ? 'e.channel, ' : ''
  type Row = { c: string; k: string; n: number; t?: string | null; kind?: Feedback['kind'] }
  const [top, answers, offered, feedback] = await Promise.all([
    db.query<Row>(`SELECT ${ch} c, e.top_id k, count(*)::int n ${events} AND e.top_id IS NOT NULL GROUP BY ${group}e.top_id`, [lo, hi]),
    db.query<Row>(`SELECT ${ch} c, e.answer_id k, count(*)::int n, max(e.time) t ${events} AND e.answer_id IS NOT NULL GROUP BY ${group}e.answer_id`, [lo, hi]),
    db.query<Row>(`SELECT ${ch} c, o.k, count(*)::int n FROM kotae_events e CROSS JOIN LATERAL jsonb_array_elements_text(e.options) AS o(k) WHERE e.time >= $1 AND e.time < $2${inChannel} GROUP BY ${group}o.k`, [lo, hi]),
    byChannel
      ? db.query<Row>(
          `SELECT e.channel c, f.kind, f.entry_id k, count(*)::int n, max(f.time) t FROM kotae_feedback f JOIN kotae_events e ON e.id = f.event_id
           WHERE f.time >= $1 AND f.time < $2 AND f.entry_id IS NOT NULL AND e.channel IS NOT NULL GROUP BY e.channel, f.kind, f.entry_id`,
          [ms(from), ms(to)],
        )
      : db.query<Row>(`SELECT '' c, kind, entry_id k, count(*)::int n, max(time) t FROM kotae_feedback WHERE time >= $1 AND time < $2 AND entry_id IS NOT NULL GROUP BY kind, entry_id`, [ms(from), ms(to)]),
  ])
  const out = new Map<string, Map<string, EntryCounts>>()
  const get = (channel: string, id: string) => {
    let m = out.get(channel)
    if (!m) out.set(channel, (m = new Map()))
    let c = m.get(id)
    if (!c) m.set(id, (c = emptyCounts()))
    return c
  }
  const hit = (c: EntryCounts, t: string | null | undefined) => {
    if (t === null || t === undefined) return
    const time = Number(t)
    if (c.lastHit === null || time > c.lastHit) c.lastHit = time
  }
  for (const r of top.rows) get(r.c, r.k).top = r.n
  for (const r of answers.rows) {
    const c = get(r.c, r.k)
    c.answers = r.n
    hit(c, r.t)
  }
  for (const r of offered.rows) get(r.c, r.k).offered = r.n
  for (const r of feedback.rows) {
    const c = get(r.c, r.k)
    if (r.kind === 'picked') (c.picked = r.n), hit(c, r.t)
    else if (r.kind === 'resolved') (c.resolved = r.n), hit(c, r.t)
    else if (r.kind === 'helpful') c.helpful = r.n
    else if (r.kind === 'not-helpful') c.notHelpful = r.n
  }
  return out
}

/** Per-entry counters over [from, to) (see the SQLite log's `entryCounts`). */
export async function entryCounts(db: Queryable, from: number, to: number): Promise<Map<string, EntryCounts>> {
  return (await countsBy(db, from, to, false)).get('') ?? new Map()
}

/** Per-entry counters over [from, to) for each channel of the events in it, channels sorted (byte order); a channel whose entries count nothing has an empty map. */
export async function entryCountsByChannel(db: Queryable, from: number, to: number): Promise<Map<string, Map<string, EntryCounts>>> {
  const [lo, hi] = range(from, to)
  const [channels, counts] = await Promise.all([
    db.query<{ c: string }>('SELECT channel c FROM kotae_events WHERE time >= $1 AND time < $2 AND channel IS NOT NULL GROUP BY channel ORDER BY channel COLLATE "C"', [lo, hi]),
    countsBy(db, from, to, true),
  ])
  return new Map(channels.rows.map((r) => [r.c, counts.get(r.c) ?? new Map<string, EntryCounts>()]))
}

/** Number of events per top candidate in [from, to). */
export async function topCounts(db: Queryable, from: number, to: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ k: string; n: number }>('SELECT top_id k, count(*)::int n FROM kotae_events WHERE time >= $1 AND time < $2 AND top_id IS NOT NULL GROUP BY top_id', range(from, to))
  return new Map(rows.map((r) => [r.k, r.n]))
}

/** How often each pair of entries came back as the top two with a confidence margin ≤ `maxMargin` (in 1e-4 units, as stored), in [from, to). */
export async function closePairs(db: Queryable, from: number, to: number, maxMargin: number): Promise<{ a: string; b: string; count: number }[]> {
  const { rows } = await db.query<{ e1: string; e2: string; n: number }>(
    `SELECT top->0->>'id' e1, top->1->>'id' e2, count(*)::int n FROM kotae_events
     WHERE time >= $1 AND time < $2 AND jsonb_array_length(top) >= 2
       AND round((top->0->>'confidence')::numeric * ${SCALE}) - round((top->1->>'confidence')::numeric * ${SCALE}) <= $3
     GROUP BY 1, 2`,
    [...range(from, to), Math.round(maxMargin * SCALE)],
  )
  const pairs = new Map<string, { a: string; b: string; count: number }>()
  for (const r of rows) {
    const [a, b] = [r.e1, r.e2].sort()
    if (a === b) continue
    const k = `${a}\u0000${b}`
    const p = pairs.get(k) ?? { a: a!, b: b!, count: 0 }
    p.count += r.n
    pairs.set(k, p)
  }
  return [...pairs.values()]
}

/** Events in [from, to) that were escalated or whose confidence was below `lowConfidence`, oldest first. */
export async function unanswered(db: Queryable, from: number, to: number, lowConfidence: number): Promise<UnansweredRow[]> {
  const { rows } = await db.query<{ time: string; query: string | null; query_hash: string | null; lang: string; channel: string | null; top_id: string | null; c1: number | null }>(
    `SELECT time, query, query_hash, lang, channel, top_id, (top->0->>'confidence')::float8 c1 FROM kotae_events
     WHERE time >= $1 AND time < $2 AND (decision = 'escalate' OR confidence < $3) ORDER BY time, id`,
    [...range(from, to), threshold(lowConfidence)],
  )
  return rows.map((r) => ({ time: Number(r.time), query: r.query, queryHash: r.query_hash, lang: r.lang, channel: r.channel, topId: r.top_id, topConfidence: r.c1 ?? 0 }))
}

const PICKS = `FROM kotae_feedback f JOIN kotae_events e ON e.id = f.event_id
  WHERE f.kind IN ('picked', 'resolved') AND f.entry_id IS NOT NULL AND e.query IS NOT NULL AND f.time >= $1 AND f.time < $2 ORDER BY f.id`

/** Queries users picked or humans resolved in [from, to) (by the feedback's time), with the entry they went to. */
export async function resolvedQueries(db: Queryable, from: number, to: number): Promise<ResolvedQuery[]> {
  const { rows } = await db.query<{ kind: 'picked' | 'resolved'; entry_id: string; query: string; time: string }>(`SELECT f.kind, f.entry_id, e.query, f.time ${PICKS}`, [ms(from), ms(to)])
  return rows.map((r) => ({ entryId: r.entry_id, query: r.query, kind: r.kind, time: Number(r.time) }))
}

/** The same picks and resolutions with their events' ids and sessions. */
export async function suggestionEvidence(db: Queryable, from: number, to: number): Promise<SuggestionEvidence[]> {
  const { rows } = await db.query<{ kind: 'picked' | 'resolved'; entry_id: string; query: string; time: string; id: string; session_id: string | null }>(`SELECT f.kind, f.entry_id, e.query, f.time, e.id, e.session_id ${PICKS}`, [ms(from), ms(to)])
  return rows.map((r) => ({ entryId: r.entry_id, query: r.query, kind: r.kind, time: Number(r.time), eventId: r.id, sessionId: r.session_id }))
}

/** Every accepted or rejected suggestion with its time and reason, newest first. */
export async function suggestionDecisions(db: Queryable): Promise<SuggestionDecision[]> {
  const { rows } = await db.query<{ entry_id: string; query: string; status: SuggestionStatus; time: string; reason: string | null }>('SELECT entry_id, query, status, time, reason FROM kotae_suggestions ORDER BY time DESC, entry_id COLLATE "C", query COLLATE "C"')
  return rows.map((r) => ({ entryId: r.entry_id, query: r.query, status: r.status, time: Number(r.time), reason: r.reason }))
}

/** Suggestions already accepted or rejected, keyed `entryId\u0000query`. */
export async function suggestionStatus(db: Queryable): Promise<Map<string, SuggestionStatus>> {
  const { rows } = await db.query<{ entry_id: string; query: string; status: SuggestionStatus }>('SELECT entry_id, query, status FROM kotae_suggestions')
  return new Map(rows.map((r) => [`${r.entry_id}\u0000${r.query}`, r.status]))
}

/** Mark suggestions accepted or rejected in one statement (the last of repeated items wins), reasons already redacted. */
export async function storeSuggestionStatus(db: Queryable, items: readonly { entryId: string; query: string; reason: string | null }[], status: SuggestionStatus, at: number): Promise<void> {
  const unique = [...new Map(items.map((it) => [`${it.entryId}\u0000${it.query}`, it])).values()]
  if (unique.length === 0) return
  await db.query(
    `INSERT INTO kotae_suggestions (entry_id, query, status, time, reason)
     SELECT u.entry_id, u.query, $3, $4, u.reason FROM unnest($1::text[], $2::text[], $5::text[]) AS u(entry_id, query, reason)
     ON CONFLICT (entry_id, query) DO UPDATE SET status = EXCLUDED.status, time = EXCLUDED.time, reason = EXCLUDED.reason`,
    [unique.map((it) => it.entryId), unique.map((it) => it.query), status, ms(at), unique.map((it) => it.reason)],
  )
}

/** The newest `limit` events in [from, to), newest first. */
export async function recentQueries(db: Queryable, from: number, to: number, limit: number): Promise<LoggedQuery[]> {
  const { rows } = await db.query<{ id: string; time: string; query: string | null; lang: string; decision: DecisionKind; answer_id: string | null }>(
    'SELECT id, time, query, lang, decision, answer_id FROM kotae_events WHERE time >= $1 AND time < $2 ORDER BY time DESC, id DESC LIMIT $3',
    [...range(from, to), Math.max(0, Math.floor(limit))],
  )
  return rows.map((r) => ({ eventId: r.id, time: Number(r.time), query: r.query, lang: r.lang, decision: r.decision, answerId: r.answer_id }))
}

/** The pages with the most questions in [from, to), most first (ties by page, byte order), at most `limit` (negative: all). */
export async function busiestPages(db: Queryable, from: number, to: number, limit: number): Promise<{ page: string; questions: number }[]> {
  const { rows } = await db.query<{ page: string; n: number }>(
    'SELECT page, count(*)::int n FROM kotae_events WHERE time >= $1 AND time < $2 AND page IS NOT NULL GROUP BY page ORDER BY n DESC, page COLLATE "C" LIMIT $3',
    [...range(from, to), limit < 0 ? null : Math.floor(limit)],
  )
  return rows.map((r) => ({ page: r.page, questions: r.n }))
}

/**
 * What the questions from one place in [from, to) went to (the SQLite log's `placeCounts`): for
 * each event the entry a person resolved it with, else the option the user picked (the latest),
 * else the answer given; one that went nowhere counts only as a question. Reads at most
 * `maxEvents` events, the most recent first.
 */
export async function placeCounts(db: Queryable, filter: PlaceFilter, from: number, to: number, options: { maxEvents?: number; lowConfidence?: number } = {}): Promise<PlaceCounts> {
  const [lo, hi] = range(from, to)
  const params: unknown[] = [lo, hi, threshold(options.lowConfidence ?? 0), options.maxEvents === undefined ? null : options.maxEvents]
  const where = ['e.time >= $1', 'e.time < $2']
  const param = (value: unknown) => `$${params.push(value)}`
  if (filter.page && !filter.page.family) where.push(`e.page = ${param(filter.page.page)}`)
  else if (filter.page) {
    // The root itself or pages below it (not `/products-old`); '' is the root of every page starting with '/'.
    const root = param(filter.page.page)
    where.push(`(e.page = ${root} OR left(e.page, length(${root}) + 1) = ${root} || '/')`)
  }
  if (filter.lang !== undefined) where.push(`e.lang = ${param(filter.lang)}`)
  if (filter.channel !== undefined) where.push(`e.channel = ${param(filter.channel)}`)
  const { rows } = await db.query<{ k: string | null; n: number; u: number }>(
    `SELECT k, count(*)::int n, sum(u)::int u FROM (
       SELECT coalesce(
                (SELECT f.entry_id FROM kotae_feedback f WHERE f.event_id = e.id AND f.kind IN ('picked', 'resolved') AND f.entry_id IS NOT NULL
                 ORDER BY f.kind = 'resolved' DESC, f.id DESC LIMIT 1),
                e.answer_id) AS k,
              CASE WHEN e.decision = 'escalate' OR e.confidence < $3 THEN 1 ELSE 0 END AS u
       FROM (SELECT e.id, e.answer_id, e.decision, e.confidence FROM kotae_events e WHERE ${where.join(' AND ')} ORDER BY e.time DESC, e.id DESC LIMIT $4) e) s
     GROUP BY k`,
    params,
  )
  return placeCountsOf(rows)
}

/** Events per reason in [from, to) (a reason this version does not know is stored, and counted, as its text). */
export async function reasonCounts(db: Queryable, from: number, to: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ r: string; n: number }>('SELECT reason r, count(*)::int n FROM kotae_events WHERE time >= $1 AND time < $2 GROUP BY reason', range(from, to))
  return new Map(rows.map((r) => [r.r, r.n]))
}
