/**
 * Conversation state in PostgreSQL against a real server: two knowledge-base instances (two
 * replicas, each with its own pool) continue one conversation, a clarify on the first and the
 * customer's pick on the second; the state round-trips as plain JSON; prune deletes stale
 * sessions; text PostgreSQL cannot hold does not fail a turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, type KnowledgeBase } from '../../src/engine.js'
import { isKotaeError } from '../../src/errors.js'
import { openPostgres, type PostgresDatabase } from '../../src/postgres/connect.js'
import { openPostgresConversationStore, openPostgresHitLog, PostgresConversationStore } from '../../src/postgres/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'

/** A base that always clarifies with three options (a clarify to pick from). */
const ALWAYS_CLARIFY = { answerThreshold: 1.01, clarifyThreshold: 0, confirmThreshold: 0, ambiguityMargin: 10, maxOptions: 3 }

describe.skipIf(!POSTGRES_URL)('the PostgreSQL conversation store (a real server)', () => {
  let url: string
  let replicaA: KnowledgeBase
  let replicaB: KnowledgeBase
  let dbA: PostgresDatabase
  let storeB: PostgresConversationStore

  beforeAll(async () => {
    url = await freshDatabase('conversations')
    ;[replicaA, replicaB] = await Promise.all([buildKnowledgeBase(MINI_FAQ), buildKnowledgeBase(MINI_FAQ)])
    dbA = await openPostgres(url, { poolSize: 2 })
    storeB = await openPostgresConversationStore(url, { poolSize: 2 })
  }, 120_000)
  afterAll(async () => {
    await dbA?.close()
    await storeB?.close()
    await dropDatabases()
  })

  it('a second replica continues the first one\'s conversation: the clarify on one, the pick on the other', async () => {
    const storeA = new PostgresConversationStore(dbA)
    const logA = await openPostgresHitLog(dbA)
    const logB = await openPostgresHitLog(url, { poolSize: 2 })
    replicaA.useLogger(logA)
    replicaB.useLogger(logB)
    replicaA.setThresholds(ALWAYS_CLARIFY)
    replicaB.setThresholds(ALWAYS_CLARIFY)
    try {
      const sessionId = 'line-user-0042'
      const first = await replicaA.conversation({ sessionId, store: storeA, context: { channel: 'line' } }).ask('注文のことで質問があります')
      expect(first.decision).toBe('clarify')
      if (first.decision !== 'clarify') return
      expect(first.options.length).toBeGreaterThanOrEqual(2)

      const onB = replicaB.conversation({ sessionId, store: storeB, context: { channel: 'line' } })
      expect(await onB.load()).toHaveLength(1)
      expect(onB.pendingOptions?.map((o) => o.id)).toEqual(first.options.map((o) => o.id))
      const second = await onB.ask('2番')
      expect(second).toMatchObject({ decision: 'answer', reason: 'picked' })
      expect(second.answer?.id).toBe(first.options[1]!.id)
      expect(onB.turns.map((t) => t.reading)).toEqual(['standalone', 'pick'])

      // Back on the first replica, the conversation has both turns and nothing pending.
      const backOnA = replicaA.conversation({ sessionId, store: storeA })
      expect((await backOnA.load()).map((t) => t.reading)).toEqual(['standalone', 'pick'])
      expect(backOnA.pendingOptions).toBeUndefined()

      // The state is one row of plain JSON, with the customer's turns as typed (live state, not the log).
      const { rows } = await dbA.pool.query('SELECT state FROM kotae_conversations WHERE session_id = $1', [sessionId])
      expect(rows).toHaveLength(1)
      expect(rows[0].state.transcript.map((t: { role: string; text: string }) => t.text)).toContain('2番')

      // Both replicas logged their turn into the one shared hit log.
      expect(await logA.flush()).toBe(true)
      expect(await logB.flush()).toBe(true)
      const events = await logB.recentQueries(0, Date.now() + 1000, 10)
      expect(events.map((e) => e.eventId).sort()).toEqual([first.eventId, second.eventId].sort())
    } finally {
      replicaA.useLogger(null)
      replicaB.useLogger(null)
      replicaA.setThresholds({})
      replicaB.setThresholds({})
      await logA.close()
      await logB.close()
    }
  })

  it('round-trips a state; get of an unknown session is undefined; text PostgreSQL cannot hold becomes U+FFFD', async () => {
    const store = new PostgresConversationStore(dbA)
    expect(await store.get('nobody')).toBeUndefined()
    const state = { sessionId: 's-odd', turns: [], transcript: [{ role: 'user' as const, text: 'nul \u0000 and \ud800 alone' }], lastEntryId: 'shipping-fee-ja', lang: 'ja' as const }
    await store.put('s-odd', state)
    expect(await store.get('s-odd')).toEqual({ ...state, transcript: [{ role: 'user', text: 'nul \ufffd and \ufffd alone' }] })
    await store.put('s-odd', { ...state, transcript: [] })
    expect((await store.get('s-odd'))!.transcript).toEqual([])
  })

  it('prune deletes the sessions not updated for a while, and only those', async () => {
    const store = new PostgresConversationStore(dbA)
    await store.put('stale', { sessionId: 'stale', turns: [], transcript: [] })
    await store.put('fresh', { sessionId: 'fresh', turns: [], transcript: [] })
    await dbA.pool.query("UPDATE kotae_conversations SET updated_at = now() - interval '2 days' WHERE session_id = 'stale'")
    expect(await store.prune(24 * 3600_000)).toBe(1)
    expect(await store.get('stale')).toBeUndefined()
    expect(await store.get('fresh')).toBeDefined()
    const err = await store.prune(-1).catch((e: unknown) => e)
    expect(isKotaeError(err, 'INVALID_ARGUMENT')).toBe(true)
  })

  it('a store that cannot be reached fails the turn with STORE_UNAVAILABLE, naming it without its password', async () => {
    const db = await openPostgres(url, { poolSize: 1 })
    const store = new PostgresConversationStore(db)
    await db.close()
    const err = await store.get('x').catch((e: unknown) => e)
    expect(isKotaeError(err, 'STORE_UNAVAILABLE')).toBe(true)
    expect((err as Error).message).toContain('read a conversation')
  })
})
