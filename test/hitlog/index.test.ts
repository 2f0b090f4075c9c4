/** The hit log's public face: record, feedback, migration, a corrupt or locked file, options, and the engine logging through it. */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HITLOG_SCHEMA_VERSION, openHitLog, type HitLog } from '../../src/hitlog/index.js'
import { KotaeError } from '../../src/errors.js'
import { buildKnowledgeBase } from '../../src/engine.js'
import { result, tempDir } from '../ops/helpers.js'
import { track } from './helpers.js'


describe('HitLog', () => {
  it('returns an id at once, writes in batches, and stores the redacted event', () => {
    const dir = tempDir()
    const log = track(openHitLog(dir, { onError: (e) => { throw e } }))
    expect(log.path).toBe(join(dir, 'hits.sqlite'))
    const t = Date.parse('2026-05-01T10:00:00Z')
    const id = log.record(result('my mail is a@b.io, order 12345678 late', 'clarify', [['late', 0.41], ['track', 0.38], ['cancel', 0.1]]), { sessionId: 's1', channel: 'web', at: t })
    expect(id).toMatch(/^\d+$/)
    expect(log.stats()).toMatchObject({ recorded: 1, written: 0, queued: 1 })
    expect(log.flush()).toBe(true)
    expect(log.stats()).toMatchObject({ written: 1, queued: 0 })
    const ev = log.getEvent(id!)!
    expect(ev).toMatchObject({ time: t, sessionId: 's1', channel: 'web', lang: 'en', query: 'my mail is [email], order [order] late', decision: 'clarify', reason: 'ambiguous', options: ['late', 'track', 'cancel'], answerId: null })
    expect(ev.top.map((c) => [c.id, c.confidence])).toEqual([['late', 0.41], ['track', 0.38], ['cancel', 0.1]])
    expect(ev.latencyMs).toBeCloseTo(1.5)
  })

  it('flushes on its own timer', async () => {
    const log = track(openHitLog(join(tempDir(), 'x.sqlite'), { flushIntervalMs: 5 }))
    log.record(result('hello', 'escalate', []), {})
    await new Promise((r) => setTimeout(r, 60))
    expect(log.stats()).toMatchObject({ written: 1, queued: 0 })
  })

  it('stores only a hash when asked', () => {
    const log = track(openHitLog(join(tempDir(), 'h.sqlite'), { redaction: { mode: 'hash' } }))
    const id = log.record(result('where is my parcel', 'escalate', []), {})!
    const ev = log.getEvent(id)!
    expect(ev.query).toBeNull()
    expect(ev.queryHash).toMatch(/^[0-9a-f]{32}$/)
  })

  it('records feedback and validates it', () => {
    const log = track(openHitLog(join(tempDir(), 'f.sqlite')))
    const a = log.record(result('q1', 'answer', [['late', 0.9]]), {})!
    const c = log.record(result('q2', 'clarify', [['late', 0.4], ['track', 0.35]]), {})!
    expect(log.feedback(a, { kind: 'not-helpful', comment: 'wrong' })).toMatchObject({ kind: 'not-helpful', entryId: 'late' })
    expect(log.feedback(c, { kind: 'picked', entryId: 'track' })).toMatchObject({ entryId: 'track' })
    expect(() => log.feedback(c, { kind: 'picked', entryId: 'cancel' })).toThrow(/feedback for event .*: entry "cancel" was not offered \(offered: late, track\); use kind "resolved"/)
    expect(() => log.feedback('999', { kind: 'helpful' })).toThrow(/no event with id "999"/)
    expect(() => log.feedback(a, { kind: 'great' } as never)).toThrow(KotaeError)
    expect(() => log.feedback(c, { kind: 'picked', entryId: 'cancel' })).toThrow(expect.objectContaining({ code: 'INVALID_FEEDBACK', details: expect.objectContaining({ eventId: c }) }))
    expect(() => log.feedback(a, { kind: 'great' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_FEEDBACK' }))
    expect(() => log.feedback('999', { kind: 'helpful' })).toThrow(expect.objectContaining({ code: 'UNKNOWN_EVENT', details: { eventId: '999', path: log.path } }))
  })

  it('says it is closed: reads throw LOG_CLOSED, an event recorded after close is reported as not recorded', () => {
    const errors: KotaeError[] = []
    const log = openHitLog(join(tempDir(), 'closed.sqlite'), { onError: (e) => void errors.push(e) })
    log.close()
    expect(log.record(result('q', 'answer', [['late', 0.9]]))).toBeUndefined()
    expect(errors.map((e) => [e.code, e.details.dropped])).toEqual([['LOG_CLOSED', 1]])
    expect(errors[0].message).toMatch(/is closed; 1 event\(s\) were not recorded/)
    expect(() => log.coverage()).toThrow(expect.objectContaining({ code: 'LOG_CLOSED' }))
  })

  it('migrates a version-1 file and refuses a newer one', () => {
    const dir = tempDir()
    const path = join(dir, 'old.sqlite')
    const db = new Database(path)
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE entry_keys (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
      CREATE TABLE events (id INTEGER PRIMARY KEY, session TEXT, channel TEXT, lang TEXT NOT NULL, query TEXT, query_hash TEXT,
        decision INTEGER NOT NULL, reason INTEGER NOT NULL, confidence INTEGER NOT NULL, latency_us INTEGER NOT NULL, answer INTEGER,
        e1 INTEGER, s1 INTEGER, c1 INTEGER, e2 INTEGER, s2 INTEGER, c2 INTEGER, e3 INTEGER, s3 INTEGER, c3 INTEGER, o1 INTEGER, o2 INTEGER, o3 INTEGER);
      CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL, entry INTEGER, comment TEXT);
      PRAGMA user_version = 1;`)
    db.close()
    const log = track(openHitLog(path, { strict: true }))
    log.setSuggestionStatus([{ entryId: 'a', query: 'b' }], 'accepted')
    log.close()
    const check = new Database(path)
    expect(check.pragma('user_version', { simple: true })).toBe(HITLOG_SCHEMA_VERSION)
    check.pragma(`user_version = ${HITLOG_SCHEMA_VERSION + 1}`)
    check.close()
    expect(() => openHitLog(path, { strict: true })).toThrow(/newer than this kotae understands/)
    expect(() => openHitLog(path, { strict: true })).toThrow(expect.objectContaining({ code: 'LOG_VERSION', details: { path, version: HITLOG_SCHEMA_VERSION + 1, supported: HITLOG_SCHEMA_VERSION } }))
  })

  it('survives a corrupt file: record never throws, the error is reported, nothing is deleted', () => {
    const path = join(tempDir(), 'corrupt.sqlite')
    writeFileSync(path, 'this is not a database '.repeat(200))
    const errors: KotaeError[] = []
    const log = track(openHitLog(path, { onError: (e) => errors.push(e) }))
    expect(log.healthy).toBe(false)
    expect(errors[0]).toBeInstanceOf(KotaeError)
    expect(errors[0].code).toBe('LOG_STORE')
    expect(errors[0].message).toMatch(/damaged or is not a hit log: move it away/)
    const id = log.record(result('q', 'answer', [['a', 0.9]]), {})
    expect(id).toBeDefined()
    expect(() => log.flush()).not.toThrow()
    expect(log.stats().errors).toBeGreaterThan(0)
    expect(existsSync(path)).toBe(true)
    expect(() => openHitLog(path, { strict: true })).toThrow(/not a hit log: move it away/)
  })

  it('survives a lock held by another process and writes once it is released', () => {
    const path = join(tempDir(), 'locked.sqlite')
    const errors: KotaeError[] = []
    const log = track(openHitLog(path, { onError: (e) => errors.push(e), busyTimeoutMs: 0 }))
    const other = new Database(path)
    other.exec('BEGIN EXCLUSIVE')
    log.record(result('q', 'answer', [['a', 0.9]]), {})
    expect(log.flush()).toBe(false)
    expect(errors.at(-1)?.message).toMatch(/Another process holds a lock/)
    expect(log.stats()).toMatchObject({ queued: 1, written: 0 })
    other.exec('COMMIT')
    other.close()
    expect(log.flush()).toBe(true)
    expect(log.stats()).toMatchObject({ queued: 0, written: 1 })
  })

  it('drops the oldest events beyond maxQueue and counts them', () => {
    const path = join(tempDir(), 'q.sqlite')
    writeFileSync(path, 'garbage'.repeat(500))
    const log = track(openHitLog(path, { maxQueue: 3, onError: () => {} }))
    for (let i = 0; i < 5; i++) log.record(result(`q${i}`, 'escalate', []), {})
    expect(log.stats()).toMatchObject({ recorded: 5, dropped: 2, queued: 3 })
  })

  it('rejects bad options with a readable message', () => {
    expect(() => openHitLog('', {})).toThrow(/file path or a knowledge-base folder/)
    expect(() => openHitLog('', {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => openHitLog(join(tempDir(), 'o.sqlite'), { batchSize: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', details: expect.objectContaining({ where: 'openHitLog' }) }))
    expect(() => openHitLog(join(tempDir(), 'o.sqlite'), { batchSize: -1 })).toThrow(/batchSize/)
  })
})

describe('engine with a hit log', () => {
  const entries = [
    { id: 'shipping', lang: 'en', question: 'How long does shipping take?', variants: ['when will my order arrive', 'delivery time'], answer: 'Two days.' },
    { id: 'returns', lang: 'en', question: 'How do I return an item?', variants: ['return policy', 'send something back'], answer: 'Within 30 days.' },
    { id: 'payment', lang: 'en', question: 'Which payment methods do you accept?', variants: ['can I pay by card', 'pay with paypal'], answer: 'Cards and PayPal.' },
  ]

  it('logs each ask and returns the event id', async () => {
    const kb = await buildKnowledgeBase(entries)
    const log = track(openHitLog(join(tempDir(), 'e.sqlite')))
    kb.useLogger(log)
    const r = await kb.ask('how long does shipping take', { sessionId: 'abc', channel: 'chat' })
    expect(r.eventId).toBeDefined()
    const ev = log.getEvent(r.eventId!)!
    expect(ev).toMatchObject({ sessionId: 'abc', channel: 'chat', decision: r.decision, query: 'how long does shipping take' })
    expect(ev.top[0].id).toBe(r.candidates[0].id)
  })

  it('keeps answering with a corrupt or locked database, and reports the error', async () => {
    const kb = await buildKnowledgeBase(entries)
    const corrupt = join(tempDir(), 'c.sqlite')
    writeFileSync(corrupt, 'not sqlite '.repeat(300))
    const errors: KotaeError[] = []
    const log = track(openHitLog(corrupt, { onError: (e) => errors.push(e) }))
    kb.useLogger(log)
    const r = await kb.ask('how long does shipping take')
    expect(r.candidates[0].id).toBe('shipping')
    expect(errors.length).toBeGreaterThan(0)

    const lockedPath = join(tempDir(), 'l.sqlite')
    const lockedErrors: KotaeError[] = []
    const locked = track(openHitLog(lockedPath, { onError: (e) => lockedErrors.push(e), busyTimeoutMs: 0, batchSize: 1 }))
    kb.useLogger(locked)
    const other = new Database(lockedPath)
    other.exec('BEGIN EXCLUSIVE')
    const r2 = await kb.ask('return policy')
    expect(r2.candidates[0].id).toBe('returns')
    expect(r2.eventId).toBeDefined()
    await new Promise((res) => setImmediate(res))
    expect(lockedErrors.some((e) => e.code === 'LOG_STORE')).toBe(true)
    other.exec('ROLLBACK')
    other.close()
    expect(locked.flush()).toBe(true)
    expect(locked.getEvent(r2.eventId!)?.query).toBe('return policy')
  })
})
