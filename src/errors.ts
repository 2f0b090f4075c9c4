/**
 * The error catalogue. Every error kotae throws on purpose is a {@link KotaeError} built by
 * {@link createError}: a stable `code` a caller can branch on, `details` typed per code (which
 * file, row, field, event...), and a message made from the code's one template, so the same
 * situation always reads the same way and says what to do. Add a code here (with its README row),
 * never a message at a throw site.
 */

/** One problem found by a schema check: where (a dotted path) and what was expected. */
export interface SchemaProblem {
  /** Dotted path of the field (`hnsw.m`, `entries.3.lang`); empty for the value itself. */
  path: string
  message: string
}

/** One problem of one row of an input file (FAQ or labelled queries). */
export interface RowProblem {
  /** 1-based row or line number in the file; 0 for the file as a whole. */
  row: number
  field?: string
  message: string
}

/** The `details` each code carries. */
export interface ErrorDetails {
  /** Options (of a call, a store, a command) that fail their schema. */
  INVALID_OPTIONS: { where: string; problems: SchemaProblem[] }
  /** An argument that is not an options object has the wrong type or value. */
  INVALID_ARGUMENT: { where: string; argument: string; expected: string; received: string }
  /** A command line that cannot be run as given (conflicting flags, a value out of range, an output that exists). */
  CLI_USAGE: { command: string; problem: string; hint: string }
  /** A text value that should be a duration (`90d`, `12h`). */
  INVALID_DURATION: { option: string; text: string }
  /** FAQ entries that fail validation. */
  FAQ_INVALID: { source: string; problems: RowProblem[] }
  /** An FAQ file that cannot be read at all: format, encoding, broken CSV/JSON, unreadable workbook. */
  FAQ_UNREADABLE: { source: string; reason: string; hint: string; line?: number }
  /** An FAQ over an import limit (file size, rows, cells, text length). */
  FAQ_TOO_LARGE: { source: string; limit: string; value: number; max: number; hint: string }
  /** Two or more entries share an id. */
  DUPLICATE_ID: { source: string; ids: string[]; rows: number[] }
  /** An FAQ with no entries. */
  EMPTY_FAQ: { source: string }
  /** A column mapping names a field kotae does not have. */
  UNKNOWN_COLUMN_FIELD: { header: string; field: string; allowed: string[] }
  /** A labelled-queries file (benchmark or calibration) that cannot be used. */
  QUERIES_INVALID: { source: string; problems: RowProblem[] }
  /** A folder that is not a benchmark set. */
  NOT_A_BENCHMARK_SET: { dir: string; missing: string[] }
  /** Labelled queries that cannot calibrate this base. */
  CALIBRATION_DATA: { problem: string; query?: number }
  /** An entry id that is not in the knowledge base. */
  UNKNOWN_ENTRY: { entryId: string; where: string }
  /** The embedder cannot be loaded or run. */
  EMBEDDER_UNAVAILABLE: { model: string; reason: string; hint: string; searched?: string[]; missing?: string[]; folder?: string }
  /** The base was built with another embedder than the one given. */
  EMBEDDER_MISMATCH: { dir: string; built: string; given: string; hint: string }
  /** No knowledge base at a path. */
  KB_NOT_FOUND: { dir: string; reason: string }
  /** A base written by an incompatible format version. */
  KB_VERSION: { dir: string; version: number; supported: number }
  /** A base file missing, changed or not what it claims. */
  KB_CORRUPT: { dir: string; file: string; reason: string; field?: string }
  /** A save that failed; the previous base is unchanged. */
  KB_WRITE: { dir: string; reason: string; hint: string; file?: string; step?: string; errno?: string; files?: string[] }
  /** Another writer holds the base's lock. */
  KB_LOCKED: { dir: string; lockFile: string; reason: string; holder: unknown; waitedMs?: number }
  /** A context block cannot fit its token budget. */
  CONTEXT_BUDGET: { maxTokens: number; headerTokens: number }
  /** A redaction pattern that is not a valid regular expression. */
  INVALID_PATTERN: { name: string; pattern: string; reason: string }
  /** Feedback that does not fit its event. */
  INVALID_FEEDBACK: { eventId: string; problem: string }
  /** An event id the hit log does not have. */
  UNKNOWN_EVENT: { eventId: string; path: string }
  /** Suggestion ids that are unknown or already decided. */
  UNKNOWN_SUGGESTION: { ids: string[]; hint: string }
  /** Suggestions whose entries are gone from the base. */
  STALE_SUGGESTION: { ids: string[]; entries: string[] }
  /** No hit log where one was expected. */
  LOG_NOT_FOUND: { path: string; hint: string }
  /** The hit log is closed. */
  LOG_CLOSED: { path: string; dropped: number }
  /** A hit log written by a newer kotae. */
  LOG_VERSION: { path: string; version: number; supported: number }
  /** The hit log could not store something; `dropped` events are lost and said so. */
  LOG_STORE: { path: string; reason: string; hint: string; dropped: number; queued?: number; sqliteCode?: string; incident?: 'queue-full' | 'write-failed' | 'store-gone' | 'id-reassigned' }
  /** A PostgreSQL store could not be reached or refused a query (`store` is its URL without the password). */
  STORE_UNAVAILABLE: { store: string; reason: string; hint: string; pgCode?: string }
  /** A PostgreSQL store's schema was migrated by a newer kotae. */
  STORE_VERSION: { store: string; version: number; supported: number }
  /** An HTTP request whose body, path or query does not fit the route's schema. */
  INVALID_REQUEST: { route: string; problems: SchemaProblem[] }
  /** An HTTP request without the server's bearer token, or with another one. */
  UNAUTHORIZED: { route: string; reason: string }
  /** An HTTP request whose body is over the server's limit. */
  REQUEST_TOO_LARGE: { route: string; limitBytes: number }
  /** An HTTP request for a path or method the server does not have. */
  UNKNOWN_ROUTE: { method: string; path: string; routes: string[] }
}

/** One of the stable error codes. */
export type KotaeErrorCode = keyof ErrorDetails

const list = (items: readonly string[], max = 5): string => items.slice(0, max).join(', ') + (items.length > max ? `, … (${items.length} in all)` : '')
const rows = (problems: readonly RowProblem[], max = 10): string =>
  problems
    .slice(0, max)
    .map((p) => `${p.row > 0 ? `row ${p.row}` : 'file'}${p.field ? ` (${p.field})` : ''}: ${p.message}`)
    .join('; ') + (problems.length > max ? `; … (${problems.length} problems in all)` : '')
const fields = (problems: readonly SchemaProblem[]): string => problems.map((p) => `${p.path || '(value)'}: ${p.message}`).join('; ')
const sentence = (text: string): string => (text === '' ? '' : ` ${text[0]!.toUpperCase()}${text.slice(1)}${/[.!?)]$/.test(text) ? '' : '.'}`)

/** What each code means (the README's error table) and the one template its messages are made from. */
export const ERROR_CATALOGUE: { [C in KotaeErrorCode]: { summary: string; message: (d: ErrorDetails[C]) => string } } = {
  INVALID_OPTIONS: { summary: 'Options that fail their schema: the message names each field and what it expects.', message: (d) => `${d.where}: invalid options: ${fields(d.problems)}` },
  INVALID_ARGUMENT: { summary: 'An argument of the wrong type or value.', message: (d) => `${d.where}: ${d.argument} must be ${d.expected}, got ${d.received}` },
  CLI_USAGE: { summary: 'A command line that cannot be run as given.', message: (d) => `kotae ${d.command}: ${d.problem}.${sentence(d.hint)}` },
  INVALID_DURATION: { summary: 'A duration that cannot be read.', message: (d) => `${d.option} "${d.text}" is not a duration: use a number and a unit, m (minutes), h (hours), d (days) or w (weeks), such as 90d` },
  FAQ_INVALID: { summary: 'FAQ rows that cannot be imported; `details.problems` lists every one.', message: (d) => `${d.source}: ${d.problems.length} problem(s) in the FAQ: ${rows(d.problems)}` },
  FAQ_UNREADABLE: { summary: 'The FAQ file cannot be read (format, encoding, broken CSV/JSON, workbook).', message: (d) => `${d.source}: ${d.reason}${d.line === undefined ? '' : ` (line ${d.line})`}.${sentence(d.hint)}` },
  FAQ_TOO_LARGE: { summary: 'The FAQ is over an import limit.', message: (d) => `${d.source}: ${d.limit} is ${d.value.toLocaleString('en-US')}, over the import limit of ${d.max.toLocaleString('en-US')}.${sentence(d.hint)}` },
  DUPLICATE_ID: { summary: 'Two or more FAQ entries share an id; ids must be unique.', message: (d) => `${d.source}: duplicate entry id(s) ${list(d.ids)} (rows ${list(d.rows.map(String))}); give each entry its own id` },
  EMPTY_FAQ: { summary: 'The FAQ has no entries.', message: (d) => `${d.source}: the FAQ has no entries; expected a header row and at least one entry` },
  UNKNOWN_COLUMN_FIELD: { summary: 'A column mapping names an unknown field.', message: (d) => `columns: "${d.header}" maps to unknown field "${d.field}"; use one of ${d.allowed.join(', ')}` },
  QUERIES_INVALID: { summary: 'A labelled-queries file that cannot be used; `details.problems` lists every line.', message: (d) => `${d.source}: ${rows(d.problems)}` },
  NOT_A_BENCHMARK_SET: { summary: 'A folder that is not a benchmark set.', message: (d) => `${d.dir} is not a benchmark set: it needs ${d.missing.join(' and ')} (see FORMAT.md)` },
  CALIBRATION_DATA: { summary: 'Labelled queries that cannot calibrate this base.', message: (d) => `calibration${d.query === undefined ? '' : ` query ${d.query}`}: ${d.problem}` },
  UNKNOWN_ENTRY: { summary: 'An entry id that is not in the knowledge base.', message: (d) => `${d.where}: entry "${d.entryId}" is not in the knowledge base` },
  EMBEDDER_UNAVAILABLE: { summary: 'The embedder cannot be loaded or run.', message: (d) => `embedding model "${d.model}" cannot be used: ${d.reason}.${sentence(d.hint)}` },
  EMBEDDER_MISMATCH: { summary: 'The knowledge base was built with another embedder.', message: (d) => `${d.dir} was built with the embedder ${d.built}, not ${d.given}.${sentence(d.hint)}` },
  KB_NOT_FOUND: { summary: 'No knowledge base at this path.', message: (d) => `no knowledge base at ${d.dir}: ${d.reason}` },
  KB_VERSION: { summary: 'The knowledge base was written by an incompatible format version.', message: (d) => `${d.dir} has format version ${d.version}; this kotae reads version ${d.supported}. Rebuild it with \`kotae build\`` },
  KB_CORRUPT: { summary: 'A knowledge-base file is missing, damaged, or disagrees with the manifest; rebuild the base.', message: (d) => `${d.dir}: ${d.file} ${d.reason}; rebuild the knowledge base with \`kotae build\`` },
  KB_WRITE: { summary: 'The knowledge base could not be saved (disk full, permission, not a kotae folder); the previous base is unchanged.', message: (d) => `could not save the knowledge base to ${d.dir}: ${d.reason}.${sentence(d.hint)}` },
  KB_LOCKED: { summary: 'Another process is saving to this knowledge-base folder.', message: (d) => `${d.dir}: ${d.reason}` },
  CONTEXT_BUDGET: { summary: 'A context block cannot fit its token budget.', message: (d) => `context: maxTokens ${d.maxTokens} is smaller than the header alone (${d.headerTokens} tokens)` },
  INVALID_PATTERN: { summary: 'A redaction pattern that is not a valid regular expression.', message: (d) => `redaction pattern "${d.name}" is not a valid regular expression: ${d.reason}` },
  INVALID_FEEDBACK: { summary: 'Feedback that does not fit its event.', message: (d) => `feedback for event ${d.eventId}: ${d.problem}` },
  UNKNOWN_EVENT: { summary: 'An event id the hit log does not have.', message: (d) => `no event with id "${d.eventId}" in the hit log ${d.path}; use the eventId returned by ask` },
  UNKNOWN_SUGGESTION: { summary: 'Suggestion ids that are unknown or already decided.', message: (d) => `unknown or already decided suggestion id(s): ${list(d.ids)}.${sentence(d.hint)}` },
  STALE_SUGGESTION: { summary: 'Suggestions whose entries are no longer in the base.', message: (d) => `suggestion(s) ${list(d.ids)} point to entries no longer in the knowledge base (${list(d.entries)}); reject them or rebuild with those entries` },
  LOG_NOT_FOUND: { summary: 'No hit log where one was expected.', message: (d) => `no hit log at ${d.path}.${sentence(d.hint)}` },
  LOG_CLOSED: { summary: 'The hit log is closed.', message: (d) => `the hit log ${d.path} is closed${d.dropped > 0 ? `; ${d.dropped} event(s) were not recorded` : ''}` },
  LOG_VERSION: { summary: 'The hit log was written by a newer kotae.', message: (d) => `the hit log ${d.path} has schema version ${d.version}, newer than this kotae understands (${d.supported}); upgrade kotae or start a new log` },
  LOG_STORE: { summary: 'The hit log could not store something (damaged, deleted or replaced file, full disk, lock): lost events are counted in `details.dropped`, the kind of loss is `details.incident`.', message: (d) => `the hit log ${d.path}: ${d.reason}.${sentence(d.hint)}` },
  STORE_UNAVAILABLE: { summary: 'A PostgreSQL store could not be reached or refused a query.', message: (d) => `the store ${d.store}: ${d.reason}${d.pgCode ? ` (PostgreSQL ${d.pgCode})` : ''}.${sentence(d.hint)}` },
  STORE_VERSION: { summary: 'A PostgreSQL store was migrated by a newer kotae.', message: (d) => `the store ${d.store} has schema version ${d.version}, newer than this kotae understands (${d.supported}); upgrade kotae on every replica, or use another database` },
  INVALID_REQUEST: { summary: 'An HTTP request that does not fit its route (status 400).', message: (d) => `${d.route}: ${d.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}` },
  UNAUTHORIZED: { summary: 'An HTTP request without the server\'s bearer token (status 401).', message: (d) => `${d.route}: ${d.reason}; send the header \`Authorization: Bearer <token>\` with the token the server was started with (--token or KOTAE_TOKEN)` },
  REQUEST_TOO_LARGE: { summary: 'An HTTP request body over the server\'s limit (status 413).', message: (d) => `${d.route}: the body is larger than ${d.limitBytes} bytes; send a shorter question (only the first characters are searched anyway), or start the server with a larger --body-limit` },
  UNKNOWN_ROUTE: { summary: 'An HTTP path or method the server does not have (status 404).', message: (d) => `${d.method} ${d.path} is not a route of this server; the routes are ${d.routes.join(', ')} (the document is at /openapi.json)` },
}

/** An error with a stable code, typed details and a message from the code's template. */
export class KotaeError<C extends KotaeErrorCode = KotaeErrorCode> extends Error {
  readonly code: C
  /**
   * What went wrong, as data: typed per code once narrowed (`isKotaeError(e, 'KB_CORRUPT')`
   * gives `details.file: string`); on an error not narrowed yet, a field reads as `unknown`.
   */
  readonly details: ErrorDetails[C] & Readonly<Record<string, unknown>>

  /** Prefer {@link createError}; the constructor exists so `instanceof` works. */
  constructor(code: C, details: ErrorDetails[C], options?: { cause?: unknown }) {
    super(ERROR_CATALOGUE[code].message(details as never), options)
    this.name = 'KotaeError'
    this.code = code
    this.details = details as ErrorDetails[C] & Readonly<Record<string, unknown>>
  }
}

/** The one way to build a kotae error: its message comes from the code's template. */
export function createError<C extends KotaeErrorCode>(code: C, details: ErrorDetails[C], options?: { cause?: unknown }): KotaeError<C> {
  return new KotaeError(code, details, options)
}

/** Whether `error` is a kotae error with this code; narrows `details` to the code's type. */
export function isKotaeError<C extends KotaeErrorCode>(error: unknown, code: C): error is KotaeError<C> {
  return error instanceof KotaeError && error.code === code
}
