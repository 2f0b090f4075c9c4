/**
 * The hit log's options: one zod schema with its defaults, so the type, the defaults and their
 * documentation are one thing. The log reads only the parsed output, never a raw option.
 */
import { z } from 'zod'
import type { KotaeError } from '../errors.js'
import { UnsaltedRedactionOptionsSchema } from '../privacy/redact.js'

const functionOf = <F>(what: string) => z.custom<F>((value) => typeof value === 'function', { message: `expected a function (${what})` })

const DAY_MS = 86_400_000

/**
 * How much of a conversation each event keeps (`AskContext.turns`): the last `max` turns, each
 * at most `maxChars` characters after redaction. Every ask of a conversation passes the turns so
 * far, so these bound what one event adds to the file; the event counts the turns left out, each
 * turn the characters cut.
 */
export const TurnLimitsSchema = z.object({
  /** Most turns stored per event (the last ones); 0 stores none (the event still counts them as left out). */
  max: z.number().int().min(0).max(200).default(20),
  /** Most characters stored per turn (of the redacted text). */
  maxChars: z.number().int().min(1).max(20_000).default(1000),
})
/** Turn limits, as a caller writes them (see {@link TurnLimitsSchema}). */
export type TurnLimits = z.input<typeof TurnLimitsSchema>

/**
 * How `entriesAskedFrom` (page-aware suggestions, `kb.suggestFor`) reads the log: over a recent
 * window, at most `maxEvents` events per place, and with answers cached briefly because a page
 * may ask on every view.
 */
export const PlaceCountsSchema = z.object({
  /** Only questions of the last this many ms count (default 30 days). */
  windowMs: z.number().int().positive().default(30 * DAY_MS),
  /** Only the most recent this many questions of a place (or of the whole log, for the fallback) are read: the work per call is bounded. */
  maxEvents: z.number().int().positive().default(20_000),
  /** An answer is reused for this long, ms, unless this log has recorded new events since (0: never reused). Other processes' events are seen once it expires. */
  cacheMs: z.number().int().nonnegative().default(60_000),
})
/** Place-count options, as a caller writes them (see {@link PlaceCountsSchema}). */
export type PlaceCountsOptions = z.input<typeof PlaceCountsSchema>

/**
 * Options of `openHitLog`. Durability follows from `flushIntervalMs` and `batchSize`: a process
 * that crashes loses at most the events of the last flush interval (see `writer.ts`).
 */
export const HitLogOptionsSchema = z.object({
  /**
   * How queries, pages, conversation turns, session ids and feedback comments are stored (default: masked). In `hash` mode
   * without a `salt`, a random salt is generated once per log file and kept in its `meta` table,
   * so hashes stay comparable across restarts of the same log (hence the schema without the
   * salt rule: the log supplies its own salt when none is given).
   */
  redaction: UnsaltedRedactionOptionsSchema.prefault({}),
  /** How many turns of a conversation each event keeps, and how long each (see {@link TurnLimitsSchema}). */
  turns: TurnLimitsSchema.prefault({}),
  /** How page-aware suggestions read the log (see {@link PlaceCountsSchema}). */
  places: PlaceCountsSchema.prefault({}),
  /** Write as soon as this many events are queued. */
  batchSize: z.number().int().positive().default(256),
  /**
   * Write queued events at least this often, ms. This bounds what a crash loses: the events of
   * the last interval. 0 writes every event at once, inside `record`.
   */
  flushIntervalMs: z.number().int().nonnegative().default(1_000),
  /** Most events kept in memory while the store is failing; older ones are dropped and reported. */
  maxQueue: z.number().int().positive().default(20_000),
  /** How long queued events are retried while writes fail, ms; then they are dropped and reported. */
  retryForMs: z.number().int().nonnegative().default(60_000),
  /** How long a write may wait for another process's lock, ms (short: logging must not stall answers). */
  busyTimeoutMs: z.number().int().nonnegative().default(20),
  /** After a failed open, retry at most this often, ms. */
  reopenIntervalMs: z.number().int().nonnegative().default(5_000),
  /** Run `PRAGMA quick_check` when an existing file is opened, so a damaged log is found at once (it reads the whole file). */
  quickCheck: z.boolean().default(true),
  /** Throw the `LOG_STORE` error when the store cannot be opened (for reports); false: report it and retry later, so the bot keeps answering. */
  strict: z.boolean().default(false),
  /**
   * Called with every store failure and every loss: a `LOG_STORE` KotaeError (details:
   * `HitLogErrorDetails`, with the count and kind of the loss), or `LOG_VERSION` for a file
   * written by a newer kotae, `LOG_CLOSED` for an event recorded after `close()`. Without it,
   * 'error' listeners, else a process warning.
   */
  onError: functionOf<(error: KotaeError) => void>('onError').optional(),
  /** Clock for event times, ms since epoch (tests). Flush scheduling uses the monotonic clock. */
  now: functionOf<() => number>('now').default(() => Date.now),
})

/** Options of `openHitLog`, as a caller writes them (every field optional). */
export type HitLogOptions = z.input<typeof HitLogOptionsSchema>
/** Options of `openHitLog` with the defaults applied. */
export type ResolvedHitLogOptions = z.output<typeof HitLogOptionsSchema>

/** The defaults of every hit-log option. */
export const DEFAULT_HITLOG_OPTIONS: ResolvedHitLogOptions = Object.freeze(HitLogOptionsSchema.parse({}))

/** Options of one `HitLog.entriesAskedFrom` call (the engine passes `limit` and `minSupport`). */
export const PlaceQueryOptionsSchema = z.object({
  /** Most entries returned. */
  limit: z.number().int().min(1).max(100).default(5),
  /** Least number of questions an entry needs from the place to be returned (and the place in all, else the overall top entries stand in). */
  minSupport: z.number().int().min(1).default(3),
  /** Window length, ms (default: the log's `places.windowMs`, 30 days). */
  windowMs: z.number().int().positive().optional(),
})
/** Options of one `entriesAskedFrom` call, as a caller writes them. */
export type PlaceQueryOptions = z.input<typeof PlaceQueryOptionsSchema>
