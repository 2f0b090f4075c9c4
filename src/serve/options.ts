/**
 * Options of `kotae serve` / {@link startServer}: one zod schema with its defaults. Binding beyond
 * the local machine needs a bearer token (a server on a network address without one is refused
 * at start, not discovered later).
 */
import { z } from 'zod'
import { DEFAULT_REPORT_OPTIONS } from '../ops/report/index.js'
import { AskOptionsSchema } from '../schema.js'

/** Hosts that only the local machine reaches (no token needed). */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost']

/** Options of the HTTP server (see the field comments). */
export const ServeOptionsSchema = z.strictObject({
  /** TCP port (0: any free port; the server reports the one it got). */
  port: z.number().int().min(0).max(65_535).default(8080),
  /** Address to bind. Anything but loopback (127.0.0.1, ::1, localhost) requires `token`. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Bearer token every request but /healthz and /readyz must send (`Authorization: Bearer <token>`). */
  token: z.string().min(16, 'a token is at least 16 characters (e.g. `openssl rand -hex 24`)').max(512).optional(),
  /** Largest request body, bytes (a larger one gets 413 REQUEST_TOO_LARGE before it is parsed). */
  bodyLimitBytes: z.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** Longest a request may take, ms, from its first byte (0: no limit). */
  requestTimeoutMs: z.number().int().nonnegative().default(30_000),
  /** Write the customers' questions into the server's log lines (off: only decision, language, confidence, latency, ids). */
  logQueries: z.boolean().default(false),
  /** pino log level; `silent` writes nothing. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The report window `GET /v1/report` uses when the request gives none. */
  reportSince: z.string().default(String(DEFAULT_REPORT_OPTIONS.since)),
  /** Longest a skill may run during an ask (see `AskOptions.skillTimeoutMs`). */
  skillTimeoutMs: AskOptionsSchema.shape.skillTimeoutMs,
  /** Only the first this many characters of a question are searched (see `AskOptions.maxQuestionLength`). */
  maxQuestionLength: z.number().int().min(1).max(100_000).default(AskOptionsSchema.shape.maxQuestionLength.parse(undefined)),
})
/** Options of the HTTP server, as a caller writes them. */
export type ServeOptions = z.input<typeof ServeOptionsSchema>
/** Options of the HTTP server, defaults applied. */
export type ResolvedServeOptions = z.output<typeof ServeOptionsSchema>
/** The defaults of {@link ServeOptionsSchema}. */
export const DEFAULT_SERVE_OPTIONS: ResolvedServeOptions = Object.freeze(ServeOptionsSchema.parse({}))
