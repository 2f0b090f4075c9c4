/**
 * The learning loop end to end with the real engine: a question escalates, a person resolves it
 * with an entry, the query becomes a suggestion, accepting it rebuilds the knowledge base, and
 * the same question is then answered with that entry; a rejection keeps its reason across
 * reopening (and a migration from the previous schema) and its text never comes back.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/engine.js'
import { loadKnowledgeBase } from '../../src/engine.js'
import Database from 'better-sqlite3'
import { acceptSuggestions, HITLOG_SCHEMA_VERSION, listSuggestions, openHitLog, rejectSuggestions } from '../../src/ops/index.js'
import { listRejectedSuggestions } from '../../src/ops/suggest.js'
import { FaqEntrySchema, type FaqEntryInput } from '../../src/schema.js'
import { removeTempDirs, result, tempDir } from './helpers.js'

afterAll(removeTempDirs)

const SHOP_FAQ = process.env.KOTAE_SHOP_FAQ ?? join(import.meta.dirname, '../../fixtures/shop-faq/faq.jsonl')

async function learningLoop(entries: FaqEntryInput[], target: string, candidates: string[]) {
  const dir = tempDir('kotae-learn-')
  const kb = await buildKnowledgeBase(entries)
  await kb.save(dir)
  const log = openHitLog(dir, { onError: (e) => { throw e } })
  try {
    kb.useLogger(log)
    // The first phrasing that the FAQ does not answer today.
    let query: string | undefined
    let eventId: string | undefined
    for (const q of candidates) {
      const r = await kb.ask(q, { sessionId: 'customer-1', channel: 'chat' })
      if (r.decision === 'escalate') {
        query = q
        eventId = r.eventId
        break
      }
    }
    expect(query, 'one of the candidate phrasings should escalate before learning').toBeDefined()
    expect(eventId).toBeDefined()
    log.feedback(eventId!, { kind: 'resolved', entryId: target })

    const suggestions = await listSuggestions(log, { entries: kb.entries })
    const mine = suggestions.find((s) => s.entryId === target && s.query === query)
    expect(mine).toMatchObject({ count: 1, resolved: 1, masked: false })

    await expect(acceptSuggestions(dir, log, {})).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    const { accepted } = await acceptSuggestions(dir, log, { ids: [mine!.id] })
    expect(accepted.map((s) => s.id)).toEqual([mine!.id])
    expect(await listSuggestions(log, {})).toEqual([])
    await expect(acceptSuggestions(dir, log, { ids: [mine!.id] })).rejects.toMatchObject({ code: 'UNKNOWN_SUGGESTION', details: { ids: [mine!.id] } })
    await expect(rejectSuggestions(log, [mine!.id])).rejects.toThrow(expect.objectContaining({ code: 'UNKNOWN_SUGGESTION' }))

    const after = await loadKnowledgeBase(dir)
    expect(after.entry(target)!.variants).toContain(query)
    const r2 = await after.ask(query!)
    expect(r2.decision).toBe('answer')
    expect(r2.answer?.id).toBe(target)
  } finally {
    log.close()
  }
}

describe('learning from resolved escalations', () => {
  it('answers a question that escalated before, once its suggestion is accepted (inline FAQ)', async () => {
    const entries: FaqEntryInput[] = [
      { id: 'package-not-arrived-en', lang: 'en', question: 'My package has not arrived. What should I do?', variants: ['package missing', 'tracking says delivered but nothing came'], answer: 'Contact us with your order number.' },
      { id: 'delivery-time-en', lang: 'en', question: 'How long does delivery take?', variants: ['when will it arrive', 'delivery time'], answer: 'Two days.' },
      { id: 'return-policy-en', lang: 'en', question: 'What is your return policy?', variants: ['can I return an item', 'send something back'], answer: 'Within 30 days.' },
      { id: 'payment-methods-en', lang: 'en', question: 'Which payment methods do you accept?', variants: ['can I pay by card', 'pay with paypal'], answer: 'Cards and PayPal.' },
      { id: 'cancel-order-en', lang: 'en', question: 'How do I cancel my order?', variants: ['cancel order', 'I want to cancel'], answer: 'From My Page.' },
      { id: 'gift-wrapping-en', lang: 'en', question: 'Do you offer gift wrapping?', variants: ['wrap as a present'], answer: 'Yes.' },
    ]
    await learningLoop(entries, 'package-not-arrived-en', ['still waiting for my stuff, it never came', 'where the heck is my box', 'the courier never showed up and the box is nowhere'])
  })

  it.skipIf(!existsSync(SHOP_FAQ))('does the same on the shop-faq fixture', async () => {
    const entries = readFileSync(SHOP_FAQ, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as FaqEntryInput)
    const target = entries.find((e) => e.id === 'package-not-arrived-en')?.id ?? entries.find((e) => /arriv|deliver/i.test(e.question) && e.lang === 'en')!.id
    await learningLoop(entries, target, [
      'still waiting for my stuff, it never came',
      'where the heck is my box',
      'the courier never showed up and the box is nowhere',
      'been two weeks and nothing at my door',
      'my stuff is lost somewhere i think',
    ])
  })
})

describe('rejecting a suggestion with a reason', () => {
  const ENTRIES_EN = [
    { id: 'ship-en', lang: 'en', question: 'How long does shipping take?', variants: ['delivery time'], answer: 'Two days by courier, three to islands.' },
    { id: 'return-en', lang: 'en', question: 'How do I return an item?', variants: [], answer: 'Within 30 days.' },
  ].map((e) => FaqEntrySchema.parse(e))

  it('keeps the reason across reopening, and the text stays hidden however often it is picked again', async () => {
    const dir = tempDir('kotae-reject-')
    const path = join(dir, 'hits.sqlite')
    let log = openHitLog(path, { strict: true, onError: (e) => { throw e } })
    const clarify = (query: string, sessionId: string) => {
      const id = log.record(result(query, 'clarify', [['ship-en', 0.4], ['return-en', 0.38]]), { sessionId })!
      log.feedback(id, { kind: 'picked', entryId: 'return-en' })
    }
    clarify('cancel my order', 'a')
    clarify('cancel my order', 'b')
    clarify('Cancel my order', 'b')
    const [s] = await listSuggestions(log, { entries: ENTRIES_EN })
    expect(s).toMatchObject({ entryId: 'return-en', query: 'cancel my order', count: 3, picked: 3, resolved: 0, source: 'picked', sessions: 2, entry: { question: 'How do I return an item?', answerStart: 'Within 30 days.' } })
    expect((await rejectSuggestions(log, [s.id], { entries: ENTRIES_EN, reason: 'cancelling is not returning: needs its own entry' })).map((r) => r.id)).toEqual([s.id])
    log.close()

    log = openHitLog(path, { strict: true, onError: (e) => { throw e } })
    try {
      expect(await listSuggestions(log, {})).toEqual([])
      // More users pick the same text, in another spelling that normalises alike.
      clarify('CANCEL my order', 'c')
      clarify('cancel my order', 'd')
      expect(await listSuggestions(log, {})).toEqual([])
      const rejected = await listRejectedSuggestions(log, { entries: ENTRIES_EN })
      expect(rejected).toEqual([{ id: s.id, entryId: 'return-en', query: 'cancel my order', reason: 'cancelling is not returning: needs its own entry', rejectedAt: expect.any(String), seenSince: 2, entry: { question: 'How do I return an item?', answerStart: 'Within 30 days.', lang: 'en' } }])
      await expect(rejectSuggestions(log, [s.id])).rejects.toThrow(expect.objectContaining({ code: 'UNKNOWN_SUGGESTION' }))
    } finally {
      log.close()
    }
  })

  it('migrates a log of the previous schema (version 3): its decisions are kept, without reasons, and new ones keep theirs', async () => {
    expect(HITLOG_SCHEMA_VERSION).toBe(4)
    const path = join(tempDir('kotae-reject-v3-'), 'hits.sqlite')
    const db = new Database(path)
    // The schema SQL of version 3, as kotae wrote it before rejections had reasons.
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE entry_keys (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
      CREATE TABLE events (id INTEGER PRIMARY KEY, session TEXT, channel TEXT, lang TEXT NOT NULL, query TEXT, query_hash TEXT,
        decision INTEGER NOT NULL, reason INTEGER NOT NULL, confidence INTEGER NOT NULL, latency_us INTEGER NOT NULL, answer INTEGER,
        e1 INTEGER, s1 INTEGER, c1 INTEGER, e2 INTEGER, s2 INTEGER, c2 INTEGER, e3 INTEGER, s3 INTEGER, c3 INTEGER, o1 INTEGER, o2 INTEGER, o3 INTEGER,
        page TEXT, reason_text TEXT, turns_omitted INTEGER);
      CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL, entry INTEGER, comment TEXT);
      CREATE INDEX feedback_event ON feedback(event_id);
      CREATE TABLE suggestion_status (entry_id TEXT NOT NULL, query TEXT NOT NULL, status TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (entry_id, query)) WITHOUT ROWID;
      CREATE INDEX feedback_kind_ts ON feedback(kind, ts);
      CREATE TABLE turns (event_id INTEGER NOT NULL, n INTEGER NOT NULL, role TEXT NOT NULL, text TEXT, text_hash TEXT, at INTEGER, cut INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (event_id, n)) WITHOUT ROWID;
      CREATE INDEX events_page ON events(page, id) WHERE page IS NOT NULL;
      PRAGMA user_version = 3;`)
    const t = Date.parse('2026-04-01T00:00:00Z')
    db.prepare('INSERT INTO entry_keys (key, id) VALUES (1, ?)').run('return-en')
    db.prepare(`INSERT INTO events (id, session, lang, query, decision, reason, confidence, latency_us, e1, s1, c1) VALUES (?, 's1', 'en', 'send it back', 1, 1, 4000, 1000, 1, 4000, 4000)`).run(t * 1024)
    db.prepare(`INSERT INTO feedback (event_id, ts, kind, entry) VALUES (?, ?, 'picked', 1)`).run(t * 1024, t + 1000)
    db.prepare(`INSERT INTO suggestion_status (entry_id, query, status, ts) VALUES ('return-en', 'bring it back', 'rejected', ?)`).run(t)
    db.close()

    const log = openHitLog(path, { strict: true, onError: (e) => { throw e } })
    try {
      expect(await listRejectedSuggestions(log, {})).toEqual([expect.objectContaining({ entryId: 'return-en', query: 'bring it back', reason: null, rejectedAt: new Date(t).toISOString() })])
      const [s] = await listSuggestions(log, {})
      expect(s).toMatchObject({ query: 'send it back', sessions: 1, firstSeen: new Date(t + 1000).toISOString() })
      await rejectSuggestions(log, [s.id], { reason: 'too vague' })
      expect((await listRejectedSuggestions(log, {})).map((r) => [r.query, r.reason])).toEqual([['send it back', 'too vague'], ['bring it back', null]])
    } finally {
      log.close()
    }
    const check = new Database(path, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(4)
    check.close()
  })
})
