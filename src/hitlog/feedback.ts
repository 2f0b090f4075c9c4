/**
 * Feedback on logged events, and editors' decisions on suggestions: the two things people add to
 * the hit log after the fact. Feedback is validated against its event (a picked option must be
 * one that was offered) before it is stored; the comment is stored through the log's redaction.
 */
import type Database from 'better-sqlite3'
import { z } from 'zod'
import { createError } from '../errors.js'
import { schemaProblems } from '../schema.js'
import type { HitEvent, SuggestionStatus } from './reader.js'
import type { EntryKeys } from './store.js'

/**
 * Feedback on one event: was the answer helpful, which offered option did the user pick
 * (`picked`, after `clarify`), which entry did a person use (`resolved`, after an escalation).
 */
export const FeedbackSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('helpful'), comment: z.string().max(2000).optional() }),
  z.object({ kind: z.literal('not-helpful'), comment: z.string().max(2000).optional() }),
  z.object({ kind: z.literal('picked'), entryId: z.string().trim().min(1, { message: 'entryId must name the option the user picked' }) }),
  z.object({ kind: z.literal('resolved'), entryId: z.string().trim().min(1, { message: 'entryId must name the entry the human used' }), comment: z.string().max(2000).optional() }),
])

/** Feedback on one event (see {@link FeedbackSchema}). */
export type Feedback = z.input<typeof FeedbackSchema>

/** What `HitLog.feedback` returns: the stored feedback's id and the entry it counts for. */
export interface FeedbackReceipt {
  feedbackId: number
  eventId: string
  kind: Feedback['kind']
  entryId: string | null
}

/** Feedback checked against its event, ready to store. */
export interface CheckedFeedback {
  kind: Feedback['kind']
  /** The entry the feedback counts for: the picked or resolving entry, else the answer (or top candidate). */
  entryId: string | null
  /** The comment as given (redacted when stored). */
  comment: string | null
  /** The event, as stored. */
  event: HitEvent
}

/**
 * Validate feedback for `eventId`, then against its event (`lookup` reads it; `undefined` when
 * the log does not have it). Throws `INVALID_FEEDBACK` for malformed feedback or an option that
 * was not offered, `UNKNOWN_EVENT` for an event the log does not have.
 */
export function checkFeedback(eventId: string, feedback: Feedback, lookup: () => HitEvent | undefined, path: string): CheckedFeedback {
  const parsed = FeedbackSchema.safeParse(feedback)
  if (!parsed.success) {
    const problems = schemaProblems(parsed.error.issues).map((p) => `${p.path || 'kind'}: ${p.message}`)
    throw createError('INVALID_FEEDBACK', { eventId, problem: `${problems.join('; ')} (kind is one of helpful, not-helpful, picked, resolved)` })
  }
  const fb = parsed.data
  const event = lookup()
  if (!event) throw createError('UNKNOWN_EVENT', { eventId, path })
  let entryId: string | null
  if (fb.kind === 'picked') {
    if (event.options.length > 0 && !event.options.includes(fb.entryId)) {
      throw createError('INVALID_FEEDBACK', { eventId, problem: `entry "${fb.entryId}" was not offered (offered: ${event.options.join(', ')}); use kind "resolved" for an entry chosen by a person` })
    }
    entryId = fb.entryId
  } else if (fb.kind === 'resolved') {
    entryId = fb.entryId
  } else {
    entryId = event.answerId ?? event.top[0]?.id ?? null
  }
  const comment = 'comment' in fb && fb.comment !== undefined ? fb.comment : null
  return { kind: fb.kind, entryId, comment, event }
}

/** Store checked feedback on the event stored under `storedId`; returns the feedback row id. `comment` is already redacted. */
export function insertFeedback(db: Database.Database, keys: EntryKeys, storedId: number, feedback: CheckedFeedback, redactedComment: string | null, at: number): number {
  const info = db
    .prepare('INSERT INTO feedback (event_id, ts, kind, entry, comment) VALUES (?, ?, ?, ?, ?)')
    .run(storedId, at, feedback.kind, feedback.entryId ? keys.key(db, feedback.entryId) : null, redactedComment)
  return Number(info.lastInsertRowid)
}

/** A suggestion to mark accepted or rejected; `reason` is the editor's why (already redacted), kept with a rejection. */
export interface SuggestionDecisionInput {
  entryId: string
  query: string
  reason?: string | null
}

/** Mark suggestions accepted or rejected (one transaction), with the editor's reason, so they are not offered again. */
export function storeSuggestionStatus(db: Database.Database, items: SuggestionDecisionInput[], status: SuggestionStatus, at: number): void {
  const stmt = db.prepare('INSERT OR REPLACE INTO suggestion_status (entry_id, query, status, ts, reason) VALUES (?, ?, ?, ?, ?)')
  db.transaction(() => {
    for (const it of items) stmt.run(it.entryId, it.query, status, at, it.reason ?? null)
  })()
}
