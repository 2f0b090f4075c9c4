/**
 * Shared by the hit-log tests: logs closed after each test, a sink for reported errors, the
 * events stored in a file, and the accounting invariant of a log's counters.
 */
import Database from 'better-sqlite3'
import { afterAll, afterEach, expect } from 'vitest'
import type { KotaeError } from '../../src/errors.js'
import type { HitLog, HitLogErrorDetails } from '../../src/hitlog/index.js'
import { removeTempDirs } from '../ops/helpers.js'

afterAll(removeTempDirs)

const logs: HitLog[] = []
/** Close `l` after the current test. */
export const track = (l: HitLog) => (logs.push(l), l)
afterEach(() => {
  for (const l of logs.splice(0)) l.close()
})

export const ENTRIES = [
  { id: 'shipping', lang: 'en', question: 'How long does shipping take?', variants: ['when will my order arrive', 'delivery time'], answer: 'Two days.' },
  { id: 'returns', lang: 'en', question: 'How do I return an item?', variants: ['return policy', 'send something back'], answer: 'Within 30 days.' },
  { id: 'payment', lang: 'en', question: 'Which payment methods do you accept?', variants: ['can I pay by card', 'pay with paypal'], answer: 'Cards and PayPal.' },
]
export const QUESTIONS = ['how long does shipping take', 'return policy', 'can I pay by card', 'do you sell gift cards', 'when will my order arrive']

/** Collects reported errors; `lost(incident)` sums the events they report as lost. */
export function errorSink() {
  const errors: KotaeError[] = []
  const details = (e: KotaeError) => e.details as unknown as HitLogErrorDetails
  return {
    errors,
    onError: (e: KotaeError) => void errors.push(e),
    lost: (incident?: string) => errors.filter((e) => !incident || details(e).incident === incident).reduce((s, e) => s + (details(e).dropped ?? 0), 0),
    incidents: () => errors.map((e) => details(e).incident).filter(Boolean),
  }
}

/** Number of events stored in the file at `path`. */
export function count(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    return (db.prepare('SELECT count(*) n FROM events').get() as { n: number }).n
  } finally {
    db.close()
  }
}

/** recorded = written + dropped + queued, and the drops add up. */
export function invariant(log: HitLog): void {
  const s = log.stats()
  expect(s.recorded).toBe(s.written + s.dropped + s.queued)
  expect(s.dropped).toBe(s.drops['queue-full'] + s.drops['write-failed'] + s.drops['store-gone'])
}
