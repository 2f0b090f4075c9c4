/**
 * `kotae serve` through HTTP: real sockets on 127.0.0.1, a knowledge-base folder, the SQLite hit
 * log. Validation and error bodies, auth, limits, metrics, the OpenAPI document, logs without
 * queries, conversations over requests, and hot reload while requests are in flight.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, readManifest, type FaqEntryInput } from '../../src/index.js'
import { openHitLog } from '../../src/hitlog/index.js'
import { AskResponseSchema, ErrorResponseSchema, FolderGenerationSource, ROUTES, startServer, type KotaeServer } from '../../src/serve/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { removeTempDirs, tempDir } from '../helpers/tmp.js'

afterAll(removeTempDirs)

const DELIVERY_JA = '注文してから届くまで何日かかりますか?'

/** The mini FAQ with the Japanese delivery answer marked, so a response tells which generation answered it. */
function faqWithMark(mark: string): FaqEntryInput[] {
  return MINI_FAQ.slice(0, 16).map((e) => (e.id === 'delivery-time-ja' ? { ...e, answer: `${e.answer}【${mark}】` } : e))
}

async function saveBase(dir: string, mark: string): Promise<string> {
  await (await buildKnowledgeBase(faqWithMark(mark))).save(dir)
  return (await readManifest(dir)).generation
}

/** A stream collecting pino's JSON lines. */
function lines(): { stream: Writable; read: () => Array<Record<string, unknown>> } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return { stream, read: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) }
}

async function post(server: KotaeServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.status, json: await res.json() }
}

describe('kotae serve over HTTP (a knowledge-base folder, the SQLite hit log)', () => {
  let dir: string
  let server: KotaeServer
  let generation: string
  const logs = lines()

  beforeAll(async () => {
    dir = tempDir('kotae-serve-')
    generation = await saveBase(dir, 'A')
    server = await startServer({ source: new FolderGenerationSource(dir), log: openHitLog(dir, {}), logStream: logs.stream }, { port: 0 })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('answers a question with the generation that answered and an event id, and takes feedback on it', async () => {
    const { status, json } = await post(server, '/v1/ask', { question: DELIVERY_JA, channel: 'web' })
    expect(status).toBe(200)
    expect(AskResponseSchema.safeParse(json).success).toBe(true)
    expect(json).toMatchObject({ decision: 'answer', lang: 'ja', generation, answer: { id: 'delivery-time-ja' } })
    expect(json.answer.text).toContain('【A】')
    expect(json.eventId).toMatch(/.+/)
    const feedback = await post(server, '/v1/feedback', { eventId: json.eventId, kind: 'helpful' })
    expect(feedback.status).toBe(200)
    expect(feedback.json).toMatchObject({ eventId: json.eventId, kind: 'helpful' })
    const unknown = await post(server, '/v1/feedback', { eventId: '999999999', kind: 'helpful' })
    expect(unknown.status).toBe(404)
    expect(unknown.json.code).toBe('UNKNOWN_EVENT')
  })

  it('refuses bodies that do not fit, naming the field, with { code, message, details } and status 400', async () => {
    const empty = await post(server, '/v1/ask', {})
    expect(empty.status).toBe(400)
    expect(ErrorResponseSchema.safeParse(empty.json).success).toBe(true)
    expect(empty.json.code).toBe('INVALID_REQUEST')
    expect(empty.json.details.problems[0].path).toBe('body.question')
    const unknownKey = await post(server, '/v1/ask', { question: 'hi', topk: 3 })
    expect(unknownKey.status).toBe(400)
    expect(unknownKey.json.message).toContain('topk')
    const badLang = await post(server, '/v1/ask', { question: 'hi', lang: 42 })
    expect(badLang.json.details.problems[0].path).toBe('body.lang')
    const notJson = await post(server, '/v1/ask', '{"question": ')
    expect(notJson.status).toBe(400)
    expect(notJson.json.code).toBe('INVALID_REQUEST')
    const badFeedback = await post(server, '/v1/feedback', { eventId: '1', kind: 'picked' })
    expect(badFeedback.status).toBe(400)
    expect(badFeedback.json.message).toContain('entryId')
  })

  it('refuses a body over the limit with 413 before parsing it, and an unknown route with 404 listing the routes', async () => {
    const big = await post(server, '/v1/ask', { question: 'あ'.repeat(40_000) })
    expect(big.status).toBe(413)
    expect(big.json.code).toBe('REQUEST_TOO_LARGE')
    const res = await fetch(`${server.url}/v1/nothing`)
    expect(res.status).toBe(404)
    const json = (await res.json()) as any
    expect(json.code).toBe('UNKNOWN_ROUTE')
    expect(json.message).toContain('POST /v1/ask')
  })

  it('serves an entry of the generation answering, and 404 for an unknown one', async () => {
    const ok = await fetch(`${server.url}/v1/entries/delivery-time-ko`)
    expect(ok.status).toBe(200)
    expect((await ok.json()) as any).toMatchObject({ id: 'delivery-time-ko', lang: 'ko', generation })
    const missing = await fetch(`${server.url}/v1/entries/nope`)
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as any).code).toBe('UNKNOWN_ENTRY')
  })

  it('reports readiness with the generation, and Prometheus metrics by decision and language with the hit-log queue', async () => {
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as any
    expect(ready).toMatchObject({ status: 'ready', generation, log: { healthy: true } })
    await post(server, '/v1/ask', { question: '배송은 며칠 걸려요?' })
    const text = await (await fetch(`${server.url}/metrics`)).text()
    expect(text).toMatch(/kotae_asks_total\{decision="answer",lang="ja",route="ask"\} [1-9]/)
    expect(text).toMatch(/kotae_asks_total\{decision="[a-z]+",lang="ko",route="ask"\} [1-9]/)
    expect(text).toContain('kotae_ask_duration_seconds_bucket')
    expect(text).toMatch(/kotae_hitlog_queue_depth \d+/)
    expect(text).toMatch(/kotae_hitlog_dropped 0/)
    expect(text).toContain(`kotae_generation_info{generation="${generation}"} 1`)
  })

  it('publishes an OpenAPI document generated from the schemas, listing every route', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as any
    expect(doc.openapi).toBe('3.1.0')
    for (const route of Object.values(ROUTES)) {
      const path = route.path.replace(/:([a-z]+)/g, '{$1}')
      expect(doc.paths[path]?.[route.method.toLowerCase()], `${route.method} ${route.path}`).toBeDefined()
    }
    const ask = doc.paths['/v1/ask'].post.requestBody.content['application/json'].schema
    expect(ask.required).toEqual(['question'])
    expect(Object.keys(ask.properties)).toEqual(expect.arrayContaining(['question', 'lang', 'sessionId', 'channel', 'page', 'customer']))
    expect(ask.additionalProperties).toBe(false)
  })

  it('keeps a conversation across requests: a clarify, then the pick by its number', async () => {
    const session = `s-${Date.now()}`
    const first = await post(server, `/v1/conversations/${session}/turns`, { text: 'キャンセルか返品', context: { channel: 'line' } })
    expect(first.status).toBe(200)
    expect(first.json.decision).toBe('clarify')
    expect(first.json.options.map((o: { id: string }) => o.id)).toEqual(['cancel-order-ja', 'return-policy-ja'])
    const second = await post(server, `/v1/conversations/${session}/turns`, { text: '2番' })
    expect(second.json).toMatchObject({ decision: 'answer', answer: { id: 'return-policy-ja' } })
    const empty = await post(server, `/v1/conversations/${session}/turns`, { text: ' ' })
    expect(empty.status).toBe(400)
  })

  it('writes structured log lines without the question text', async () => {
    await post(server, '/v1/ask', { question: '私のメールは taro@example.com です、配送は?' })
    const all = logs.read()
    const asks = all.filter((l) => l.event === 'ask')
    expect(asks.length).toBeGreaterThan(0)
    expect(asks[0]).toMatchObject({ decision: expect.any(String), lang: expect.any(String), generation })
    const text = JSON.stringify(all)
    expect(text).not.toContain('taro@example.com')
    expect(text).not.toContain(DELIVERY_JA)
    expect(all.some((l) => l.event === 'request' && l.route === '/v1/ask' && l.status === 200)).toBe(true)
  })
})

describe('kotae serve with a bearer token', () => {
  let dir: string
  let server: KotaeServer
  const token = 'test-token-0123456789abcdef'

  beforeAll(async () => {
    dir = tempDir('kotae-serve-auth-')
    await saveBase(dir, 'A')
    server = await startServer({ source: new FolderGenerationSource(dir), logStream: lines().stream }, { port: 0, token })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('refuses requests without the token or with another one (401), leaves /healthz and /readyz open', async () => {
    const none = await post(server, '/v1/ask', { question: DELIVERY_JA })
    expect(none.status).toBe(401)
    expect(none.json.code).toBe('UNAUTHORIZED')
    expect(none.json.message).toContain('Authorization: Bearer')
    const wrong = await post(server, '/v1/ask', { question: DELIVERY_JA }, { authorization: 'Bearer not-the-token-at-all' })
    expect(wrong.status).toBe(401)
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
    const right = await post(server, '/v1/ask', { question: DELIVERY_JA }, { authorization: `Bearer ${token}` })
    expect(right.status).toBe(200)
    expect(right.json.eventId).toBeUndefined()
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
    const feedback = await post(server, '/v1/feedback', { eventId: '1', kind: 'helpful' }, { authorization: `Bearer ${token}` })
    expect(feedback.status).toBe(503)
    expect(feedback.json.code).toBe('LOG_NOT_FOUND')
  })

  it('refuses to bind beyond loopback without a token', async () => {
    const err = await startServer({ source: new FolderGenerationSource(dir), logStream: lines().stream }, { port: 0, host: '0.0.0.0' }).catch((e: unknown) => e)
    expect((err as { code?: string }).code).toBe('INVALID_OPTIONS')
    expect((err as Error).message).toContain('token')
  })
})

describe('hot reload while requests are in flight', () => {
  it('answers every request from one complete generation, old or new, never an error, and ends on the newest', async () => {
    const dir = tempDir('kotae-serve-reload-')
    const marks = new Map<string, string>()
    marks.set(await saveBase(dir, 'A'), 'A')
    const logs = lines()
    const server = await startServer({ source: new FolderGenerationSource(dir, {}, 100), log: openHitLog(dir, {}), logStream: logs.stream }, { port: 0 })
    try {
      const seen: Array<{ status: number; generation?: string; text?: string }> = []
      let saving = true
      const saves = (async () => {
        for (const mark of ['B', 'C', 'D']) marks.set(await saveBase(dir, mark), mark)
        saving = false
      })()
      const client = async () => {
        while (saving || seen.length < 200) {
          const { status, json } = await post(server, '/v1/ask', { question: DELIVERY_JA })
          seen.push({ status, generation: json.generation, text: json.answer?.text })
          if (seen.length > 5000) break
        }
      }
      await Promise.all([saves, ...Array.from({ length: 8 }, client)])
      const last = [...marks.keys()].at(-1)!
      for (let i = 0; i < 100 && server.generation.id !== last; i++) await new Promise((r) => setTimeout(r, 100))
      const after = await post(server, '/v1/ask', { question: DELIVERY_JA })
      seen.push({ status: after.status, generation: after.json.generation, text: after.json.answer?.text })

      expect(seen.filter((r) => r.status !== 200)).toEqual([])
      // Each answer's text is the one of the generation the response names: never a mix.
      const mixed = seen.filter((r) => !r.generation || !marks.has(r.generation) || !r.text?.endsWith(`【${marks.get(r.generation)}】`))
      expect(mixed).toEqual([])
      expect(after.json.generation).toBe(last)
      expect(new Set(seen.map((r) => r.generation)).size).toBeGreaterThan(1)
      expect(logs.read().filter((l) => l.event === 'generation').length).toBeGreaterThan(1)
    } finally {
      await server.close()
    }
  })

  it('keeps answering from the current generation when the manifest names one that cannot be loaded, and counts it', async () => {
    const dir = tempDir('kotae-serve-broken-')
    const good = await saveBase(dir, 'A')
    const logs = lines()
    const server = await startServer({ source: new FolderGenerationSource(dir, {}, 100), logStream: logs.stream }, { port: 0 })
    try {
      // A manifest naming a generation folder that is not there (a half-copied base, a bad restore).
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
      writeFileSync(join(dir, 'manifest.tmp'), JSON.stringify({ ...manifest, generation: 'gen-zzzzzzzz-00000000' }))
      renameSync(join(dir, 'manifest.tmp'), join(dir, 'manifest.json'))
      for (let i = 0; i < 100 && !logs.read().some((l) => l.event === 'source-error'); i++) await new Promise((r) => setTimeout(r, 50))
      expect(logs.read().find((l) => l.event === 'source-error')).toMatchObject({ code: expect.stringMatching(/^KB_/), generation: good })
      const { status, json } = await post(server, '/v1/ask', { question: DELIVERY_JA })
      expect(status).toBe(200)
      expect(json.generation).toBe(good)
      expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/kotae_source_errors_total\{code="KB_[A-Z_]+"\} 1/)
    } finally {
      await server.close()
    }
  })
})
