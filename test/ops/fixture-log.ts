import { join } from 'node:path'
import { FaqEntrySchema, type FaqEntry } from '../../src/schema.js'
import { openHitLog, type HitLog } from '../../src/ops/index.js'
import { DAY, HOUR, WEEK, result, tempDir } from './helpers.js'

export const NOW = Date.parse('2026-05-01T12:00:00Z')

export const ENTRIES: FaqEntry[] = [
  { id: 'ship-en', lang: 'en', question: 'How long does shipping take?', variants: ['delivery time'], answer: 'Two days.', metadata: { group: 'ship' }, updatedAt: '2026-03-01' },
  { id: 'ship-ja', lang: 'ja', question: '配送にかかる日数は?', variants: ['いつ届きますか'], answer: '2日です。', metadata: { group: 'ship' }, updatedAt: '2026-03-02' },
  { id: 'return-en', lang: 'en', question: 'How do I return an item?', variants: [], answer: 'Within 30 days.', metadata: { group: 'return' }, updatedAt: '2025-12-01' },
  { id: 'old-en', lang: 'en', question: 'Do you ship by fax?', variants: [], answer: 'No.', metadata: { group: 'fax' }, updatedAt: '2020-01-01' },
  { id: 'dup-a', lang: 'en', question: 'How do I change my password?', variants: [], answer: 'Settings.', metadata: {} },
  { id: 'dup-b', lang: 'en', question: 'How can I change my password?', variants: [], answer: 'Account page.', metadata: {} },
].map((e) => FaqEntrySchema.parse(e))

/**
 * A log with known numbers, window = 30 days ending NOW:
 * ship-en 10 answers (+1 resolved), ship-ja 4, return-en 3 (1 not helpful), 6 clarify dup-a/dup-b
 * (2 picked dup-a, 1 picked dup-b), 9 "parcel has not arrived" escalations (5 en, 4 ja) spread
 * over the window, 1 unrelated escalation, and 9 "荷物がまだ届きません" escalations in the last hour
 * (a surge: none in the same hour of the previous weeks). Total 42 events in the window.
 */
export function fixtureLog(dir = tempDir()): { log: HitLog; path: string; escalatedId: string } {
  const path = join(dir, 'hits.sqlite')
  const log = openHitLog(path, { strict: true, onError: (e) => { throw e } })
  let t = NOW - 20 * DAY
  const next = () => (t += 3 * HOUR + 17 * 60_000)
  // History before the window (coverage for the surge baseline).
  log.record(result('how long does shipping take', 'answer', [['ship-en', 0.95]]), { at: NOW - 5 * WEEK })
  for (let i = 0; i < 10; i++) log.record(result('how long does shipping take', 'answer', [['ship-en', 0.92], ['ship-ja', 0.2]]), { at: next(), channel: 'web' })
  for (let i = 0; i < 4; i++) log.record(result('配送は何日かかりますか', 'answer', [['ship-ja', 0.9]], 'ja'), { at: next(), channel: 'line' })
  const ret: string[] = []
  for (let i = 0; i < 3; i++) ret.push(log.record(result('return an item', 'answer', [['return-en', 0.88]]), { at: next() })!)
  log.feedback(ret[0], { kind: 'not-helpful' }, t)
  const clar: string[] = []
  for (let i = 0; i < 6; i++) clar.push(log.record(result('change password', 'clarify', [['dup-a', 0.45], ['dup-b', 0.43]]), { at: next() })!)
  log.feedback(clar[0], { kind: 'picked', entryId: 'dup-a' }, t)
  log.feedback(clar[1], { kind: 'picked', entryId: 'dup-a' }, t)
  log.feedback(clar[2], { kind: 'picked', entryId: 'dup-b' }, t)
  const parcelEn = ['where is my parcel? it has not arrived', 'my parcel has not arrived', 'parcel has not arrived yet', 'where is my parcel', 'my parcel has still not arrived']
  const parcelJa = ['荷物が届かない', '荷物がまだ届かない', '荷物が届かないです', '注文した荷物が届かない']
  let escalatedId = ''
  for (const q of parcelEn) escalatedId = log.record(result(q, 'escalate', [['ship-en', 0.2]]), { at: next() })!
  for (const q of parcelJa) log.record(result(q, 'escalate', [['ship-ja', 0.15]], 'ja'), { at: next() })
  log.feedback(escalatedId, { kind: 'resolved', entryId: 'ship-en' }, t)
  log.record(result('do you sell gift cards', 'escalate', []), { at: next() })
  for (let i = 0; i < 9; i++) log.record(result('荷物がまだ届きません', 'escalate', [['ship-ja', 0.1]], 'ja'), { at: NOW - 50 * 60_000 + i * 60_000 })
  log.flush()
  return { log, path, escalatedId }
}
