/**
 * The stage after decide, through the public API: template answers rendered from the customer,
 * the context data and skill results (escaped, never executing code, never sent with holes), and
 * skills that run with a timeout and an abort signal, never during calibration or eval.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, isKotaeError, type AskResult, type FaqEntryInput, type Skills } from '../../src/index.js'
import { importFaq } from '../../src/ingest/index.js'
import { scoreQueries } from '../../src/eval/run.js'
import { buildReport, openHitLog, renderReportHtml } from '../../src/ops/index.js'
import { removeTempDirs, tempDir } from '../helpers/tmp.js'

afterAll(removeTempDirs)

const ENTRIES: FaqEntryInput[] = [
  {
    id: 'order-ja', lang: 'ja', question: '注文した商品はいつ発送されますか', variants: ['発送日を知りたい', '荷物はいつ出ますか'],
    answer: '{{customer.name}}様、ご注文{{order.id}}は{{order.shipDate | date}}に発送予定です（{{order.status}}）。', skill: 'orderStatus',
  },
  { id: 'points-en', lang: 'en', question: 'how many points do I have', variants: ['my point balance', 'check my points'], answer: 'You have {{points | number}} points, {{customer.name}}.' },
  { id: 'hello-en', lang: 'en', question: 'what are your opening hours', variants: ['when are you open', 'business hours'], answer: 'Hi {{customer.name | default: "there"}}, we are open 9:00 to 18:00.' },
  { id: 'shipping-en', lang: 'en', question: 'how much is shipping', variants: ['shipping cost', 'delivery fee'], answer: 'Shipping is free over 5,000 yen.' },
  { id: 'returns-en', lang: 'en', question: 'can I return an item', variants: ['return policy', 'send something back'], answer: 'Returns are accepted within 30 days.' },
  { id: 'vip-en', lang: 'en', question: 'what is my membership tier', variants: ['my member level'], answer: 'Your tier is {{tier.name | upper}}.', skill: 'memberTier' },
]

/** Skills that count their calls. */
function countingSkills(overrides: Partial<Skills> = {}): { skills: Skills; calls: Record<string, number> } {
  const calls: Record<string, number> = { orderStatus: 0, memberTier: 0 }
  const skills: Skills = {
    orderStatus: async () => ((calls.orderStatus++), { order: { id: '#8812', shipDate: '2026-12-05', status: '発送準備中' } }),
    memberTier: async () => ((calls.memberTier++), { tier: { name: 'gold' } }),
    ...overrides,
  }
  return { skills, calls }
}

const noHoles = (r: AskResult) => expect(JSON.stringify(r)).not.toContain('{{')

describe('template answers', () => {
  it('are rendered from the customer and the skill result, with the date written the language’s way', async () => {
    const { skills } = countingSkills()
    const kb = await buildKnowledgeBase(ENTRIES, { skills })
    const r = await kb.ask('注文した商品はいつ発送されますか', { customer: { id: 'M-1029', name: '佐藤' } })
    expect(r.decision).toBe('answer')
    if (r.decision !== 'answer') return
    expect(r.answer.text).toBe('佐藤様、ご注文#8812は2026年12月5日に発送予定です（発送準備中）。')
    noHoles(r)
  })

  it('with missing data escalate with missing-data and the variables, never a text with holes (plain ask, no conversation)', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const r = await kb.ask('how many points do I have')
    expect(r.decision).toBe('escalate')
    expect(r.reason).toBe('missing-data')
    if (r.decision !== 'escalate') return
    expect(r.handoff.entryId).toBe('points-en')
    expect(r.handoff.missing).toEqual(['points', 'customer.name'])
    noHoles(r)
    const partial = await kb.ask('how many points do I have', { data: { points: 1200 } })
    expect(partial.reason).toBe('missing-data')
    expect(partial.handoff?.missing).toEqual(['customer.name'])
    const full = await kb.ask('how many points do I have', { data: { points: 1200 }, customer: { name: 'Kim' } })
    expect(full.answer?.text).toBe('You have 1,200 points, Kim.')
  })

  it('use a default when the data is missing, and option previews never show a hole', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const r = await kb.ask('what are your opening hours')
    expect(r.answer?.text).toBe('Hi there, we are open 9:00 to 18:00.')
    for (const c of r.candidates) expect(c.answerPreview).not.toContain('{{')
  })

  it('escape inserted values: a name can never become markup, a template or a control character', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const name = '<script>alert(1)</script>{{customer.id}}\u202e'
    const text = await kb.ask('what are your opening hours', { customer: { id: 'secret', name } })
    expect(text.answer?.text).not.toMatch(/[<>\u202e]/)
    expect(text.answer?.text).not.toContain('secret')
    const html = await kb.ask('what are your opening hours', { customer: { id: 'secret', name }, format: 'html' })
    expect(html.answer?.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html.answer?.text).not.toContain('<script')
    const md = await kb.ask('what are your opening hours', { customer: { name: '[click](http://evil.example)' }, format: 'markdown' })
    expect(md.answer?.text).toContain('\\[click\\]\\(http://evil\\.example\\)')
  })

  it('cannot run code: expressions, calls and prototype paths are build errors naming the entry and field', async () => {
    for (const answer of ['{{ process.exit(1) }}', '{{constructor.constructor}}', '{{customer.__proto__}}', '{{ 1 + 1 }}', 'Hi {{customer.name | eval}}', 'unclosed {{customer.name']) {
      const error = await buildKnowledgeBase([{ id: 'bad', lang: 'en', question: 'a question', answer }]).catch((e: unknown) => e)
      expect(isKotaeError(error, 'FAQ_INVALID'), answer).toBe(true)
      if (isKotaeError(error, 'FAQ_INVALID')) expect(error.details.problems[0]).toMatchObject({ row: 1, field: 'answer' })
    }
  })

  it('read only own data: an inherited or function value is missing data, not a way in', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const data = Object.create({ points: 999 }) as Record<string, unknown>
    const inherited = await kb.ask('how many points do I have', { data, customer: { name: 'Kim' } })
    expect(inherited.reason).toBe('missing-data')
    const fn = await kb.ask('how many points do I have', { data: { points: () => 5 }, customer: { name: 'Kim' } })
    expect(fn.reason).toBe('missing-data')
  })

  it('are imported from a spreadsheet as plain text, with the skill column (Japanese header too)', async () => {
    const csv = 'id,lang,質問,回答,スキル\norder-ja,ja,注文はいつ届きますか,"{{customer.name}}様、{{order.shipDate | date}}に発送します。",orderStatus\nplain-ja,ja,送料はいくらですか,500円です。,\n'
    const { entries, issues } = await importFaq(csv, 'csv')
    expect(issues.filter((i) => i.severity === 'error')).toEqual([])
    expect(entries[0]).toMatchObject({ answer: '{{customer.name}}様、{{order.shipDate | date}}に発送します。', skill: 'orderStatus' })
    expect(entries[1]!.skill).toBeUndefined()
  })
})

describe('skills', () => {
  it('run when their entry is answered, with the customer, the context and an abort signal', async () => {
    const seen: unknown[] = []
    const { skills } = countingSkills({ memberTier: async (input) => (seen.push({ customer: input.customer, page: input.context.page, aborted: input.signal.aborted, entry: input.entry.id }), { tier: { name: 'gold' } }) })
    const kb = await buildKnowledgeBase(ENTRIES, { skills })
    const r = await kb.ask('what is my membership tier', { customer: { id: 'M-1' }, page: '/account' })
    expect(r.answer?.text).toBe('Your tier is GOLD.')
    expect(seen).toEqual([{ customer: { id: 'M-1' }, page: '/account', aborted: false, entry: 'vip-en' }])
  })

  it('that time out escalate with skill-failed, the error in the handoff, and their signal aborted', async () => {
    let signal: AbortSignal | undefined
    const { skills } = countingSkills({ memberTier: (input) => ((signal = input.signal), new Promise(() => {})) })
    const kb = await buildKnowledgeBase(ENTRIES, { skills })
    const started = performance.now()
    const r = await kb.ask('what is my membership tier', { skillTimeoutMs: 50, sessionId: 's-1', customer: { id: 'M-1' } })
    expect(performance.now() - started).toBeLessThan(2000)
    expect(r.decision).toBe('escalate')
    expect(r.reason).toBe('skill-failed')
    if (r.decision !== 'escalate') return
    expect(r.handoff).toMatchObject({ reason: 'skill-failed', entryId: 'vip-en', sessionId: 's-1', customer: { id: 'M-1' }, error: { skill: 'memberTier', timedOut: true } })
    expect(r.handoff.error!.message).toMatch(/50 ms/)
    expect(signal?.aborted).toBe(true)
  })

  it('that throw, return something unusable or are not registered escalate with skill-failed', async () => {
    const throwing = await buildKnowledgeBase(ENTRIES, { skills: countingSkills({ memberTier: async () => { throw new Error('CRM down') } }).skills })
    expect((await throwing.ask('what is my membership tier')).handoff?.error).toMatchObject({ skill: 'memberTier', timedOut: false, message: expect.stringMatching(/CRM down/) })
    const unusable = await buildKnowledgeBase(ENTRIES, { skills: countingSkills({ memberTier: async () => 'gold' as never }).skills })
    expect((await unusable.ask('what is my membership tier')).reason).toBe('skill-failed')
    const none = await buildKnowledgeBase(ENTRIES)
    const r = await none.ask('what is my membership tier')
    expect(r.reason).toBe('skill-failed')
    expect(r.handoff?.error?.message).toMatch(/no skill named "memberTier" is registered/)
  })

  it('never run during self-calibration, calibration or eval; only when an entry is answered', async () => {
    const { skills, calls } = countingSkills()
    const kb = await buildKnowledgeBase(ENTRIES, { skills })
    await kb.calibrate([{ query: '発送日を知りたい', expected: 'order-ja' }, { query: 'my member level', expected: 'vip-en' }, { query: 'do you sell cars', expected: null }])
    await kb.selfCalibrate()
    const { scored } = await scoreQueries(kb, [{ query: '注文した商品はいつ発送されますか', expected: 'order-ja' }, { query: 'what is my membership tier', expected: 'vip-en' }])
    expect(scored.map((s) => s.answerId)).toEqual(['order-ja', 'vip-en'])
    expect(calls).toEqual({ orderStatus: 0, memberTier: 0 })
    await kb.ask('what is my membership tier')
    expect(calls).toEqual({ orderStatus: 0, memberTier: 1 })
  })

  it('are validated as options: a skill that is not a function is INVALID_OPTIONS naming it', async () => {
    const error = await buildKnowledgeBase(ENTRIES, { skills: { orderStatus: 'nope' as never } }).catch((e: unknown) => e)
    expect(isKotaeError(error, 'INVALID_OPTIONS')).toBe(true)
    expect((error as Error).message).toMatch(/skills\.orderStatus/)
  })
})

describe('the report page', () => {
  it('cannot be injected through template data, the customer or the page', async () => {
    const dir = tempDir()
    const log = openHitLog(join(dir, 'hits.sqlite'), { onError: (e) => { throw e } })
    const kb = await buildKnowledgeBase(ENTRIES, { skills: countingSkills({ orderStatus: async () => ({ order: { id: '<img src=x onerror=alert(1)>', shipDate: '2026-12-05', status: '<script>alert(2)</script>' } }) }).skills })
    kb.useLogger(log)
    const chat = kb.conversation({ sessionId: '<script>alert(3)</script>', customer: { id: 'M-1', name: '<script>alert(4)</script>' }, context: { page: '/orders/<script>alert(5)</script>', channel: 'web' } })
    const r = await chat.ask('注文した商品はいつ発送されますか')
    expect(r.decision).toBe('answer')
    expect(r.answer?.text).not.toMatch(/[<>]/)
    await chat.ask('how many points do I have')
    log.flush()
    const html = renderReportHtml(await buildReport(log, { entries: kb.entries }))
    log.close()
    expect(html).not.toMatch(/<script>alert|<img src=x/)
    expect(html).not.toMatch(/onerror=alert/)
  })
})

describe('a conversation with template answers', () => {
  it('hands the person the rendered answer, and gives the hit log the template, not the customer’s data', async () => {
    const kb = await buildKnowledgeBase(ENTRIES, { skills: countingSkills().skills })
    const turns: unknown[] = []
    kb.useLogger({ record: (_, context) => (turns.push(context.turns), 'ev') })
    const chat = kb.conversation({ customer: { id: 'M-1029', name: '佐藤' }, context: { channel: 'line' } })
    await chat.ask('注文した商品はいつ発送されますか')
    await chat.ask('how many points do I have')
    expect(JSON.stringify(turns[1])).not.toContain('佐藤')
    expect(JSON.stringify(turns[1])).toContain('{{customer.name}}様')
    const handoff = chat.handoff()
    expect(handoff.transcript[1]).toMatchObject({ role: 'bot', text: expect.stringContaining('佐藤様') })
    expect(handoff.reason).toBe('missing-data')
    expect(handoff.missing).toEqual(['points'])
  })
})

describe('kb.context', () => {
  it('packs template answers without holes (only the text before the first variable without data)', async () => {
    const kb = await buildKnowledgeBase(ENTRIES)
    const block = await kb.context('how many points do I have', { maxTokens: 400 })
    expect(JSON.stringify(block)).not.toContain('{{')
    expect(JSON.stringify(block)).toContain('You have')
  })
})
