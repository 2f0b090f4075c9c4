/**
 * Two replicas of `kotae serve` on one PostgreSQL store (a real server, a database of this
 * file's own): what one records the other sees, a conversation moves between them, and a
 * published generation reaches both.
 */
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, readManifest, type FaqEntryInput } from '../../src/index.js'
import { openPostgres, publishGeneration, servePartsFor, type PostgresDatabase } from '../../src/postgres/index.js'
import { startServer, type KotaeServer } from '../../src/serve/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { dropDatabases, freshDatabase, POSTGRES_URL } from '../helpers/postgres.js'
import { removeTempDirs, tempDir } from '../helpers/tmp.js'

afterAll(removeTempDirs)
afterAll(dropDatabases)

const DELIVERY_JA = '注文してから届くまで何日かかりますか?'

function faqWithMark(mark: string): FaqEntryInput[] {
  return MINI_FAQ.slice(0, 16).map((e) => (e.id === 'delivery-time-ja' ? { ...e, answer: `${e.answer}【${mark}】` } : e))
}

async function saveBase(mark: string): Promise<{ dir: string; generation: string }> {
  const dir = tempDir('kotae-replicas-')
  await (await buildKnowledgeBase(faqWithMark(mark))).save(dir)
  return { dir, generation: (await readManifest(dir)).generation }
}

const quiet = () => new Writable({ write: (_c, _e, done) => done() })

async function post(server: KotaeServer, path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, json: await res.json() }
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await fn()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe.skipIf(!POSTGRES_URL)('replicas on one PostgreSQL store', () => {
  let url: string
  let db: PostgresDatabase
  let first: { dir: string; generation: string }
  let a: KotaeServer
  let b: KotaeServer

  beforeAll(async () => {
    url = await freshDatabase('replicas')
    db = await openPostgres(url)
    first = await saveBase('A')
    // The first replica publishes the folder (the store has no generation yet); the second finds it there.
    a = await startServer({ ...(await servePartsFor(url, { kbDir: first.dir, name: 'replica-a', cacheDir: tempDir('kotae-replicas-cache-') })), logStream: quiet() }, { port: 0 })
    b = await startServer({ ...(await servePartsFor(url, { name: 'replica-b', cacheDir: tempDir('kotae-replicas-cache-') })), logStream: quiet() }, { port: 0 })
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await db?.close()
  })

  it('serves the generation the first replica published, on both', () => {
    expect(a.generation.id).toBe(first.generation)
    expect(b.generation.id).toBe(first.generation)
  })

  it('records asks of both replicas in one hit log, and takes feedback on one replica for an ask answered by the other', async () => {
    const asked = await post(a, '/v1/ask', { question: DELIVERY_JA, channel: 'web' })
    expect(asked.json).toMatchObject({ decision: 'answer', generation: first.generation })
    const feedback = await post(b, '/v1/feedback', { eventId: asked.json.eventId, kind: 'not-helpful' })
    expect(feedback.status).toBe(200)
    await post(b, '/v1/ask', { question: '배송은 며칠 걸려요?', channel: 'kakao' })
    const rows = await until('both events in the database', async () => {
      const { rows } = await db.pool.query<{ replica: string; n: string }>('SELECT replica, count(*) AS n FROM kotae_events GROUP BY replica ORDER BY replica')
      return rows.length === 2 ? rows : undefined
    })
    expect(rows.map((r) => r.replica)).toEqual(['replica-a', 'replica-b'])
    const stored = await db.pool.query('SELECT kind FROM kotae_feedback WHERE event_id = $1', [asked.json.eventId])
    expect(stored.rows).toEqual([{ kind: 'not-helpful' }])
  })

  it('continues a conversation on the other replica: the clarify on one, the pick on the other', async () => {
    const session = `s-${Date.now()}`
    const clarify = await post(a, `/v1/conversations/${session}/turns`, { text: 'キャンセルか返品' })
    expect(clarify.json.decision).toBe('clarify')
    const pick = await post(b, `/v1/conversations/${session}/turns`, { text: '2番' })
    expect(pick.json).toMatchObject({ decision: 'answer', answer: { id: clarify.json.options[1].id } })
  })

  it('reports over the shared log from either replica', async () => {
    // The two asks and the conversation's two turns of the tests above, whichever replica took them
    // (a replica writes its queue at least every second: the other's last events appear within that).
    const report = await until('the four events in the report', async () => {
      const r = (await (await fetch(`${b.url}/v1/report?since=1d`)).json()) as any
      return r.totals.events === 4 ? r : undefined
    })
    expect(report.channelsSeen).toEqual(['kakao', 'web'])
    const delivery = report.entries.find((e: { id: string }) => e.id === 'delivery-time-ja')
    expect(delivery).toMatchObject({ answers: 1, notHelpful: 1 })
  })

  it('moves both replicas to a newly published generation, answering throughout', async () => {
    const next = await saveBase('B')
    const asking = (async () => {
      const statuses: number[] = []
      while (a.generation.id !== next.generation || b.generation.id !== next.generation) {
        for (const server of [a, b]) statuses.push((await post(server, '/v1/ask', { question: DELIVERY_JA })).status)
        if (statuses.length > 4000) break
      }
      return statuses
    })()
    await publishGeneration(db, next.dir)
    await until('both replicas on the new generation', async () => (a.generation.id === next.generation && b.generation.id === next.generation ? true : undefined))
    expect((await asking).filter((s) => s !== 200)).toEqual([])
    const answer = await post(b, '/v1/ask', { question: DELIVERY_JA })
    expect(answer.json.generation).toBe(next.generation)
    expect(answer.json.answer.text).toContain('【B】')
  })
})
