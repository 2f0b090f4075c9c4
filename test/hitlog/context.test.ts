/**
 * What the hit log keeps of an ask's context (issue 9): the page (query string and fragment
 * dropped, redacted like the query), the conversation's turns (redacted like the query, bounded),
 * reasons it does not know, and a file written by the previous schema.
 */
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { HITLOG_SCHEMA_VERSION, openHitLog } from '../../src/hitlog/index.js'
import { redactQuery, type RedactionOptions } from '../../src/privacy/redact.js'
import type { AskResult, Turn } from '../../src/schema.js'
import { result, tempDir } from '../ops/helpers.js'
import { track } from './helpers.js'

const T0 = Date.parse('2026-05-01T10:00:00Z')

const EMAIL = 'taro.yamada@example.jp'
const PHONE = '090-1234-5678'
const STREET = '東京都渋谷区神宮前1-2-3'
const PERSONAL = `届け先は${STREET} ハイツ101号室、メールは ${EMAIL} 電話 ${PHONE} です`

/** Every byte of the log's files (closed first, so nothing waits in the WAL only). */
function fileBytes(path: string): string {
  return [path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('utf8')).join('')
}

describe('the page of each event', () => {
  it('is stored without its query string and fragment, redacted like the query', () => {
    const path = join(tempDir(), 'pages.sqlite')
    const log = track(openHitLog(path, { onError: (e) => { throw e } }))
    const a = log.record(result('送料は？', 'answer', [['ship', 0.9]], 'ja'), { page: ' /checkout/payment/?email=hanako@example.com&tel=03-1234-5678#card ', at: T0 })!
    const b = log.record(result('where is it', 'answer', [['ship', 0.9]]), { page: `/support/call/${PHONE}`, at: T0 + 1 })!
    const c = log.record(result('hi', 'answer', [['ship', 0.9]]), { at: T0 + 2 })!
    const d = log.record(result('hi', 'answer', [['ship', 0.9]]), { page: '?only=query', at: T0 + 3 })!
    expect(log.getEvent(a)!.page).toBe('/checkout/payment')
    expect(log.getEvent(b)!.page).toBe('/support/call/[phone]')
    expect(log.getEvent(c)!.page).toBeNull()
    expect(log.getEvent(d)!.page).toBeNull()
    log.close()
    expect(fileBytes(path)).not.toMatch(/hanako|03-1234-5678|1234-5678|#card/)
  })

  it('is hashed one path segment at a time in hash mode, and verbatim (still without the query string) in none mode', () => {
    const hashed = join(tempDir(), 'hash.sqlite')
    const log = track(openHitLog(hashed, { redaction: { mode: 'hash', salt: 'pepper' } }))
    const id = log.record(result('q', 'answer', [['ship', 0.9]]), { page: '/orders/8812?mail=a@b.io' })!
    const hash = (s: string) => redactQuery(s, { mode: 'hash', salt: 'pepper' }).hash
    expect(log.getEvent(id)!.page).toBe(`/${hash('orders')}/${hash('8812')}`)
    log.close()
    expect(fileBytes(hashed)).not.toMatch(/orders|8812|a@b\.io/)

    const plain = track(openHitLog(join(tempDir(), 'none.sqlite'), { redaction: { mode: 'none' } }))
    const p = plain.record(result('q', 'answer', [['ship', 0.9]]), { page: '/orders/8812?mail=a@b.io' })!
    expect(plain.getEvent(p)!.page).toBe('/orders/8812')
  })
})

describe('the turns of each event', () => {
  const turns: Turn[] = [
    { role: 'user', text: 'アルバムまだ届かないんだけど', at: '2026-05-01T09:59:00+09:00' },
    { role: 'bot', text: 'ご注文番号を教えてください。' },
    { role: 'user', text: PERSONAL, at: '2026-05-01T10:00:00Z' },
  ]

  it('stores role, text and time, each text masked exactly like the query: no e-mail, phone or address reaches the file', () => {
    const path = join(tempDir(), 'turns.sqlite')
    // The built-in detectors mask postal addresses too (src/privacy/address.ts).
    const redaction: RedactionOptions = {}
    const log = track(openHitLog(path, { redaction, onError: (e) => { throw e } }))
    const id = log.record(result(PERSONAL, 'escalate', [['ship', 0.2]], 'ja'), { sessionId: 's-42', turns, at: T0 })!
    const ev = log.getEvent(id)!
    const masked = redactQuery(PERSONAL, redaction).text!
    expect(masked).toBe('届け先は[address] ハイツ101号室、メールは [email] 電話 [phone] です')
    expect(ev.query).toBe(masked)
    expect(ev.turns).toEqual([
      { role: 'user', text: 'アルバムまだ届かないんだけど', textHash: null, at: '2026-05-01T00:59:00.000Z', cut: 0 },
      { role: 'bot', text: 'ご注文番号を教えてください。', textHash: null, at: null, cut: 0 },
      { role: 'user', text: masked, textHash: null, at: '2026-05-01T10:00:00.000Z', cut: 0 },
    ])
    expect(ev.turnsOmitted).toBe(0)
    log.close()
    const bytes = fileBytes(path)
    expect(bytes).toContain('[address]')
    for (const secret of [EMAIL, 'taro.yamada', PHONE, '1234-5678', STREET, '神宮前']) expect(bytes).not.toContain(secret)
  })

  it('keeps only salted hashes of the turns in hash mode, and the text verbatim only in none mode', () => {
    const path = join(tempDir(), 'hash.sqlite')
    const log = track(openHitLog(path, { redaction: { mode: 'hash' } }))
    const id = log.record(result('where is my album', 'escalate', []), { turns, at: T0 })!
    const ev = log.getEvent(id)!
    const salt = (new Database(path, { readonly: true }).prepare("SELECT value FROM meta WHERE key = 'hash_salt'").get() as { value: string }).value
    expect(ev.turns.map((t) => [t.role, t.text, t.textHash])).toEqual(turns.map((t) => [t.role, null, redactQuery(t.text, { mode: 'hash', salt }).hash]))
    log.close()
    const bytes = fileBytes(path)
    for (const secret of [EMAIL, 'taro.yamada', PHONE, '1234-5678', STREET, '神宮前', 'アルバム', '届け先']) expect(bytes).not.toContain(secret)

    const plain = track(openHitLog(join(tempDir(), 'none.sqlite'), { redaction: { mode: 'none' } }))
    const p = plain.record(result('q', 'escalate', []), { turns })!
    expect(plain.getEvent(p)!.turns.map((t) => t.text)).toEqual(turns.map((t) => t.text))
  })

  it('redacts turns recorded before the log’s own salt is known with that salt, once it is', () => {
    const path = join(tempDir(), 'late.sqlite')
    const other = new Database(path)
    other.exec('CREATE TABLE hold (x); BEGIN EXCLUSIVE; INSERT INTO hold VALUES (1)')
    const log = track(openHitLog(path, { redaction: { mode: 'hash' }, busyTimeoutMs: 0, reopenIntervalMs: 0, onError: () => {} }))
    expect(log.healthy).toBe(false)
    const id = log.record(result('q', 'escalate', []), { turns, page: '/orders/8812' })!
    other.exec('COMMIT')
    other.close()
    expect(log.flush()).toBe(true)
    const salt = (new Database(path, { readonly: true }).prepare("SELECT value FROM meta WHERE key = 'hash_salt'").get() as { value: string }).value
    const hash = (s: string) => redactQuery(s, { mode: 'hash', salt }).hash
    const ev = log.getEvent(id)!
    expect(ev.turns.map((t) => t.textHash)).toEqual(turns.map((t) => hash(t.text)))
    expect(ev.page).toBe(`/${hash('orders')}/${hash('8812')}`)
  })

  it('is bounded: the last turns.max turns, turns.maxChars characters each, and the event says what was left out', () => {
    const log = track(openHitLog(join(tempDir(), 'bounds.sqlite'), { turns: { max: 3, maxChars: 40 }, onError: (e) => { throw e } }))
    const many: Turn[] = Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? 'bot' : 'user', text: `turn ${i}` }))
    many.push({ role: 'user', text: `${'x'.repeat(30)} mail ${EMAIL} ${'y'.repeat(5000)}` })
    const id = log.record(result('q', 'escalate', []), { turns: many })!
    const ev = log.getEvent(id)!
    expect(ev.turnsOmitted).toBe(6)
    expect(ev.turns.map((t) => t.text)).toEqual(['turn 6', 'turn 7', `${'x'.repeat(30)} mail [ema`])
    // 5,037 characters masked to 5,021, of which 40 are stored.
    expect(ev.turns[2].cut).toBe(redactQuery(many[8].text).text!.length - 40)
    expect(ev.turns[2].text).not.toContain('taro')
    // No turns given: nothing stored, and null (not 0) left out.
    const none = log.record(result('q', 'escalate', []), {})!
    expect(log.getEvent(none)!).toMatchObject({ turns: [], turnsOmitted: null })
    // max 0 stores none and counts them all as left out.
    const zero = track(openHitLog(join(tempDir(), 'zero.sqlite'), { turns: { max: 0 } }))
    const z = zero.record(result('q', 'escalate', []), { turns: many })!
    expect(zero.getEvent(z)!).toMatchObject({ turns: [], turnsOmitted: 9 })
  })

  it('rejects bad turn limits with INVALID_OPTIONS naming the field', () => {
    expect(() => openHitLog(join(tempDir(), 'x.sqlite'), { turns: { max: -1 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/turns\.max/) }))
    expect(() => openHitLog(join(tempDir(), 'x.sqlite'), { places: { windowMs: 0 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/places\.windowMs/) }))
  })
})

describe('reasons', () => {
  it('stores every reason of the engine, skill-failed included, and counts each', () => {
    const log = track(openHitLog(join(tempDir(), 'reasons.sqlite'), { onError: (e) => { throw e } }))
    const reasons = ['confident', 'ambiguous', 'low-confidence', 'out-of-scope', 'empty-query', 'exact-match', 'uncalibrated', 'picked', 'unclear-pick', 'missing-data', 'skill-failed']
    const ids = reasons.map((reason, i) => log.record({ ...result('q', 'escalate', []), reason } as AskResult, { at: T0 + i })!)
    log.record({ ...result('q', 'escalate', []), reason: 'skill-failed' }, { at: T0 + 100 })
    expect(ids.map((id) => log.getEvent(id)!.reason)).toEqual(reasons)
    expect(Object.fromEntries(log.reasonCounts(T0, T0 + 1000))).toEqual({ ...Object.fromEntries(reasons.map((r) => [r, 1])), 'skill-failed': 2 })
    expect(log.stats().unknownReasons).toBe(0)
  })

  it('stores a reason it does not know as text, never failing, and counts it in stats', () => {
    const errors: unknown[] = []
    const log = track(openHitLog(join(tempDir(), 'unknown.sqlite'), { onError: (e) => errors.push(e) }))
    const id = log.record({ ...result('q', 'escalate', []), reason: 'quota-exceeded' } as unknown as AskResult, { at: T0 })!
    expect(id).toBeDefined()
    expect(log.getEvent(id)!.reason).toBe('quota-exceeded')
    expect(log.stats().unknownReasons).toBe(1)
    expect(Object.fromEntries(log.reasonCounts(T0, T0 + 1))).toEqual({ 'quota-exceeded': 1 })
    expect(errors).toEqual([])
  })
})

describe('a log written by the previous schema (version 2)', () => {
  it('is migrated on open: its events read back with no page and no turns, and new events get both', () => {
    expect(HITLOG_SCHEMA_VERSION).toBe(4)
    const path = join(tempDir(), 'v2.sqlite')
    const db = new Database(path)
    // The schema SQL of version 2, as kotae wrote it before issue 9.
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE entry_keys (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
      CREATE TABLE events (id INTEGER PRIMARY KEY, session TEXT, channel TEXT, lang TEXT NOT NULL, query TEXT, query_hash TEXT,
        decision INTEGER NOT NULL, reason INTEGER NOT NULL, confidence INTEGER NOT NULL, latency_us INTEGER NOT NULL, answer INTEGER,
        e1 INTEGER, s1 INTEGER, c1 INTEGER, e2 INTEGER, s2 INTEGER, c2 INTEGER, e3 INTEGER, s3 INTEGER, c3 INTEGER, o1 INTEGER, o2 INTEGER, o3 INTEGER);
      CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id INTEGER NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL, entry INTEGER, comment TEXT);
      CREATE INDEX feedback_event ON feedback(event_id);
      CREATE TABLE suggestion_status (entry_id TEXT NOT NULL, query TEXT NOT NULL, status TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (entry_id, query)) WITHOUT ROWID;
      CREATE INDEX feedback_kind_ts ON feedback(kind, ts);
      PRAGMA user_version = 2;`)
    const oldId = T0 * 1024
    db.prepare('INSERT INTO entry_keys (key, id) VALUES (1, ?)').run('ship')
    db.prepare(`INSERT INTO events (id, session, channel, lang, query, decision, reason, confidence, latency_us, answer, e1, s1, c1)
      VALUES (?, 's1', 'web', 'ja', '送料は？', 0, 0, 9000, 1500, 1, 1, 9000, 9000)`).run(oldId)
    db.close()

    const log = track(openHitLog(path, { strict: true, now: () => T0 + 1000, onError: (e) => { throw e } }))
    expect(log.getEvent(String(oldId))).toMatchObject({ query: '送料は？', channel: 'web', reason: 'confident', answerId: 'ship', page: null, turns: [], turnsOmitted: null })
    const id = log.record(result('送料は？', 'answer', [['ship', 0.9]], 'ja'), { page: '/cart', turns: [{ role: 'user', text: 'こんにちは' }] })!
    expect(log.getEvent(id)).toMatchObject({ page: '/cart', turns: [{ role: 'user', text: 'こんにちは' }], turnsOmitted: 0 })
    expect(log.entriesAskedFrom({ page: '/cart' }, { minSupport: 1 })).toEqual([{ entryId: 'ship', count: 1, share: 1, source: 'page' }])
    log.close()
    const check = new Database(path, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(HITLOG_SCHEMA_VERSION)
    expect((check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'events_page'").get() as { name: string }).name).toBe('events_page')
    check.close()
  })
})
