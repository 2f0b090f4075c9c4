/**
 * How the PostgreSQL hit log encodes an event: its id (made by the replica that records it,
 * without asking the database or the other replicas), the row `record` queues (redacted and
 * bounded by the SQLite log's own `LogRedaction` and context rules, so both logs store the same
 * text), the batched INSERT of queued rows, and the decoding of a stored row. Confidences and
 * scores are kept to 1e-4 and latencies to the microsecond, as the SQLite log keeps them, so the
 * two give the same counts for the same events.
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { boundTurns, normalisePage, type StoredTurn } from '../hitlog/context.js'
import type { ResolvedHitLogOptions } from '../hitlog/options.js'
import type { HitEvent, LoggedTurn } from '../hitlog/reader.js'
import type { LogRedaction } from '../hitlog/redaction.js'
import { DECISIONS, MAX_REASON_TEXT, REASONS, SCALE } from '../hitlog/store.js'
import type { AskContext, AskResult, DecisionKind, ReasonCode } from '../schema.js'
import { storable } from './text.js'

/** Crockford's base-32 alphabet (no I, L, O, U): ids stay readable and sort like their times. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** An id this log makes: 10 characters of time (ms), 16 of randomness. */
const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/

/** Random bytes drawn in bulk (one system call per 409 ids). */
let pool = Buffer.alloc(0)
let poolAt = 0

/** `n` base-32 characters of the number `value` (at most 2^50), most significant first. */
function base32(value: number, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) {
    out = ALPHABET[value % 32] + out
    value = Math.floor(value / 32)
  }
  return out
}

/**
 * A new event id: the event's time in ms (10 base-32 characters, so ids sort by time), then 80
 * random bits (16 characters), like a ULID. Replicas make ids without coordination: two of
 * them collide with probability about n²/2^81 for n events in one millisecond, and a retried
 * batch inserts the same ids again, which the INSERT ignores (`ON CONFLICT DO NOTHING`).
 */
export function newEventId(timeMs: number): string {
  if (poolAt + 10 > pool.length) {
    pool = randomBytes(4096)
    poolAt = 0
  }
  const hi = pool.readUIntBE(poolAt, 5)
  const lo = pool.readUIntBE(poolAt + 5, 5)
  poolAt += 10
  return base32(timeMs, 10) + base32(hi, 8) + base32(lo, 8)
}

/** The time (ms) an id made by {@link newEventId} carries; undefined for any other string. */
export function eventIdTime(id: string): number | undefined {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) return undefined
  let t = 0
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i]!)
  return t
}

/** One queued event, redacted, as it will be stored. */
export interface EventRow {
  id: string
  time: number
  session: string | null
  channel: string | null
  page: string | null
  lang: string
  query: string | null
  hash: string | null
  decision: DecisionKind
  /** The engine's reason; one this version does not know is kept as its text (at most 64 characters). */
  reason: string
  confidence: number
  latencyMs: number
  answer: string | null
  top: { id: string; score: number; confidence: number }[]
  options: string[]
  /** The stored turns; null when the ask passed none. */
  turns: StoredTurn[] | null
  turnsOmitted: number | null
}

const scaled = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x * SCALE) / SCALE : 0)

/**
 * The row of one `ask`, redacted exactly like the SQLite writer does it: the query, session id,
 * page (without query string and fragment) and the last `turns.max` turns go through the log's
 * {@link LogRedaction}; the top three candidates, a clarify's options and the answer are kept.
 * `unknownReason` is called for a reason this version does not know (counted in the stats).
 */
export function eventRow(id: string, time: number, result: AskResult, context: AskContext, redaction: LogRedaction, turnLimits: ResolvedHitLogOptions['turns'], unknownReason: () => void): EventRow {
  const query = typeof result.query === 'string' ? result.query : ''
  const red = redaction.query(query)
  const session = context.sessionId === undefined || context.sessionId === null ? null : redaction.session(String(context.sessionId))
  const page = normalisePage(context.page)
  const bounded = boundTurns(context.turns, turnLimits)
  const known = (REASONS as readonly unknown[]).includes(result.reason)
  if (!known) unknownReason()
  const decision: DecisionKind = DECISIONS.includes(result.decision) ? result.decision : 'escalate'
  return {
    id,
    time,
    session: storable(session),
    channel: context.channel === undefined || context.channel === null ? null : storable(String(context.channel)),
    page: page === null ? null : storable(redaction.page(page)),
    lang: storable(typeof result.lang === 'string' ? result.lang : 'und'),
    query: storable(red.text),
    hash: red.hash,
    decision,
    reason: known ? (result.reason as string) : storable(String(result.reason ?? '').slice(0, MAX_REASON_TEXT)),
    confidence: scaled(result.confidence),
    latencyMs: typeof result.latencyMs === 'number' && Number.isFinite(result.latencyMs) ? Math.round(result.latencyMs * 1000) / 1000 : 0,
    answer: result.decision === 'answer' ? storable(result.answer?.id ?? result.candidates?.[0]?.id ?? null) : null,
    top: (result.candidates ?? []).slice(0, 3).map((c) => ({ id: storable(String(c.id)), score: scaled(c.score), confidence: scaled(c.confidence) })),
    options: result.decision === 'clarify' ? (result.options ?? []).slice(0, 3).map((o) => storable(String(o.id))) : [],
    turns: bounded === null ? null : bounded.turns.map((t) => {
      const stored = redaction.turn(t, turnLimits.maxChars)
      return { ...stored, role: storable(stored.role), text: storable(stored.text) }
    }),
    turnsOmitted: bounded?.omitted ?? null,
  }
}

/**
 * Insert a batch in one statement (one row per array element, through `unnest`), whatever its
 * size. Ids already stored are skipped: a batch retried after a commit whose answer was lost
 * (the connection dropped) is not stored twice.
 */
export async function insertEvents(db: pg.Pool | pg.PoolClient, rows: readonly EventRow[], replica: string): Promise<void> {
  const col = <T>(f: (r: EventRow) => T) => rows.map(f)
  await db.query({
    name: 'kotae_insert_events',
    text: `INSERT INTO kotae_events (id, time, session_id, channel, page, lang, query, query_hash, decision, reason, confidence, latency_ms,
             answer_id, top_id, top, options, turns, turns_omitted, replica)
           SELECT u.*, $19::text FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
             $9::text[], $10::text[], $11::float8[], $12::float8[], $13::text[], $14::text[], $15::jsonb[], $16::jsonb[], $17::jsonb[], $18::int[]) AS u
           ON CONFLICT (id) DO NOTHING`,
    values: [
      col((r) => r.id),
      col((r) => r.time),
      col((r) => r.session),
      col((r) => r.channel),
      col((r) => r.page),
      col((r) => r.lang),
      col((r) => r.query),
      col((r) => r.hash),
      col((r) => r.decision),
      col((r) => r.reason),
      col((r) => r.confidence),
      col((r) => r.latencyMs),
      col((r) => r.answer),
      col((r) => r.top[0]?.id ?? null),
      col((r) => JSON.stringify(r.top)),
      col((r) => JSON.stringify(r.options)),
      col((r) => (r.turns === null ? null : JSON.stringify(r.turns))),
      col((r) => r.turnsOmitted),
      replica,
    ],
  })
}

/** A stored event row, as `SELECT * FROM kotae_events` gives it. */
export interface StoredEventRow {
  id: string
  time: string
  session_id: string | null
  channel: string | null
  page: string | null
  lang: string
  query: string | null
  query_hash: string | null
  decision: DecisionKind
  reason: string
  confidence: number
  latency_ms: number
  answer_id: string | null
  top: { id: string; score: number; confidence: number }[]
  options: string[]
  turns: StoredTurn[] | null
  turns_omitted: number | null
  replica: string | null
}

/** Decode a stored row into the {@link HitEvent} the SQLite log gives for the same event. */
export function decodeEvent(r: StoredEventRow): HitEvent {
  return {
    id: r.id,
    time: Number(r.time),
    sessionId: r.session_id,
    channel: r.channel,
    page: r.page,
    turns: (r.turns ?? []).map((t): LoggedTurn => ({ role: t.role, text: t.text, textHash: t.hash, at: t.at === null ? null : new Date(t.at).toISOString(), cut: t.cut })),
    turnsOmitted: r.turns_omitted,
    lang: r.lang,
    query: r.query,
    queryHash: r.query_hash,
    decision: r.decision,
    reason: r.reason as ReasonCode,
    confidence: r.confidence,
    latencyMs: r.latency_ms,
    answerId: r.answer_id,
    top: r.top.map((c) => ({ id: c.id, score: c.score, confidence: c.confidence })),
    options: [...r.options],
  }
}
