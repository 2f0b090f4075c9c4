/**
 * The error catalogue: every error kotae throws on purpose carries a stable `code` that callers
 * can switch on, and a message a person can act on (what, where, what was expected).
 */

/** Stable error codes. Add new codes here, never inline. */
export const ERROR_CODES = {
  INVALID_INPUT: 'Invalid input: check the field named in the message.',
  FAQ_INVALID: 'The FAQ file has rows that cannot be imported; see the report.',
  FAQ_UNREADABLE: 'The FAQ file cannot be read (format, encoding or sheet).',
  DUPLICATE_ID: 'Two FAQ entries share an id; ids must be unique.',
  EMPTY_FAQ: 'The FAQ has no entries.',
  EMBEDDER_UNAVAILABLE: 'The configured embedder cannot be loaded.',
  EMBEDDER_MISMATCH: 'The knowledge base was built with another embedder.',
  KB_NOT_FOUND: 'No knowledge base at this path.',
  KB_VERSION: 'The knowledge base was written by an incompatible format version.',
  KB_CORRUPT: 'A knowledge-base file is missing or does not match its checksum.',
  KB_WRITE: 'The knowledge base could not be saved (disk full, permission, missing path, or a folder that is not a knowledge base); the previous base is unchanged.',
  KB_LOCKED: 'Another process is saving to this knowledge-base folder.',
  CALIBRATION_DATA: 'The calibration data cannot be used.',
  LOG_STORE: 'The hit log store failed.',
} as const

/** One of the codes in {@link ERROR_CODES}. */
export type KotaeErrorCode = keyof typeof ERROR_CODES

/** An error with a stable code and, where useful, structured details (row, field, file...). */
export class KotaeError extends Error {
  readonly code: KotaeErrorCode
  readonly details: Record<string, unknown>

  constructor(code: KotaeErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KotaeError'
    this.code = code
    this.details = details
  }
}
