/**
 * Decision semantics over many real questions (the shop-faq benchmark fixture and the mini FAQ):
 * never answer below the fitted threshold, always answer above it, clarify only with distinct
 * close entries, never answer an out-of-scope question.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, type AskResult, type KnowledgeBase, type LabelledQuery } from '../../src/index.js'
import { loadFaq, readLabelledQueries } from '../../src/ingest/index.js'
import { MINI_CALIB, MINI_FAQ, MINI_QUERIES } from '../fixtures/mini-faq.js'
import { MIN_OPTION_CONFIDENCE } from '../../src/decide/index.js'

const SHOP = new URL('../../fixtures/shop-faq/', import.meta.url).pathname

let shopSelf: KnowledgeBase
let shopLabelled: KnowledgeBase
let queries: LabelledQuery[]
let outOfScope: LabelledQuery[]

beforeAll(async () => {
  const entries = await loadFaq(join(SHOP, 'faq.jsonl'))
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

/** Every invariant of the decision policy, checked on one result against the base's thresholds. */
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
    expect(r.answer?.id, where).toBe(top.id)
    return
  }
  // Answer exactly when the top entry is in scope and at or above the answer threshold.
  expect(r.decision === 'answer', where).toBe(inScope && top.confidence >= t.answerThreshold)
  if (r.decision === 'answer') {
    expect(r.confidence, where).toBeGreaterThanOrEqual(t.answerThreshold)
    expect(r.answer?.id, where).toBe(top.id)
  }
  if (!inScope) expect(r.reason, where).toBe('out-of-scope')
  if (r.decision === 'clarify') {
    const ids = r.options!.map((o) => o.id)
    // Ambiguous: at least two close entries; a confirmation may offer the top entry alone.
    expect(ids.length, where).toBeGreaterThanOrEqual(r.reason === 'ambiguous' ? 2 : 1)
    expect(ids.length, where).toBeLessThanOrEqual(Math.min(3, t.maxOptions))
    // Every option is plausible: no 0.0% filler (a base that never answers has no fitted confidence to judge by).
    if (r.reason !== 'uncalibrated') for (const o of r.options!) expect(o.confidence, where).toBeGreaterThanOrEqual(MIN_OPTION_CONFIDENCE)
    expect(new Set(ids).size, where).toBe(ids.length)
    for (const o of r.options!) expect(r.candidates, where).toContainEqual(o)
    // The top entry is always offered first, and every option is close to it.
    expect(r.options![0].id, where).toBe(top.id)
    for (const o of r.options!) expect(top.score - o.score, where).toBeLessThanOrEqual(2 * t.ambiguityMargin + 1e-12)
    if (r.reason === 'uncalibrated') {
      // A base that cannot answer offers its best entries, whatever their confidence.
      expect(kb.calibration.answerThreshold, where).toBeGreaterThan(1)
    } else {
      // Asked only when the options together are likely enough to hold the right entry.
      expect(['ambiguous', 'low-confidence'], where).toContain(r.reason)
      expect(r.options!.reduce((s, o) => s + o.confidence, 0), where).toBeGreaterThanOrEqual(t.clarifyThreshold - 1e-12)
      expect(top.confidence, where).toBeLessThan(t.answerThreshold)
      // 'ambiguous' exactly when another option is as close as the ambiguity margin.
      const close = r.options!.filter((o) => top.score - o.score <= t.ambiguityMargin).length
      expect(r.reason === 'ambiguous', where).toBe(close >= 2)
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

  // BUG (reported, required by the issue): out-of-scope questions get confident answers.
  // At 2f232a9 the self-calibrated base answers 2 of the 48 (「ホテルの予約をキャンセルしたい」 →
  // cancel-order-ja @0.973, 「비행기 표 취소하고 싶어요」 → cancel-order-ko @0.975) and the base
  // calibrated on calib.jsonl (answer threshold 0.51) answers 14, e.g. "help" → size-guide-en @0.999,
  // 「確定申告のやり方がわからない」 → account-registration-ja @0.982, 「帮帮我」 → out-of-stock-zh @0.772.
  // Remove `.fails` when both lists are empty.
  it.fails('out-of-scope questions (expected null) never get an answer, self-calibrated or calibrated on calib.jsonl', async () => {
    const answered: string[] = []
    for (const [name, kb] of [['self', shopSelf], ['calib.jsonl', shopLabelled]] as const) {
      for (const r of await askAll(kb, outOfScope)) if (r.decision === 'answer') answered.push(`${name}: ${r.query} → ${r.answer!.id} @${r.confidence.toFixed(3)}`)
    }
    expect(answered).toEqual([])
  })

  it('clarify options are distinct entries, and usually hold the expected one', async () => {
    const results = await askAll(shopSelf, queries)
    let clarifyInScope = 0
    let hit = 0
    results.forEach((r, i) => {
      if (r.decision !== 'clarify') return
      const ids = r.options!.map((o) => o.id)
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

  // BUG (reported): fitCalibration standardises a feature that was constant over the calibration
  // samples with a scale of ~3e-16 instead of 1 (`Math.sqrt(variance) || 1` misses the 1e-31
  // variance left by rounding the mean 0.9999999999999997). In a default (self-calibrated) build
  // of the mini FAQ every sample has languageMatch = 1, so every candidate in another language
  // than the question gets confidence 1.000, e.g. ask('满多少免运费'): top shipping-fee-zh
  // (score 0.76, confidence 0.894), 2nd return-policy-ja (score 0.09, confidence 1.000).
  it('in a default build, a candidate in another language far behind the top is never more confident than the top', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ)
    const t = base.thresholds
    const inversions: string[] = []
    for (const r of await askAll(base, [...MINI_QUERIES, ...MINI_CALIB, { query: '满多少免运费', expected: 'shipping-fee-zh' }])) {
      const top = r.candidates[0]
      for (const c of r.candidates.slice(1)) {
        const otherLanguage = c.lang.slice(0, 2) !== r.language
        if (otherLanguage && top.score - c.score > t.ambiguityMargin && c.confidence > top.confidence) inversions.push(`${r.query}: ${c.id} ${c.confidence.toFixed(3)} > ${top.id} ${top.confidence.toFixed(3)}`)
      }
    }
    expect(inversions).toEqual([])
  })
})
