/**
 * The hit log under real conditions: a tight loop of awaited asks (which never yields to the
 * event loop), a failing store, a damaged file, the knowledge-base folder removed while serving,
 * bursts of events in one millisecond, several writers of one file, and redaction of everything
 * a customer typed (query, session id, comment).
 */
import { closeSync, existsSync, openSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/engine.js'
import { KotaeError } from '../../src/errors.js'
import { buildReport, listSuggestions, openHitLog, redactQuery, type HitLog } from '../../src/ops/index.js'
import type { HitLogErrorDetails } from '../../src/ops/hitlog.js'
import { mulberry32 } from '../../src/random.js'
import { result, tempDir } from './helpers.js'

const logs: HitLog[] = []
const track = (l: HitLog) => (logs.push(l), l)
afterEach(() => {
  for (const l of logs.splice(0)) l.close()
})

const ENTRIES = [
  { id: 'shipping', lang: 'en', question: 'How long does shipping take?', variants: ['when will my order arrive', 'delivery time'], answer: 'Two days.' },
  { id: 'returns', lang: 'en', question: 'How do I return an item?', variants: ['return policy', 'send something back'], answer: 'Within 30 days.' },
  { id: 'payment', lang: 'en', question: 'Which payment methods do you accept?', variants: ['can I pay by card', 'pay with paypal'], answer: 'Cards and PayPal.' },
]
const QUESTIONS = ['how long does shipping take', 'return policy', 'can I pay by card', 'do you sell gift cards', 'when will my order arrive']

/** Collects reported errors; `lost(reason)` sums the events they report as lost. */
function errorSink() {
  const errors: KotaeError[] = []
  const details = (e: KotaeError) => e.details as unknown as HitLogErrorDetails
  return {
    errors,
    onError: (e: KotaeError) => void errors.push(e),
    lost: (reason?: string) => errors.filter((e) => !reason || details(e).reason === reason).reduce((s, e) => s + (details(e).dropped ?? 0), 0),
    reasons: () => errors.map((e) => details(e).reason).filter(Boolean),
  }
}

function count(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true })
  try {
    return (db.prepare('SELECT count(*) n FROM events').get() as { n: number }).n
  } finally {
    db.close()
  }
}

function invariant(log: HitLog): void {
  const s = log.stats()
  expect(s.recorded).toBe(s.written + s.dropped + s.queued)
  expect(s.dropped).toBe(s.drops['queue-full'] + s.drops['write-failed'] + s.drops['store-gone'])
}

describe('hit log writes in a tight loop of awaited asks', () => {
  it('writes 2,000 asks before close(), in batches (default options)', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const path = join(tempDir(), 'tight.sqlite')
    const sink = errorSink()
    const log = track(openHitLog(path, { onError: sink.onError }))
    kb.useLogger(log)
    for (let i = 0; i < 2000; i++) await kb.ask(QUESTIONS[i % QUESTIONS.length], { sessionId: `s${i % 7}` })
    // No yield since the loop started: whatever is in the file was written from inside record.
    const stored = count(path)
    expect(stored).toBeGreaterThanOrEqual(2000 - 2 * 256)
    expect(log.stats()).toMatchObject({ recorded: 2000, written: stored, dropped: 0 })
    expect(sink.errors).toEqual([])
    invariant(log)
  })

  it('never leaves an event unwritten for longer than the flush interval, even when no batch fills', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const path = join(tempDir(), 'interval.sqlite')
    const interval = 100
    const log = track(openHitLog(path, { flushIntervalMs: interval, batchSize: 1_000_000, onError: (e) => { throw e } }))
    kb.useLogger(log)
    const askedAt: number[] = []
    const checks: { at: number; stored: number }[] = []
    for (let i = 0; i < 2000; i++) {
      await kb.ask(QUESTIONS[i % QUESTIONS.length])
      askedAt.push(performance.now())
      if (i % 100 === 99) checks.push({ at: performance.now(), stored: count(path) })
    }
    // An event is written by the first record at least one interval after it (asks take well under 50 ms here).
    const slack = 50
    for (const c of checks) expect(c.stored).toBeGreaterThanOrEqual(askedAt.filter((t) => t <= c.at - interval - slack).length)
    expect(checks.at(-1)!.stored).toBeGreaterThan(0)
  })

  it('flushes on its unref()ed timer when the caller yields', async () => {
    const path = join(tempDir(), 'timer.sqlite')
    const log = track(openHitLog(path, { flushIntervalMs: 20 }))
    for (let i = 0; i < 10; i++) log.record(result(`q${i}`, 'escalate', []), {})
    expect(count(path)).toBe(0)
    await new Promise((r) => setTimeout(r, 80))
    expect(count(path)).toBe(10)
  })
})

describe('hit log losses are reported with their count and reason', () => {
  it('reports queue overflow through onError with the number dropped', async () => {
    const path = join(tempDir(), 'overflow.sqlite')
    writeFileSync(path, 'garbage'.repeat(500))
    const sink = errorSink()
    const log = track(openHitLog(path, { maxQueue: 3, flushIntervalMs: 10, onError: sink.onError }))
    for (let i = 0; i < 10; i++) log.record(result(`q${i}`, 'escalate', []), {})
    await new Promise((r) => setTimeout(r, 50))
    expect(log.stats()).toMatchObject({ recorded: 10, dropped: 7, queued: 3, drops: { 'queue-full': 7 } })
    expect(sink.lost('queue-full')).toBe(7)
    const overflow = sink.errors.find((e) => (e.details as { reason?: string }).reason === 'queue-full')!
    expect(overflow.code).toBe('LOG_STORE')
    expect(overflow.message).toMatch(/event\(s\) were dropped: the queue .* is full \(maxQueue 3\)/)
    invariant(log)
  })

  it('drops events that could not be written within retryForMs, and those still queued at close, and says so', () => {
    const path = join(tempDir(), 'retry.sqlite')
    writeFileSync(path, 'garbage'.repeat(500))
    const sink = errorSink()
    const log = openHitLog(path, { retryForMs: 0, onError: sink.onError })
    log.record(result('a', 'escalate', []), {})
    log.record(result('b', 'escalate', []), {})
    expect(log.flush()).toBe(false)
    expect(sink.lost('write-failed')).toBe(2)
    expect(sink.errors.at(-1)!.message).toMatch(/2 event\(s\) were dropped: they could not be written .* for 0 ms \(last error: file is not a database\)/)

    const sink2 = errorSink()
    const log2 = openHitLog(path, { onError: sink2.onError })
    log2.record(result('c', 'escalate', []), {})
    log2.close()
    expect(sink2.lost('write-failed')).toBe(1)
    expect(sink2.errors.at(-1)!.message).toMatch(/1 queued event\(s\) could not be written .* before the log was closed and are lost/)
    expect(log2.stats()).toMatchObject({ recorded: 1, written: 0, dropped: 1, queued: 0 })
    invariant(log)
    invariant(log2)
    log.close()
  })

  it('says honestly what happens to events while another process holds a lock', () => {
    const path = join(tempDir(), 'locked.sqlite')
    const sink = errorSink()
    const log = track(openHitLog(path, { onError: sink.onError, busyTimeoutMs: 0 }))
    const other = new Database(path)
    other.exec('BEGIN EXCLUSIVE')
    log.record(result('q', 'answer', [['a', 0.9]]), {})
    expect(log.flush()).toBe(false)
    expect(sink.errors.at(-1)!.message).toMatch(/Another process holds a lock on the file\. The 1 queued event\(s\) are kept and retried for up to 60 s \(at most 20000 kept\), then dropped and reported/)
    expect(sink.lost()).toBe(0)
    other.exec('ROLLBACK')
    other.close()
    expect(log.flush()).toBe(true)
  })
})

describe('a damaged hit log', () => {
  async function damagedLog(): Promise<string> {
    const path = join(tempDir(), 'hits.sqlite')
    const log = openHitLog(path, { onError: (e) => { throw e } })
    const rand = mulberry32(7)
    for (let i = 0; i < 3000; i++) {
      const id = log.record(result(`question ${i} about ${Math.floor(rand() * 1e6)} things`, i % 3 === 0 ? 'clarify' : 'answer', [[`e${i % 40}`, 0.45], [`e${(i + 1) % 40}`, 0.4]]), { at: Date.parse('2026-05-01T00:00:00Z') + i * 60_000 })!
      if (i % 3 === 0 && i % 9 === 0) log.feedback(id, { kind: 'picked', entryId: `e${i % 40}` })
    }
    log.close()
    // Garbage over a whole page in the middle of the file, as a bad sector or a stray write would leave it.
    const size = statSync(path).size
    expect(size).toBeGreaterThan(64 * 4096)
    const page = 4096
    const at = Math.floor(size / 2 / page) * page
    const garbage = Buffer.alloc(page)
    for (let i = 0; i < page; i++) garbage[i] = Math.floor(rand() * 256)
    const fd = openSync(path, 'r+')
    writeSync(fd, garbage, 0, page, at)
    closeSync(fd)
    return path
  }

  it('is detected at open (quick_check): strict open fails with LOG_STORE and a recovery hint', async () => {
    const path = await damagedLog()
    let error: unknown
    try {
      openHitLog(path, { strict: true })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KotaeError)
    expect((error as KotaeError).code).toBe('LOG_STORE')
    expect((error as KotaeError).message).toMatch(/is damaged \(PRAGMA quick_check: .+\)\. The file is damaged or is not a hit log: move it away .* a new, empty log is then created/)
    expect(existsSync(path)).toBe(true)
  })

  it('makes report and suggest fail with LOG_STORE, while recording never throws and the loss is reported', async () => {
    const path = await damagedLog()
    const sink = errorSink()
    const log = track(openHitLog(path, { onError: sink.onError, retryForMs: 0 }))
    expect(log.healthy).toBe(false)
    expect(sink.errors[0].code).toBe('LOG_STORE')
    await expect(buildReport(log, { now: Date.parse('2026-05-03T00:00:00Z') })).rejects.toMatchObject({ code: 'LOG_STORE', message: expect.stringMatching(/move it away/) })
    expect(() => listSuggestions(log)).toThrow(expect.objectContaining({ code: 'LOG_STORE' }))
    expect(log.record(result('q', 'answer', [['a', 0.9]]), {})).toBeDefined()
    expect(log.flush()).toBe(false)
    expect(sink.lost('write-failed')).toBe(1)
  })

  it('maps SQLITE_CORRUPT found while reading to LOG_STORE (no raw stack), even without the open check', async () => {
    const path = await damagedLog()
    const log = track(openHitLog(path, { quickCheck: false, strict: true }))
    let error: unknown
    try {
      await buildReport(log, { now: Date.parse('2026-05-03T00:00:00Z') })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KotaeError)
    expect(error).toMatchObject({ code: 'LOG_STORE', details: { sqliteCode: expect.stringMatching(/^SQLITE_CORRUPT/) } })
    expect((error as Error).message).toMatch(/move it away/)
    // The damaged file is closed; the next use runs the open check and fails the same way.
    expect(() => listSuggestions(log)).toThrow(expect.objectContaining({ code: 'LOG_STORE' }))
  })
})

describe('the log file or its folder removed while serving', () => {
  it('reports the events lost with the folder, never counts them as written, and does not recreate the folder', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const dir = tempDir('kotae-kb-')
    await kb.save(dir)
    const sink = errorSink()
    const log = openHitLog(dir, { onError: sink.onError })
    kb.useLogger(log)
    for (let i = 0; i < 20; i++) await kb.ask(QUESTIONS[i % QUESTIONS.length])
    expect(log.flush()).toBe(true)
    expect(log.stats().written).toBe(20)
    rmSync(dir, { recursive: true, force: true })
    for (let i = 0; i < 100; i++) await kb.ask(QUESTIONS[i % QUESTIONS.length])
    expect(log.flush()).toBe(false)
    const gone = sink.errors.find((e) => (e.details as { reason?: string }).reason === 'store-gone')!
    expect(gone.message).toMatch(/was deleted or replaced while open: the 20 event\(s\) this process had written to it are no longer in the log/)
    expect(gone.message).toMatch(/no longer exists and is not recreated\. The 100 queued event\(s\) are kept and retried/)
    expect(log.stats()).toMatchObject({ recorded: 120, written: 0, queued: 100, drops: { 'store-gone': 20 } })
    log.close()
    expect(sink.lost()).toBe(120)
    expect(log.stats()).toMatchObject({ recorded: 120, written: 0, dropped: 120, queued: 0 })
    expect(existsSync(dir)).toBe(false)
    invariant(log)
  })

  it('starts a new log when only the file is removed, and reports what went with the old one', () => {
    const dir = tempDir()
    const path = join(dir, 'hits.sqlite')
    const sink = errorSink()
    const log = track(openHitLog(path, { onError: sink.onError }))
    for (let i = 0; i < 5; i++) log.record(result(`a${i}`, 'escalate', []), {})
    expect(log.flush()).toBe(true)
    log.close()
    const log2 = track(openHitLog(path, { onError: sink.onError }))
    for (let i = 0; i < 5; i++) log2.record(result(`b${i}`, 'escalate', []), {})
    expect(log2.flush()).toBe(true)
    for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) unlinkSync(f)
    for (let i = 0; i < 7; i++) log2.record(result(`c${i}`, 'escalate', []), {})
    expect(log2.flush()).toBe(true)
    expect(sink.lost('store-gone')).toBe(5)
    expect(sink.errors.at(-1)!.message).toMatch(/the 5 event\(s\) .* a new log is started at the same path/)
    expect(count(path)).toBe(7)
    expect(log2.stats()).toMatchObject({ recorded: 12, written: 7, dropped: 5 })
    invariant(log2)
  })
})

describe('event ids', () => {
  it('gives 3,000 events with the same timestamp 3,000 distinct ids, all stored', () => {
    const path = join(tempDir(), 'burst.sqlite')
    const sink = errorSink()
    const log = track(openHitLog(path, { onError: sink.onError, maxQueue: 10_000, batchSize: 10_000 }))
    const t = Date.parse('2026-05-01T10:00:00Z')
    const ids = Array.from({ length: 3000 }, (_, i) => log.record(result(`burst ${i}`, 'answer', [['a', 0.9]]), { at: t })!)
    expect(new Set(ids).size).toBe(3000)
    expect(log.flush()).toBe(true)
    expect(count(path)).toBe(3000)
    expect(sink.errors).toEqual([])
    expect(log.stats()).toMatchObject({ written: 3000, dropped: 0 })
    // Stored times drift by a millisecond per 1,024 events of one millisecond.
    expect(log.coverage()).toEqual({ first: t, last: t + 2, events: 3000 })
    expect(log.getEvent(ids[2999])!.query).toBe('burst 2999')
  })

  it('never drops an event whose id another writer of the same file took; returned ids keep working', () => {
    const path = join(tempDir(), 'two.sqlite')
    const sink = errorSink()
    const a = track(openHitLog(path, { onError: sink.onError, maxQueue: 10_000, batchSize: 10_000 }))
    const b = track(openHitLog(path, { onError: sink.onError, maxQueue: 10_000, batchSize: 10_000 }))
    const t = Date.parse('2026-05-01T10:00:00Z')
    const idsA = Array.from({ length: 1500 }, (_, i) => a.record(result(`a ${i}`, 'answer', [['x', 0.9]]), { at: t })!)
    const idsB = Array.from({ length: 1500 }, (_, i) => b.record(result(`b ${i}`, 'answer', [['x', 0.9]]), { at: t })!)
    expect(a.flush()).toBe(true)
    expect(b.flush()).toBe(true)
    expect(count(path)).toBe(3000)
    expect(sink.lost()).toBe(0)
    expect(b.stats().reassigned).toBeGreaterThan(0)
    expect(sink.reasons()).toEqual(['id-reassigned'])
    expect(sink.errors[0].message).toMatch(/none was dropped/)
    for (let i = 0; i < 1500; i += 37) {
      expect(a.getEvent(idsA[i])!.query).toBe(`a ${i}`)
      expect(b.getEvent(idsB[i])!.query).toBe(`b ${i}`)
    }
    expect(b.feedback(idsB[1499], { kind: 'helpful' }).eventId).toBe(idsB[1499])
  })

  it('spreads the writers of one file apart so ordinary traffic never collides', () => {
    const path = join(tempDir(), 'writers.sqlite')
    const sink = errorSink()
    const writers = Array.from({ length: 4 }, () => track(openHitLog(path, { onError: sink.onError })))
    const t = Date.parse('2026-05-01T10:00:00Z')
    for (let ms = 0; ms < 50; ms++) for (const w of writers) for (let k = 0; k < 100; k++) w.record(result('q', 'answer', [['x', 0.9]]), { at: t + ms })
    for (const w of writers) expect(w.flush()).toBe(true)
    expect(count(path)).toBe(4 * 50 * 100)
    expect(sink.errors).toEqual([])
  })
})

describe('redaction of everything a customer typed', () => {
  function stored(path: string) {
    const db = new Database(path, { readonly: true })
    try {
      return {
        events: db.prepare('SELECT session, query, query_hash FROM events ORDER BY id').all() as { session: string | null; query: string | null; query_hash: string | null }[],
        comments: (db.prepare('SELECT comment FROM feedback ORDER BY id').all() as { comment: string | null }[]).map((r) => r.comment),
        salt: (db.prepare("SELECT value FROM meta WHERE key = 'hash_salt'").get() as { value: string } | undefined)?.value,
      }
    } finally {
      db.close()
    }
  }

  it('masks session ids and feedback comments like queries (default mode)', () => {
    const path = join(tempDir(), 'mask.sqlite')
    const log = openHitLog(path, { onError: (e) => { throw e } })
    const id = log.record(result('my mail is a@b.io', 'answer', [['late', 0.9]]), { sessionId: 'alice@example.com' })!
    log.feedback(id, { kind: 'not-helpful', comment: 'call me on +81 90-1234-5678 or mail alice@example.com' })
    expect(log.getEvent(id)!.sessionId).toBe('[email]')
    log.close()
    const s = stored(path)
    expect(s.events[0]).toEqual({ session: '[email]', query: 'my mail is [email]', query_hash: null })
    expect(s.comments).toEqual(['call me on [phone] or mail [email]'])
  })

  it('hashes session ids and comments in hash mode, and stores them verbatim only in none mode', () => {
    const hashed = join(tempDir(), 'hash.sqlite')
    const log = openHitLog(hashed, { redaction: { mode: 'hash' }, onError: (e) => { throw e } })
    const id = log.record(result('where is my parcel', 'escalate', []), { sessionId: 'alice@example.com' })!
    log.feedback(id, { kind: 'helpful', comment: 'thanks, alice@example.com' })
    log.close()
    const h = stored(hashed)
    const hash = (text: string) => redactQuery(text, { mode: 'hash', salt: h.salt! }).hash
    expect(h.events[0]).toEqual({ session: hash('alice@example.com'), query: null, query_hash: hash('where is my parcel') })
    expect(h.comments).toEqual([hash('thanks, alice@example.com')])
    expect(JSON.stringify(h)).not.toMatch(/alice|parcel|thanks/)

    const plain = join(tempDir(), 'none.sqlite')
    const log2 = openHitLog(plain, { redaction: { mode: 'none' } })
    const id2 = log2.record(result('my mail is a@b.io', 'escalate', []), { sessionId: 'alice@example.com' })!
    log2.feedback(id2, { kind: 'helpful', comment: 'mail alice@example.com' })
    log2.close()
    expect(stored(plain)).toMatchObject({ events: [{ session: 'alice@example.com', query: 'my mail is a@b.io' }], comments: ['mail alice@example.com'] })
  })

  it('generates a non-empty salt per log in hash mode, stores it, and reuses it on reopen', () => {
    const dir = tempDir()
    const path = join(dir, 'salt.sqlite')
    const first = openHitLog(path, { redaction: { mode: 'hash' } })
    const id1 = first.record(result('where is my parcel', 'escalate', []), {})!
    const hash1 = first.getEvent(id1)!.queryHash
    first.close()
    const { salt } = stored(path)
    expect(salt!.length).toBeGreaterThanOrEqual(32)
    expect(hash1).toBe(redactQuery('where is my parcel', { mode: 'hash', salt: salt! }).hash)

    const again = openHitLog(path, { redaction: { mode: 'hash' } })
    const id2 = again.record(result('Where is my parcel ', 'escalate', []), {})!
    expect(again.getEvent(id2)!.queryHash).toBe(hash1)
    again.close()
    expect(stored(path).salt).toBe(salt)

    const other = join(dir, 'other.sqlite')
    openHitLog(other, { redaction: { mode: 'hash' } }).close()
    expect(stored(other).salt).not.toBe(salt)
    expect(() => openHitLog(join(dir, 'empty.sqlite'), { redaction: { mode: 'hash', salt: '' } })).toThrow(/salt must not be empty/)
  })

  it('hashes events recorded before the file could be opened with the log’s own salt, once it is', () => {
    const path = join(tempDir(), 'late.sqlite')
    const other = new Database(path)
    other.exec('CREATE TABLE hold (x); BEGIN EXCLUSIVE; INSERT INTO hold VALUES (1)')
    const sink = errorSink()
    const log = track(openHitLog(path, { redaction: { mode: 'hash' }, busyTimeoutMs: 0, reopenIntervalMs: 0, onError: sink.onError }))
    expect(log.healthy).toBe(false)
    const id = log.record(result('where is my parcel', 'escalate', []), { sessionId: 'abc' })!
    other.exec('COMMIT')
    other.close()
    expect(log.flush()).toBe(true)
    const { salt, events } = stored(path)
    expect(salt).toBeTruthy()
    expect(events[0]).toEqual({ session: redactQuery('abc', { mode: 'hash', salt: salt! }).hash, query: null, query_hash: redactQuery('where is my parcel', { mode: 'hash', salt: salt! }).hash })
    expect(log.getEvent(id)!.queryHash).toBe(events[0].query_hash)
  })

  it('uses the caller’s salt when given one, without storing it', () => {
    const path = join(tempDir(), 'given.sqlite')
    const log = openHitLog(path, { redaction: { mode: 'hash', salt: 'pepper' } })
    const id = log.record(result('where is my parcel', 'escalate', []), {})!
    expect(log.getEvent(id)!.queryHash).toBe(redactQuery('where is my parcel', { mode: 'hash', salt: 'pepper' }).hash)
    log.close()
    expect(stored(path).salt).toBeUndefined()
  })
})
