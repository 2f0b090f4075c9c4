/**
 * The hit log's file under real conditions: a damaged file, and the file or the
 * knowledge-base folder removed while serving.
 */
import { closeSync, existsSync, openSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/engine.js'
import { KotaeError } from '../../src/errors.js'
import { openHitLog } from '../../src/hitlog/index.js'
import { buildReport, listSuggestions } from '../../src/ops/index.js'
import { mulberry32 } from '../../src/random.js'
import { result, tempDir } from '../ops/helpers.js'
import { count, ENTRIES, errorSink, invariant, QUESTIONS, track } from './helpers.js'

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
    await expect(listSuggestions(log)).rejects.toThrow(expect.objectContaining({ code: 'LOG_STORE' }))
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
    await expect(listSuggestions(log)).rejects.toThrow(expect.objectContaining({ code: 'LOG_STORE' }))
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
    const gone = sink.errors.find((e) => (e.details as { incident?: string }).incident === 'store-gone')!
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
