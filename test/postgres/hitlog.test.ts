/**
 * The PostgreSQL hit log against a real server: an ask through a knowledge base lands redacted,
 * replicas writing at once lose nothing and never share an id, the reads count exactly what the
 * SQLite log counts for the same events and feedback (and the report and suggestions built on
 * them are the same), feedback checks, the suggestion ledger, the store's shared hash salt.
 * The database-outage tests are in hitlog-outage.test.ts (a cluster of their own).
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildKnowledgeBase, type KnowledgeBase } from '../../src/engine.js'
import { isKotaeError, type KotaeError } from '../../src/errors.js'
import { openHitLog, type HitLog } from '../../src/hitlog/index.js'
import { buildReport, listSuggestions } from '../../src/ops/index.js'
import { openPostgres, type PostgresDatabase } from '../../src/postgres/connect.js'
import { openPostgresHitLog, type PostgresHitLog, type PostgresHitLogOptions } from '../../src/postgres/index.js'
import type { AskResult, Turn } from '../../src/schema.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'
import { removeTempDirs, result, tempDir } from '../ops/helpers.js'

const HOUR = 3600_000
const T0 = Date.parse('2026-03-02T09:00:00Z')

let url: string
let admin: PostgresDatabase
const logs: Array<PostgresHitLog | HitLog> = []
const track = <L extends PostgresHitLog | HitLog>(log: L): L => (logs.push(log), log)
const open = async (options: PostgresHitLogOptions = {}) => track(await openPostgresHitLog(url, { poolSize: 3, ...options }))

/** Collects reported errors. */
function sink() {
  const errors: KotaeError[] = []
  return { errors, onError: (e: KotaeError) => void errors.push(e) }
}

describe.skipIf(!POSTGRES_URL)('the PostgreSQL hit log (a real server)', () => {
  beforeAll(async () => {
    url = await freshDatabase('hitlog')
    admin = await openPostgres(url, { poolSize: 2 })
  })
  afterAll(async () => {
    for (const log of logs.splice(0)) await log.close()
    await admin?.close()
    await dropDatabases()
    removeTempDirs()
  })

  describe('recording through a knowledge base', () => {
    let kb: KnowledgeBase
    beforeAll(async () => {
      kb = await buildKnowledgeBase(MINI_FAQ)
    }, 120_000)

    it('stores the ask redacted: the e-mail address and the phone number in the query are masked', async () => {
      const errors = sink()
      const log = await open({ onError: errors.onError, replica: 'replica-a' })
      kb.useLogger(log)
      try {
        const asked = await kb.ask('My email is taro.yamada@example.com and my phone is 090-1234-5678: when will my order arrive?', { sessionId: 'sess-1', channel: 'web', page: '/orders/8812?token=abc' })
        expect(asked.eventId).toBeDefined()
        expect(await log.flush()).toBe(true)
        const { rows } = await admin.pool.query('SELECT * FROM kotae_events WHERE id = $1', [asked.eventId])
        expect(rows).toHaveLength(1)
        const row = rows[0]
        expect(row.query).toContain('[email]')
        expect(row.query).toContain('[phone]')
        expect(row.query).not.toContain('taro.yamada')
        expect(row.query).not.toContain('1234')
        expect(row.page).toMatch(/^\/orders\//)
        expect(row.page).not.toContain('token')
        expect(row).toMatchObject({ channel: 'web', lang: 'en', decision: asked.decision, reason: asked.reason, replica: 'replica-a' })
        const event = await log.getEvent(asked.eventId!)
        expect(event).toMatchObject({ id: asked.eventId, query: row.query, decision: asked.decision, lang: 'en', channel: 'web' })
        expect(event!.top[0]!.id).toBe(asked.candidates[0]!.id)
        expect(log.stats()).toMatchObject({ recorded: 1, written: 1, dropped: 0, queued: 0, errors: 0 })
        expect(log.healthy).toBe(true)
        expect(errors.errors).toEqual([])
      } finally {
        kb.useLogger(null)
      }
    })

    it('stores the page and the turns of a conversation the way the SQLite log does', async () => {
      const pg = await open()
      const sqlite = track(openHitLog(join(tempDir('kotae-pghit-'), 'turns.sqlite')))
      const turns: Turn[] = [
        { role: 'user', text: 'hi, I am at 1-2-3 Jingumae, call me on 03-1234-5678', at: '2026-03-02T08:59:00Z' },
        { role: 'bot', text: 'Hello! How can I help?' },
        { role: 'user', text: 'x'.repeat(3000) },
      ]
      const ask = result('and where is my parcel? mail a@b.io', 'clarify', [['late', 0.45], ['track', 0.4], ['cancel', 0.1]])
      const context = { sessionId: 'user-42@example.com', channel: 'line', page: '/track/', turns, at: T0 }
      const a = pg.record(ask, context)!
      const b = sqlite.record(ask, context)!
      const fromPg = await pg.getEvent(a)
      const fromSqlite = sqlite.getEvent(b)
      expect({ ...fromPg, id: '' }).toEqual({ ...fromSqlite, id: '' })
      expect(fromPg!.turns).toHaveLength(3)
      expect(fromPg!.sessionId).not.toContain('user-42')
    })
  })

  it('three replicas writing at once lose nothing, and their ids never collide', async () => {
    const replicas = await Promise.all(['r1', 'r2', 'r3'].map((replica) => open({ replica, batchSize: 40, flushIntervalMs: 5 })))
    const perReplica = 400
    const ids = await Promise.all(
      replicas.map(async (log, r) => {
        const mine: string[] = []
        for (let i = 0; i < perReplica; i++) {
          mine.push(log.record(result(`question ${r}-${i}`, i % 3 === 0 ? 'escalate' : 'answer', [['late', 0.9]]), { channel: `c${r}`, at: T0 + i })!)
          if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve))
        }
        return mine
      }),
    )
    expect(await Promise.all(replicas.map((l) => l.flush()))).toEqual([true, true, true])
    const all = ids.flat()
    expect(new Set(all).size).toBe(3 * perReplica)
    const { rows } = await admin.pool.query<{ replica: string; n: number; ids: number }>("SELECT replica, count(*)::int n, count(DISTINCT id)::int ids FROM kotae_events WHERE replica IN ('r1', 'r2', 'r3') GROUP BY replica ORDER BY replica")
    expect(rows).toEqual(['r1', 'r2', 'r3'].map((replica) => ({ replica, n: perReplica, ids: perReplica })))
    const found = await admin.pool.query<{ n: number }>('SELECT count(*)::int n FROM kotae_events WHERE id = ANY($1)', [all])
    expect(found.rows[0]!.n).toBe(3 * perReplica)
    for (const log of replicas) expect(log.stats()).toMatchObject({ recorded: perReplica, written: perReplica, dropped: 0, queued: 0 })
    // Ids sort like their times.
    expect([...ids[0]!].sort()).toEqual(ids[0])
  })

  describe('the same numbers as the SQLite log', () => {
    const ENTRIES = ['late', 'track', 'cancel', 'refund', 'ship']
    const CHANNELS = ['web', 'line', undefined, 'kakao']
    const PAGES = ['/checkout', '/orders/1', '/products/2', undefined, '/products', '/checkout/']
    // Confidences on 0.05 steps: thresholds and margins fall exactly on some of them.
    const CONF = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.9]
    let pg: PostgresHitLog
    let sqlite: HitLog
    /** SQLite event id → PostgreSQL event id. */
    const idMap = new Map<string, string>()
    const END = T0 + 3 * HOUR

    beforeAll(async () => {
      const dbUrl = await freshDatabase('parity')
      pg = track(await openPostgresHitLog(dbUrl, { now: () => END, batchSize: 17, flushIntervalMs: 5 }))
      sqlite = track(openHitLog(join(tempDir('kotae-pghit-'), 'parity.sqlite'), { now: () => END }))
      let seed = 12345
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        return seed % n
      }
      for (let i = 0; i < 240; i++) {
        const kind = (['answer', 'clarify', 'escalate'] as const)[rand(3)]
        const a = ENTRIES[rand(ENTRIES.length)]!
        let b = ENTRIES[rand(ENTRIES.length)]!
        if (b === a) b = ENTRIES[(ENTRIES.indexOf(a) + 1) % ENTRIES.length]!
        const c1 = CONF[rand(CONF.length)]!
        const c2 = Math.max(0.05, Math.round((c1 - [0, 0.05, 0.1, 0.2][rand(4)]!) * 100) / 100)
        const top: [string, number][] = kind === 'escalate' && rand(3) === 0 ? [] : [[a, c1], [b, c2], [ENTRIES[rand(ENTRIES.length)]!, 0.05]]
        const ask: AskResult = result(rand(5) === 0 ? `order ${i % 7} late, mail me at u${i % 3}@example.com` : `question ${i % 23}`, kind, top, (['en', 'ja'] as const)[rand(2)])
        if (i % 41 === 0) (ask as { reason: string }).reason = 'reason-from-the-future'
        const context = { sessionId: `s${i % 31}`, channel: CHANNELS[rand(CHANNELS.length)], page: PAGES[rand(PAGES.length)], at: T0 + i * 40_000 + rand(1000) }
        const sid = sqlite.record(ask, context)!
        const pid = pg.record(ask, context)!
        idMap.set(sid, pid)
        if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve))
        const at = context.at + 5_000 + rand(10) * HOUR / 10
        const feedback = (() => {
          if (rand(3) === 0) return null
          if (kind === 'clarify' && top.length > 1) return { kind: 'picked' as const, entryId: top[rand(2)]![0] }
          if (kind === 'escalate') return { kind: 'resolved' as const, entryId: ENTRIES[rand(ENTRIES.length)]!, comment: 'used the refund page, call 090-1111-2222' }
          return rand(2) === 0 ? { kind: 'helpful' as const } : { kind: 'not-helpful' as const, comment: 'not what I asked' }
        })()
        if (feedback) {
          const s = sqlite.feedback(sid, feedback, at)
          const p = await pg.feedback(pid, feedback, at)
          expect({ ...p, eventId: '', feedbackId: 0 }).toEqual({ ...s, eventId: '', feedbackId: 0 })
        }
      }
      sqlite.setSuggestionStatus([{ entryId: 'late', query: 'question 3', reason: 'too vague, ask a@b.io' }], 'rejected', T0)
      await pg.setSuggestionStatus([{ entryId: 'late', query: 'question 3', reason: 'too vague, ask a@b.io' }], 'rejected', T0)
    }, 60_000)

    const sortBy = <T>(rows: T[]) => [...rows].sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1))
    const plain = (m: Map<string, unknown>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)))
    const windows: Array<[string, number, number]> = [
      ['all of it', T0 - HOUR, END + HOUR],
      ['a slice', T0 + 0.5 * HOUR, T0 + 1.5 * HOUR],
      ['an empty one', T0 - 5 * HOUR, T0 - 4 * HOUR],
    ]

    it('coverage, timeline, reasons, top counts and close pairs', async () => {
      expect(await pg.coverage()).toEqual(sqlite.coverage())
      expect((await pg.coverage()).events).toBe(240)
      for (const [, from, to] of windows) {
        expect(sortBy(await pg.timeline(from, to, 10 * 60_000))).toEqual(sortBy(sqlite.timeline(from, to, 10 * 60_000)))
        expect(plain(await pg.reasonCounts(from, to))).toEqual(plain(sqlite.reasonCounts(from, to)))
        expect(plain(await pg.topCounts(from, to))).toEqual(plain(sqlite.topCounts(from, to)))
        for (const margin of [0, 0.05, 0.1]) expect(sortBy(await pg.closePairs(from, to, margin))).toEqual(sortBy(sqlite.closePairs(from, to, margin)))
      }
      expect((await pg.reasonCounts(T0, END)).get('reason-from-the-future')).toBe(6)
    })

    it('entryCounts and entryCountsByChannel', async () => {
      for (const [, from, to] of windows) {
        const counts = await pg.entryCounts(from, to)
        expect(plain(counts)).toEqual(plain(sqlite.entryCounts(from, to)))
        const byChannel = await pg.entryCountsByChannel(from, to)
        const expected = sqlite.entryCountsByChannel(from, to)
        expect([...byChannel.keys()]).toEqual([...expected.keys()])
        for (const [channel, m] of expected) expect(plain(byChannel.get(channel)!)).toEqual(plain(m))
      }
      const all = await pg.entryCounts(T0, END)
      expect([...all.values()].reduce((s, c) => s + c.picked + c.resolved + c.helpful + c.notHelpful, 0)).toBeGreaterThan(50)
    })

    it('unanswered, resolvedQueries, suggestionEvidence, recentQueries', async () => {
      for (const [, from, to] of windows) {
        for (const low of [0.4, 0.5, 0.55]) {
          const rows = await pg.unanswered(from, to, low)
          expect(rows).toEqual(sqlite.unanswered(from, to, low))
        }
        expect(sortBy(await pg.resolvedQueries(from, to))).toEqual(sortBy(sqlite.resolvedQueries(from, to)))
        const evidence = sqlite.suggestionEvidence(from, to).map((e) => ({ ...e, eventId: idMap.get(e.eventId) }))
        expect(sortBy(await pg.suggestionEvidence(from, to))).toEqual(sortBy(evidence))
        const recent = sqlite.recentQueries(from, to, 25).map((q) => ({ ...q, eventId: idMap.get(q.eventId) }))
        expect(await pg.recentQueries(from, to, 25)).toEqual(recent)
      }
      expect(sortBy(await pg.resolvedQueries())).toEqual(sortBy(sqlite.resolvedQueries()))
      expect((await pg.resolvedQueries()).length).toBeGreaterThan(10)
      expect((await pg.unanswered(T0, END, 0.5)).some((r) => r.query?.includes('[email]'))).toBe(true)
    })

    it('pageSummaries and entriesAskedFrom', async () => {
      for (const [, from, to] of windows) {
        for (const options of [{ pages: 3, entries: 2, lowConfidence: 0.5 }, { pages: 10, entries: 10, lowConfidence: 0.45 }]) {
          expect(await pg.pageSummaries(from, to, options)).toEqual(sqlite.pageSummaries(from, to, options))
        }
      }
      expect((await pg.pageSummaries(T0, END, { pages: 3, entries: 2, lowConfidence: 0.5 })).length).toBe(3)
      for (const [place, options] of [
        [{ page: '/checkout' }, { limit: 3, minSupport: 2 }],
        [{ page: '/products/*', lang: 'en' }, { limit: 5, minSupport: 1 }],
        [{ page: '/products/*', channel: 'web' }, { limit: 5, minSupport: 1 }],
        [{ page: '/nowhere' }, { limit: 2, minSupport: 3 }],
        [{ lang: 'ja' }, { limit: 4, minSupport: 1 }],
      ] as const) {
        const expected = sqlite.entriesAskedFrom(place, options)
        expect(expected.length).toBeGreaterThan(0)
        // The first call starts counting in the background; the counts come with a later call.
        expect(pg.entriesAskedFrom(place, options)).toEqual([])
        await vi.waitFor(() => expect(pg.entriesAskedFrom(place, options)).toEqual(expected), { timeout: 5_000, interval: 10 })
      }
    })

    it('the report and the suggestions built on the two logs are the same', async () => {
      const options = { now: END + HOUR, since: '1d', entries: [] }
      // The same report, but for when it was made and the order of close pairs with the same count (each store lists its pairs in its own order).
      const comparable = (report: Awaited<ReturnType<typeof buildReport>>, path: string) => {
        const pairs = [...report.nearDuplicates.coRanked].sort((x, y) => y.count - x.count || (x.a + x.b < y.a + y.b ? -1 : 1))
        return JSON.parse(JSON.stringify({ ...report, generatedAt: '', nearDuplicates: { ...report.nearDuplicates, coRanked: pairs } }).replaceAll(path, 'LOG'))
      }
      const fromPg = comparable(await buildReport(pg, options), pg.path)
      expect(fromPg).toEqual(comparable(await buildReport(sqlite, options), sqlite.path))
      expect(fromPg.totals.events).toBe(240)
      const suggestions = await listSuggestions(pg)
      expect(suggestions.length).toBeGreaterThan(0)
      expect(suggestions).toEqual(await listSuggestions(sqlite))
    })

    it('the suggestion ledger: decisions, reasons redacted, the last decision wins', async () => {
      for (const log of [sqlite, pg]) {
        await log.setSuggestionStatus([{ entryId: 'track', query: 'question 5' }, { entryId: 'cancel', query: 'question 9', reason: '  ' }], 'accepted', T0 + HOUR)
        await log.setSuggestionStatus([{ entryId: 'refund', query: 'question 1', reason: 'first' }, { entryId: 'refund', query: 'question 1', reason: 'duplicate, call 090-3333-4444' }], 'rejected', T0 + 2 * HOUR)
        await log.setSuggestionStatus([{ entryId: 'late', query: 'question 3' }], 'accepted', T0 + 3 * HOUR)
      }
      const decisions = await pg.suggestionDecisions()
      expect(decisions).toEqual(sqlite.suggestionDecisions())
      expect(decisions.map((d) => [d.entryId, d.status, d.reason])).toEqual([
        ['late', 'accepted', null],
        ['refund', 'rejected', 'duplicate, call [phone]'],
        ['cancel', 'accepted', null],
        ['track', 'accepted', null],
      ])
      expect(plain(await pg.suggestionStatus())).toEqual(plain(sqlite.suggestionStatus()))
      expect(await pg.setSuggestionStatus([], 'accepted')).toBeUndefined()
    })
  })

  describe('feedback', () => {
    it('writes a queued event first, checks the feedback like the SQLite log, and redacts the comment', async () => {
      const log = await open({ flushIntervalMs: 60_000 })
      const a = log.record(result('q1', 'answer', [['late', 0.9]]))!
      const c = log.record(result('q2', 'clarify', [['late', 0.4], ['track', 0.35]]))!
      expect(log.stats().queued).toBe(2)
      const receipt = await log.feedback(a, { kind: 'not-helpful', comment: 'wrong, write to me at hanako@example.jp' })
      expect(receipt).toMatchObject({ eventId: a, kind: 'not-helpful', entryId: 'late' })
      expect(typeof receipt.feedbackId).toBe('number')
      const { rows } = await admin.pool.query('SELECT * FROM kotae_feedback WHERE id = $1', [receipt.feedbackId])
      expect(rows[0]).toMatchObject({ event_id: a, kind: 'not-helpful', entry_id: 'late', comment: 'wrong, write to me at [email]' })
      expect(await log.feedback(c, { kind: 'picked', entryId: 'track' })).toMatchObject({ entryId: 'track' })
      await expect(log.feedback(c, { kind: 'picked', entryId: 'cancel' })).rejects.toThrow(/feedback for event .*: entry "cancel" was not offered \(offered: late, track\); use kind "resolved"/)
      await expect(log.feedback(c, { kind: 'picked', entryId: 'cancel' })).rejects.toMatchObject({ code: 'INVALID_FEEDBACK', details: expect.objectContaining({ eventId: c }) })
      await expect(log.feedback(a, { kind: 'great' } as never)).rejects.toMatchObject({ code: 'INVALID_FEEDBACK' })
      await expect(log.feedback('999', { kind: 'great' } as never)).rejects.toMatchObject({ code: 'INVALID_FEEDBACK' })
      await expect(log.feedback('999', { kind: 'helpful' })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT', details: { eventId: '999', path: log.path } })
      // A well-formed id of an event recorded long ago that the store does not have: no wait.
      const old = a.replace(/^.{10}/, '0000000000')
      await expect(log.feedback(old, { kind: 'helpful' })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' })
      expect(log.path).not.toMatch(/:[^/@]*@/) // no password in what errors name
    })

    it('finds an event another replica recorded a moment ago and has not written yet', async () => {
      const a = await open({ replica: 'slow', flushIntervalMs: 300 })
      const b = await open({ replica: 'fast' })
      const id = a.record(result('where is my parcel', 'answer', [['track', 0.8]]))!
      const receipt = await b.feedback(id, { kind: 'helpful' })
      expect(receipt).toMatchObject({ eventId: id, entryId: 'track' })
      expect(a.stats()).toMatchObject({ written: 1, queued: 0 })
    })

    it('asks to send feedback again, not UNKNOWN_EVENT, for an event recorded moments ago that another replica has not written yet', async () => {
      const a = await open({ replica: 'stuck', flushIntervalMs: 60_000, batchSize: 1000 })
      const b = await open({ replica: 'other', feedbackWaitMs: 200 })
      const id = a.record(result('where is my parcel', 'answer', [['track', 0.8]]))!
      const refused = await b.feedback(id, { kind: 'helpful' }).catch((e: unknown) => e)
      expect(refused).toMatchObject({ code: 'STORE_UNAVAILABLE' })
      expect((refused as Error).message).toMatch(/recorded [\d.]+ s ago and is not in the store yet.*send the feedback again/)
      await a.flush()
      expect(await b.feedback(id, { kind: 'helpful' })).toMatchObject({ eventId: id, entryId: 'track' })
    })

    it('is closed after close: records are reported and ignored, reads and feedback throw LOG_CLOSED', async () => {
      const errors = sink()
      const log = await openPostgresHitLog(url, { onError: errors.onError, poolSize: 1 })
      const id = log.record(result('q', 'answer', [['late', 0.9]]))!
      await log.close()
      await log.close()
      expect(log.stats()).toMatchObject({ recorded: 1, written: 1, dropped: 0, queued: 0 })
      expect(log.record(result('q', 'answer', [['late', 0.9]]))).toBeUndefined()
      expect(errors.errors.map((e) => [e.code, e.details.dropped])).toEqual([['LOG_CLOSED', 1]])
      await expect(log.coverage()).rejects.toMatchObject({ code: 'LOG_CLOSED' })
      await expect(log.feedback(id, { kind: 'helpful' })).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    })
  })

  it('a query with characters PostgreSQL cannot store is stored with U+FFFD, and the batch goes through', async () => {
    const log = await open({ redaction: { mode: 'none' } })
    const id = log.record(result('nul \u0000 and a lone \ud800 surrogate', 'escalate', [['late\u0000', 0.2]]), { channel: 'we\u0000b', turns: [{ role: 'user', text: 'a\u0000b' }] })!
    const other = log.record(result('fine', 'escalate', []))!
    expect(await log.flush()).toBe(true)
    const event = await log.getEvent(id)
    expect(event).toMatchObject({ query: 'nul \ufffd and a lone \ufffd surrogate', channel: 'we\ufffdb', top: [{ id: 'late\ufffd' }], turns: [{ text: 'a\ufffdb' }] })
    expect(await log.getEvent(other)).toBeDefined()
    expect(log.stats()).toMatchObject({ written: 2, dropped: 0, errors: 0 })
  })

  it('hash mode: every replica uses the store\'s one salt (made once, kept in kotae_meta)', async () => {
    const dbUrl = await freshDatabase('salt')
    const [a, b] = await Promise.all([0, 1].map(() => openPostgresHitLog(dbUrl, { redaction: { mode: 'hash' }, poolSize: 2 })))
    const ia = a!.record(result('Where is my parcel?', 'escalate', []))!
    const ib = b!.record(result('where is my parcel?', 'escalate', []))!
    const [ea, eb] = [await a!.getEvent(ia), await b!.getEvent(ib)]
    expect(ea!.query).toBeNull()
    expect(ea!.queryHash).toMatch(/^[0-9a-f]{32}$/)
    expect(eb!.queryHash).toBe(ea!.queryHash)
    await Promise.all([a!.close(), b!.close()])
    const again = await openPostgresHitLog(dbUrl, { redaction: { mode: 'hash' }, poolSize: 1 })
    const ic = again.record(result('WHERE is my parcel?', 'escalate', []))!
    expect((await again.getEvent(ic))!.queryHash).toBe(ea!.queryHash)
    await again.close()
  })

  it('refuses bad options and an unreachable store', async () => {
    await expect(openPostgresHitLog(url, { retryForMs: 10 } as never)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    await expect(openPostgresHitLog(url, { maxQueue: 0 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    const err = await openPostgresHitLog('postgres://kotae:s3cret@127.0.0.1:1/none', { connectTimeoutMs: 1000 }).catch((e: unknown) => e)
    expect(isKotaeError(err, 'STORE_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).not.toContain('s3cret')
  })
})
