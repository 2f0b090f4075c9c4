/**
 * The hit log's writer under real conditions: a tight loop of awaited asks (which never yields to
 * the event loop), a failing store, bursts of events in one millisecond, several writers of one
 * file: every event is written or its loss reported with its count and reason.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/engine.js'
import { openHitLog } from '../../src/hitlog/index.js'
import { result, tempDir } from '../ops/helpers.js'
import { count, ENTRIES, errorSink, invariant, QUESTIONS, track } from './helpers.js'

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
    const overflow = sink.errors.find((e) => (e.details as { incident?: string }).incident === 'queue-full')!
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
    expect(sink.incidents()).toEqual(['id-reassigned'])
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
