/**
 * The decision policy through the engine, over many real questions (the shop-faq benchmark
 * fixture and the mini FAQ): never answer below the fitted threshold, always answer above it,
 * clarify only with distinct close entries, and the out-of-scope questions answered today,
 * listed exactly. The policy on its own: policy.test.ts, policy-properties.test.ts.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, type AskResult, type KnowledgeBase, type LabelledQuery } from '../../src/index.js'
import { loadFaqEntries, readLabelledQueries } from '../../src/ingest/index.js'
import { MINI_CALIB, MINI_FAQ, MINI_QUERIES } from '../fixtures/mini-faq.js'
import { MIN_OPTION_CONFIDENCE } from '../../src/decide/index.js'

const SHOP = new URL('../../fixtures/shop-faq/', import.meta.url).pathname

let shopSelf: KnowledgeBase
let shopLabelled: KnowledgeBase
let queries: LabelledQuery[]
let outOfScope: LabelledQuery[]

beforeAll(async () => {
  const entries = await loadFaqEntries(join(SHOP, 'faq.jsonl'))
  queries = await readLabelledQueries(join(SHOP, 'queries.jsonl'))
  outOfScope = queries.filter((q) => q.expected === null)
  shopSelf = await buildKnowledgeBase(entries)
  shopLabelled = await buildKnowledgeBase(entries, { selfCalibrate: false })
  await shopLabelled.calibrate(await readLabelledQueries(join(SHOP, 'calib.jsonl')))
})

async function askAll(kb: KnowledgeBase, qs: LabelledQuery[]): Promise<AskResult[]> {
  const results: AskResult[] = []
  for (const q of qs) results.push(await kb.ask(q.query))
  return results
}

/**
 * What one result of `ask` promises, checked against the base's thresholds. It reads the
 * engine's decision and checks that it keeps the policy's promises; it does not work the
 * decision out again (src/decide/policy.ts is tested on its own in policy.test.ts).
 */
function checkPolicy(kb: KnowledgeBase, r: AskResult): void {
  const t = kb.thresholds
  const top = r.candidates[0]
  const where = `${r.query} → ${r.decision} (${r.reason}, confidence ${r.confidence})`
  if (!top) {
    expect(r.decision, where).toBe('escalate')
    return
  }
  expect(r.confidence, where).toBe(top.confidence)
  const inScope = top.score >= t.outOfScopeScore
  if (r.reason === 'exact-match') {
    // An FAQ's own question asked as written: answered with that entry.
    expect(r.decision, where).toBe('answer')
    expect(r.decision === 'answer' && r.answer.id, where).toBe(top.id)
    return
  }
  if (r.decision === 'answer') {
    // Never an answer below the answer threshold, or out of scope.
    expect(r.reason, where).toBe('confident')
    expect(inScope, where).toBe(true)
    expect(r.confidence, where).toBeGreaterThanOrEqual(t.answerThreshold)
    expect(r.answer.id, where).toBe(top.id)
  } else if (inScope) {
    // Always an answer at or above it (a base that cannot answer has a threshold above 1).
    expect(r.confidence, where).toBeLessThan(t.answerThreshold)
  }
  // Out of scope exactly when nothing in the FAQ resembles the question.
  expect(r.reason === 'out-of-scope', where).toBe(!inScope)
  if (r.decision === 'clarify') {
    const ids = r.options.map((o) => o.id)
    expect(ids.length, where).toBeGreaterThanOrEqual(r.reason === 'ambiguous' ? 2 : 1)
    expect(ids.length, where).toBeLessThanOrEqual(t.maxOptions)
    expect(new Set(ids).size, where).toBe(ids.length)
    for (const o of r.options) expect(r.candidates, where).toContainEqual(o)
    // The top entry is always offered first, and every option is close to it.
    expect(ids[0], where).toBe(top.id)
    for (const o of r.options) expect(top.score - o.score, where).toBeLessThanOrEqual(2 * t.ambiguityMargin + 1e-12)
    if (r.reason === 'uncalibrated') {
      // A base that cannot answer offers its best entries, whatever their confidence.
      expect(kb.calibration.answerThreshold, where).toBeGreaterThan(1)
    } else {
      // Every option is plausible (no 0.0% filler), and together they are likely enough to hold
      // the right entry: several options against the clarify threshold, one against the confirm threshold.
      for (const o of r.options) expect(o.confidence, where).toBeGreaterThanOrEqual(MIN_OPTION_CONFIDENCE)
      expect(['ambiguous', 'low-confidence'], where).toContain(r.reason)
      const mass = r.options.reduce((s, o) => s + o.confidence, 0)
      expect(mass, where).toBeGreaterThanOrEqual((ids.length > 1 ? t.clarifyThreshold : t.confirmThreshold) - 1e-12)
      // 'ambiguous': another option is as close to the top as the ambiguity margin.
      if (r.reason === 'ambiguous') expect(r.options.filter((o) => top.score - o.score <= t.ambiguityMargin).length, where).toBeGreaterThanOrEqual(2)
    }
  }
  if (r.decision === 'escalate') {
    expect(r.handoff, where).toBeDefined()
    expect(['low-confidence', 'out-of-scope'], where).toContain(r.reason)
  }
}

describe('decision policy on the shop-faq benchmark questions', () => {
  it('the fixture has out-of-scope questions to test with', () => {
    expect(outOfScope.length).toBeGreaterThanOrEqual(10)
  })

  it('labelled calibration: every answer is at or above the fitted threshold, every non-answer below it (or out of scope)', async () => {
    expect(shopLabelled.calibration.source).toBe('labelled')
    const results = await askAll(shopLabelled, queries)
    for (const r of results) checkPolicy(shopLabelled, r)
    // Both sides of the threshold occur, so the checks above are not vacuous.
    expect(results.some((r) => r.decision === 'answer')).toBe(true)
    expect(results.some((r) => r.decision !== 'answer' && r.candidates[0].score >= shopLabelled.thresholds.outOfScopeScore)).toBe(true)
  })

  it('self-calibration: the same invariants hold', async () => {
    expect(shopSelf.calibration.source).toBe('self')
    const results = await askAll(shopSelf, queries)
    for (const r of results) checkPolicy(shopSelf, r)
    expect(results.some((r) => r.decision === 'clarify')).toBe(true)
  })

  it('a stricter answer threshold only turns answers into non-answers', async () => {
    const before = await askAll(shopLabelled, queries)
    const strict = Math.min(1, shopLabelled.thresholds.answerThreshold + 0.05)
    shopLabelled.setThresholds({ answerThreshold: strict })
    try {
      const after = await askAll(shopLabelled, queries)
      after.forEach((r, i) => {
        checkPolicy(shopLabelled, r)
        if (r.decision === 'answer') expect(before[i].decision).toBe('answer')
        if (before[i].decision !== 'answer') expect(r.decision).toBe(before[i].decision)
      })
    } finally {
      shopLabelled.setThresholds({})
    }
  })

  // KNOWN WRONG ANSWERS (issue 12): the out-of-scope questions (expected null) of shop-faq that
  // get an answer today, listed exactly so that a fix (an entry leaves the list) and a regression
  // (one joins it) both fail this test: update the list in the commit that changes it, and say
  // why. The aim is an empty list. The self-calibrated base answers 1 of the 48; the base
  // calibrated on calib.jsonl answers 11 (mostly a topic of the FAQ asked about another
  // business: a hotel, a flight, a rental car, a post office, a city hall).
  it('out-of-scope questions that get an answer: exactly the known list, self-calibrated and calibrated on calib.jsonl', async () => {
    const answered: string[] = []
    for (const [name, kb] of [['self', shopSelf], ['calib.jsonl', shopLabelled]] as const) {
      for (const r of await askAll(kb, outOfScope)) if (r.decision === 'answer') answered.push(`${name}: ${r.query} → ${r.answer.id}`)
    }
    expect(answered).toEqual([
      'self: 비행기 표 취소하고 싶어요 → cancel-order-ko',
      'calib.jsonl: 配送業者の求人はありますか → tracking-number-ja',
      'calib.jsonl: 近くの郵便局の営業時間を知りたい → support-hours-ja',
      'calib.jsonl: Amazonで買った商品の返品方法を教えて → return-policy-ja',
      'calib.jsonl: 市役所で住民票の住所変更をしたい → change-address-ja',
      'calib.jsonl: ホテルの予約をキャンセルしたい → cancel-order-ja',
      'calib.jsonl: 確定申告のやり方がわからない → account-registration-ja',
      'calib.jsonl: 은행 영업시간이 어떻게 돼요 → support-hours-ko',
      'calib.jsonl: 비행기 표 취소하고 싶어요 → cancel-order-ko',
      'calib.jsonl: how do I return a rental car → return-policy-en',
      'calib.jsonl: can you track my flight status → tracking-number-en',
      'calib.jsonl: 淘宝买的东西怎么退货 → wrong-item-zh',
    ])
  })

  it('clarify options are distinct entries, and usually hold the expected one', async () => {
    const results = await askAll(shopSelf, queries)
    let clarifyInScope = 0
    let hit = 0
    results.forEach((r, i) => {
      if (r.decision !== 'clarify') return
      const ids = r.options.map((o) => o.id)
      expect(new Set(ids).size).toBe(ids.length)
      if (queries[i].expected !== null) {
        clarifyInScope++
        if (ids.includes(queries[i].expected!)) hit++
      }
    })
    expect(clarifyInScope).toBeGreaterThan(0)
    expect(hit / clarifyInScope).toBeGreaterThan(0.5)
  })
})

describe('decision policy on the mini FAQ', () => {
  let mini: KnowledgeBase
  beforeAll(async () => {
    mini = await buildKnowledgeBase(MINI_FAQ)
    await mini.calibrate(MINI_CALIB)
  })

  it('invariants hold over every mini question', async () => {
    const results = await askAll(mini, [...MINI_QUERIES, ...MINI_CALIB])
    for (const r of results) checkPolicy(mini, r)
    expect(results.some((r) => r.decision === 'answer')).toBe(true)
  })

  it('mini out-of-scope questions are never answered', async () => {
    const oos = [...MINI_QUERIES, ...MINI_CALIB].filter((q) => q.expected === null)
    for (const r of await askAll(mini, oos)) expect(r.decision, r.query).not.toBe('answer')
  })

  // A default (self-calibrated) build of the mini FAQ has every calibration sample in the
  // question's language. That once gave entries in another language, far behind the top, a
  // confidence of 1.000 (a constant feature standardised by ~3e-16); calibration.test.ts checks
  // that a constant feature cannot move a confidence. Here, through the engine: a question in a
  // language the base has is never offered an entry in another language.
  it('in a default build, clarify options are in the question language', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ)
    const questions = [...MINI_QUERIES, ...MINI_CALIB, { query: '满多少免运费', expected: 'shipping-fee-zh' }, { query: '注文', expected: null }, { query: '배송', expected: null }, { query: '退货', expected: null }]
    const foreign: string[] = []
    let clarified = 0
    for (const r of await askAll(base, questions)) {
      if (r.decision !== 'clarify') continue
      clarified++
      for (const o of r.options) if (o.lang.slice(0, 2) !== r.lang) foreign.push(`${r.query} (${r.lang}): ${o.id}`)
    }
    expect(clarified).toBeGreaterThan(0)
    expect(foreign).toEqual([])
  })
})
