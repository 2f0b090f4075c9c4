/**
 * The hit log's options: one zod schema with its defaults, so the type, the defaults and their
 * documentation are one thing. The log reads only the parsed output, never a raw option.
 */
import { z } from 'zod'
import type { KotaeError } from '../errors.js'
import { UnsaltedRedactionOptionsSchema } from '../privacy/redact.js'

const functionOf = <F>(what: string) => z.custom<F>((value) => typeof value === 'function', { message: `expected a function (${what})` })

/**
 * Options of `openHitLog`. Durability follows from `flushIntervalMs` and `batchSize`: a process
 * that crashes loses at most the events of the last flush interval (see `writer.ts`).
 */
export const HitLogOptionsSchema = z.object({
  /**
   * How queries, session ids and feedback comments are stored (default: masked). In `hash` mode
   * without a `salt`, a random salt is generated once per log file and kept in its `meta` table,
   * so hashes stay comparable across restarts of the same log (hence the schema without the
   * salt rule: the log supplies its own salt when none is given).
   */
  redaction: UnsaltedRedactionOptionsSchema.prefault({}),
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
