/**
 * The engine through the public API: build, ask (typed result, answer / clarify / escalate
 * payloads, filters), validation errors, calibrate, setThresholds and the ask logger.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, KotaeError, type AskResult, type FaqEntryInput, type KnowledgeBase, type AskOptions } from '../../src/index.js'
import { MINI_CALIB, MINI_FAQ, MINI_QUERIES } from '../fixtures/mini-faq.js'

/** A base calibrated on labelled questions (answers happen) and one left self-calibrated. */
let kb: KnowledgeBase
let selfKb: KnowledgeBase

beforeAll(async () => {
  kb = await buildKnowledgeBase(MINI_FAQ)
  await kb.calibrate(MINI_CALIB)
  selfKb = await buildKnowledgeBase(MINI_FAQ)
})

const ALL_QUESTIONS = [...MINI_QUERIES, ...MINI_CALIB].map((q) => q.query)

async function askAll(base: KnowledgeBase, questions = ALL_QUESTIONS): Promise<AskResult[]> {
  const results: AskResult[] = []
  for (const q of questions) results.push(await base.ask(q))
  return results
}

/** The KotaeError a call throws or rejects with (fails the test otherwise). */
async function kotaeError(call: () => unknown): Promise<KotaeError> {
  try {
    await call()
  } catch (error) {
    expect(error).toBeInstanceOf(KotaeError)
    return error as KotaeError
  }
  throw new Error('expected a KotaeError')
}

describe('buildKnowledgeBase', () => {
  it('indexes every entry and every distinct phrasing', () => {
    expect(kb.entries).toHaveLength(32)
    expect(kb.phrasings.texts).toHaveLength(32 * 4)
    expect(kb.entry('points-ko')?.question).toBe('적립금은 언제 쓸 수 있나요?')
    expect(kb.entry('no-such-id')).toBeUndefined()
  })

  it('self-calibrates by default and reports it', () => {
    expect(selfKb.calibration.source).toBe('self')
    expect(selfKb.calibration.samples.inScope).toBeGreaterThan(0)
    expect(selfKb.calibration.samples.simulatedOutOfScope).toBeGreaterThan(0)
  })

  it('with selfCalibrate: false keeps the default calibration', async () => {
    const plain = await buildKnowledgeBase(MINI_FAQ.slice(0, 8), { selfCalibrate: false })
    expect(plain.calibration.source).toBe('default')
  })

  it('counts a phrasing repeated up to case and width once', async () => {
    const base = await buildKnowledgeBase([{ id: 'a', lang: 'en', question: 'Gift wrap?', variants: ['GIFT WRAP?', 'ｇｉｆｔ ｗｒａｐ?', 'Wrapping paper'], answer: 'Yes.' }], { selfCalibrate: false })
    expect(base.phrasings.texts).toEqual(['Gift wrap?', 'Wrapping paper'])
  })
})

describe('ask: the typed result', () => {
  it('has a decision, a reason, a confidence in 0..1 and ranked, distinct candidates with their evidence', async () => {
    const result = await kb.ask('배송비 얼마예요?')
    expect(['answer', 'clarify', 'escalate']).toContain(result.decision)
    expect(['confident', 'ambiguous', 'low-confidence', 'out-of-scope']).toContain(result.reason)
    expect(result.query).toBe('배송비 얼마예요?')
    expect(result.lang).toBe('ko')
    expect(result.confidence).toBeGreaterThanOrEqual(0)
    expect(result.confidence).toBeLessThanOrEqual(1)
    expect(result.latencyMs).toBeGreaterThanOrEqual(0)
    expect(result.candidates.length).toBeGreaterThan(1)
    expect(result.candidates.length).toBeLessThanOrEqual(10)
    expect(new Set(result.candidates.map((c) => c.id)).size).toBe(result.candidates.length)
    expect(result.candidates[0].id).toBe('shipping-fee-ko')
    expect(result.confidence).toBe(result.candidates[0].confidence)
    for (const [i, c] of result.candidates.entries()) {
      const entry = kb.entry(c.id)!
      expect(c.lang).toBe(entry.lang)
      expect(c.question).toBe(entry.question)
      expect([entry.question, ...entry.variants]).toContain(c.matched)
      expect(c.confidence).toBeGreaterThanOrEqual(0)
      expect(c.confidence).toBeLessThanOrEqual(1)
      expect(c.vectorScore).toBeGreaterThanOrEqual(-1)
      expect(c.vectorScore).toBeLessThanOrEqual(1.0001)
      expect(c.lexicalScore).toBeGreaterThanOrEqual(0)
      expect(c.lexicalScore).toBeLessThanOrEqual(1.0001)
      if (i > 0) expect(c.score).toBeLessThanOrEqual(result.candidates[i - 1].score)
    }
  })

  it('names the phrasing that matched: a variant asked verbatim matches itself', async () => {
    const result = await kb.ask('무통장 입금 되나요')
    expect(result.candidates[0].id).toBe('payment-methods-ko')
    expect(result.candidates[0].matched).toBe('무통장 입금 되나요')
    expect(result.candidates[0].vectorScore).toBeCloseTo(1, 3)
  })

  it('answer: carries the chosen entry and its full answer text', async () => {
    const answers = (await askAll(kb)).filter((r) => r.decision === 'answer')
    expect(answers.length).toBeGreaterThan(0)
    for (const r of answers) {
      if (r.decision !== 'answer') continue
      expect(r.reason).toBe('confident')
      expect(r.answer.id).toBe(r.candidates[0].id)
      expect(r.answer.text).toBe(kb.entry(r.answer.id)!.answer)
      expect(r.options).toBeUndefined()
      expect(r.handoff).toBeUndefined()
    }
  })

  it('clarify: offers distinct entries taken from the candidates, the top first, at most maxOptions (two or more when ambiguous)', async () => {
    const results = [...(await askAll(kb)), ...(await askAll(selfKb))]
    const clarify = results.filter((r) => r.decision === 'clarify')
    expect(clarify.length).toBeGreaterThan(0)
    for (const r of clarify) {
      if (r.decision !== 'clarify') continue
      // 'ambiguous': several close entries; 'low-confidence': a likely top entry is confirmed first
      // (alone when no other entry is plausible); 'uncalibrated': a base that cannot answer offers its best.
      expect(['ambiguous', 'low-confidence', 'uncalibrated']).toContain(r.reason)
      expect(r.options[0].id).toBe(r.candidates[0].id)
      const ids = r.options.map((o) => o.id)
      expect(ids.length).toBeGreaterThanOrEqual(r.reason === 'ambiguous' ? 2 : 1)
      expect(ids.length).toBeLessThanOrEqual(kb.thresholds.maxOptions)
      expect(new Set(ids).size).toBe(ids.length)
      for (const o of r.options) expect(r.candidates).toContainEqual(o)
      expect(r.answer).toBeUndefined()
      expect(r.handoff).toBeUndefined()
    }
  })

  it('escalate: hands over the query, language, reason, best candidates and the transcript passed in', async () => {
    const transcript = [{ role: 'user', text: 'Hi, I have a question' }, { role: 'bot', text: 'Sure, what is it?' }] satisfies AskOptions['transcript']
    const result = await kb.ask('what is the capital of Australia', { transcript })
    expect(result.decision).toBe('escalate')
    expect(result.answer).toBeUndefined()
    expect(result.options).toBeUndefined()
    const handoff = result.handoff!
    expect(handoff.query).toBe('what is the capital of Australia')
    expect(handoff.lang).toBe('en')
    expect(handoff.reason).toBe(result.reason)
    expect(['low-confidence', 'out-of-scope']).toContain(handoff.reason)
    expect(handoff.transcript).toEqual(transcript)
    expect(handoff.candidates.length).toBeGreaterThan(0)
    expect(handoff.candidates.length).toBeLessThanOrEqual(5)
    expect(handoff.candidates).toEqual(result.candidates.slice(0, handoff.candidates.length))
  })

  it('escalate without a transcript hands over an empty one', async () => {
    const result = await kb.ask('今天股市行情怎么样')
    expect(result.decision).toBe('escalate')
    expect(result.handoff!.transcript).toEqual([])
    expect(result.handoff!.lang).toBe('zh')
  })

  it('an empty or blank question escalates with reason empty-query and no candidates', async () => {
    for (const q of ['', '   ', '\u3000']) {
      const result = await kb.ask(q, { transcript: [{ role: 'user', text: 'previous turn' }] })
      expect(result.decision).toBe('escalate')
      expect(result.reason).toBe('empty-query')
      expect(result.candidates).toEqual([])
      expect(result.confidence).toBe(0)
      expect(result.handoff).toMatchObject({ reason: 'empty-query', candidates: [], transcript: [{ role: 'user', text: 'previous turn' }] })
    }
  })
})

describe('ask filters', () => {
  it('lang keeps only entries of that language and is taken as the question language', async () => {
    const result = await kb.ask('shipping', { lang: 'ko' })
    expect(result.candidates.length).toBeGreaterThan(0)
    expect(result.candidates.every((c) => c.lang === 'ko')).toBe(true)
    expect(result.lang).toBe('ko')
  })

  it('lang "zh" also matches zh-TW entries, and "zh-TW" only those', async () => {
    const twEntry: FaqEntryInput = { id: 'shipping-fee-zh-tw', lang: 'zh-TW', question: '運費是多少?', variants: ['運費怎麼算', '滿多少免運費?'], answer: '全館滿新台幣1,000元免運費,未滿酌收80元。', category: 'shipping', metadata: { group: 'shipping-fee' } }
    const base = await buildKnowledgeBase([...MINI_FAQ, twEntry], { selfCalibrate: false })
    const zh = await base.ask('運費', { lang: 'zh' })
    expect(zh.candidates.every((c) => c.lang === 'zh' || c.lang === 'zh-TW')).toBe(true)
    expect(zh.candidates.map((c) => c.id)).toContain('shipping-fee-zh-tw')
    const tw = await base.ask('運費', { lang: 'zh-TW' })
    expect(tw.candidates.map((c) => c.id)).toEqual(['shipping-fee-zh-tw'])
  })

  it('category keeps only entries of that category', async () => {
    const result = await kb.ask('送料はいくらですか?', { category: 'payment' })
    expect(result.candidates.length).toBeGreaterThan(0)
    for (const c of result.candidates) expect(kb.entry(c.id)!.category).toBe('payment')
    expect(result.candidates.map((c) => c.id)).not.toContain('shipping-fee-ja')
  })

  it('metadata keeps only entries with those exact values; filters combine', async () => {
    const result = await kb.ask('How much is shipping?', { metadata: { group: 'points' } })
    expect(result.candidates.length).toBeGreaterThan(0)
    for (const c of result.candidates) expect(kb.entry(c.id)!.metadata.group).toBe('points')
    const both = await kb.ask('ポイント', { metadata: { group: 'points' }, lang: 'ja' })
    expect(both.candidates.map((c) => c.id)).toEqual(['points-ja'])
  })

  it('a filter nothing matches gives no candidates and escalates', async () => {
    const result = await kb.ask('How much is shipping?', { metadata: { group: 'no-such-group' } })
    expect(result.candidates).toEqual([])
    expect(result.decision).toBe('escalate')
    expect(result.answer).toBeUndefined()
  })
})

describe('invalid input', () => {
  it('a bad entry is FAQ_INVALID naming the entry position and the field', async () => {
    const entries: FaqEntryInput[] = [...MINI_FAQ.slice(0, 2), { id: 'broken', lang: 'ja', question: '送料は?', answer: '   ' }]
    const error = await kotaeError(() => buildKnowledgeBase(entries))
    expect(error.code).toBe('FAQ_INVALID')
    expect(error.message).toMatch(/row 3 \(answer\)/)
    expect(error.details.problems).toEqual([expect.objectContaining({ row: 3, field: 'answer' })])
  })

  it('several bad fields are all reported', async () => {
    const entries = [{ id: 'x', lang: 'fr', question: 'Bonjour ?', answer: 'Oui.' }, { id: 'y', lang: 'en', answer: 'No question.' }] as FaqEntryInput[]
    const error = await kotaeError(() => buildKnowledgeBase(entries))
    expect(error.code).toBe('FAQ_INVALID')
    expect(error.message).toMatch(/row 1 \(lang\)/)
    expect(error.message).toMatch(/row 2 \(question\)/)
  })

  it('duplicate ids are DUPLICATE_ID naming the id and the entry that repeats it', async () => {
    const entries: FaqEntryInput[] = [MINI_FAQ[0], MINI_FAQ[1], { ...MINI_FAQ[5], id: MINI_FAQ[0].id }]
    const error = await kotaeError(() => buildKnowledgeBase(entries))
    expect(error.code).toBe('DUPLICATE_ID')
    expect(error.details).toMatchObject({ ids: [MINI_FAQ[0].id], rows: [3] })
    expect(error.message).toContain(MINI_FAQ[0].id)
  })

  it('duplicate ids next to other problems are FAQ_INVALID listing all of them', async () => {
    const entries: FaqEntryInput[] = [MINI_FAQ[0], { ...MINI_FAQ[5], id: MINI_FAQ[0].id }, { ...MINI_FAQ[6], answer: ' ' }]
    const error = await kotaeError(() => buildKnowledgeBase(entries))
    expect(error.code).toBe('FAQ_INVALID')
    expect(error.details.problems).toEqual([expect.objectContaining({ row: 2, field: 'id' }), expect.objectContaining({ row: 3, field: 'answer' })])
  })

  it('no entries is EMPTY_FAQ; not an array is INVALID_ARGUMENT', async () => {
    expect((await kotaeError(() => buildKnowledgeBase([]))).code).toBe('EMPTY_FAQ')
    expect((await kotaeError(() => buildKnowledgeBase({} as unknown as FaqEntryInput[]))).code).toBe('INVALID_ARGUMENT')
  })

  it('build options out of range are INVALID_OPTIONS naming the option, before any work', async () => {
    const precision = await kotaeError(() => buildKnowledgeBase(MINI_FAQ, { targetPrecision: 5 }))
    expect(precision.code).toBe('INVALID_OPTIONS')
    expect(precision.details.problems).toEqual([expect.objectContaining({ path: 'targetPrecision' })])
    const unknown = await kotaeError(() => buildKnowledgeBase(MINI_FAQ, { hnsw: { m: 8 } } as never))
    expect(unknown.message).toMatch(/hnsw\.m: is not a known option/)
    const calibrate = await kotaeError(() => kb.calibrate(MINI_CALIB, { targetPrecision: 0 }))
    expect(calibrate.code).toBe('INVALID_OPTIONS')
  })

  it('bad ask options are INVALID_OPTIONS naming the option', async () => {
    const lang = await kotaeError(() => kb.ask('送料', { lang: 'fr' }))
    expect(lang.code).toBe('INVALID_OPTIONS')
    expect(lang.message).toMatch(/lang/)
    const metadata = await kotaeError(() => kb.ask('送料', { metadata: { group: { nested: true } } as never }))
    expect(metadata.code).toBe('INVALID_OPTIONS')
    expect(metadata.message).toMatch(/metadata/)
    const transcript = await kotaeError(() => kb.ask('送料', { transcript: 'one turn' as never }))
    expect(transcript.message).toMatch(/transcript/)
    const query = await kotaeError(() => kb.ask(42 as never))
    expect(query.code).toBe('INVALID_ARGUMENT')
  })
})

describe('calibrate', () => {
  it('fits on labelled questions: source labelled, thresholds follow the calibration', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ)
    const calibration = await base.calibrate(MINI_CALIB, { targetPrecision: 0.9 })
    expect(calibration.source).toBe('labelled')
    expect(calibration.targetPrecision).toBe(0.9)
    expect(base.calibration).toEqual(calibration)
    // Every labelled in-scope question is a sample (small sets may be topped up with self-calibration samples).
    expect(calibration.samples.inScope).toBeGreaterThanOrEqual(MINI_CALIB.filter((q) => q.expected !== null).length)
    expect(base.thresholds.answerThreshold).toBe(calibration.answerThreshold)
    expect(base.thresholds.clarifyThreshold).toBe(calibration.clarifyThreshold)
    if (calibration.fitted.answerRate > 0) expect(calibration.fitted.answerPrecision).toBeGreaterThanOrEqual(0.9)
  })

  it('a stricter target precision never lowers the answer threshold', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ, { selfCalibrate: false })
    const loose = (await base.calibrate(MINI_CALIB, { targetPrecision: 0.6 })).answerThreshold
    const strict = (await base.calibrate(MINI_CALIB, { targetPrecision: 0.99 })).answerThreshold
    expect(strict).toBeGreaterThanOrEqual(loose)
  })

  it('rejects an expected id the base does not have (UNKNOWN_ENTRY) and keeps the old calibration', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ)
    const before = base.calibration
    const error = await kotaeError(() => base.calibrate([...MINI_CALIB.slice(0, 3), { query: '送料', expected: 'shipping-fee-fr' }]))
    expect(error.code).toBe('UNKNOWN_ENTRY')
    expect(error.message).toContain('shipping-fee-fr')
    expect(error.message).toMatch(/query 4/)
    expect(base.calibration).toBe(before)
  })

  it('rejects an empty list and malformed queries (CALIBRATION_DATA)', async () => {
    expect((await kotaeError(() => kb.calibrate([]))).code).toBe('CALIBRATION_DATA')
    expect((await kotaeError(() => kb.calibrate([{ query: '  ', expected: null }]))).code).toBe('CALIBRATION_DATA')
  })
})

describe('setThresholds', () => {
  it('answerThreshold above 1 means the base never answers; clearing the override restores it', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ)
    await base.calibrate(MINI_CALIB)
    const before = await askAll(base)
    expect(before.some((r) => r.decision === 'answer')).toBe(true)
    base.setThresholds({ answerThreshold: 1.01 })
    expect(base.thresholds.answerThreshold).toBe(1.01)
    const after = await askAll(base)
    expect(after.filter((r) => r.decision === 'answer')).toEqual([])
    // Only the decision changed: rankings and confidences are the same.
    expect(after.map((r) => r.candidates.map((c) => [c.id, c.confidence]))).toEqual(before.map((r) => r.candidates.map((c) => [c.id, c.confidence])))
    base.setThresholds({})
    expect(base.thresholds.answerThreshold).toBe(base.calibration.answerThreshold)
    expect((await askAll(base)).map((r) => r.decision)).toEqual(before.map((r) => r.decision))
  })

  it('unreachable clarify and confirm thresholds turn every non-answer into an escalation', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ)
    base.setThresholds({ answerThreshold: 1.01, clarifyThreshold: 100, confirmThreshold: 100 })
    for (const r of await askAll(base)) {
      expect(r.decision).toBe('escalate')
      expect(r.handoff).toBeDefined()
    }
  })

  it('maxOptions caps the clarify options', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ)
    base.setThresholds({ answerThreshold: 1.01, clarifyThreshold: 0, ambiguityMargin: 10, maxOptions: 2 })
    const result = await base.ask('注文')
    expect(result.decision).toBe('clarify')
    expect(result.options).toHaveLength(2)
    expect(result.options!.map((o) => o.id)).toEqual(result.candidates.slice(0, 2).map((c) => c.id))
  })
})

describe('ask logger', () => {
  it('records every ask and returns its event id; a throwing logger never fails the answer', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ.slice(0, 8), { selfCalibrate: false })
    const seen: Array<{ query: string; sessionId?: string; channel?: string }> = []
    base.useLogger({ record: (result, context) => (seen.push({ query: result.query, ...context }), `event-${seen.length}`) })
    const result = await base.ask('送料', { sessionId: 's1', channel: 'line' })
    expect(result.eventId).toBe('event-1')
    expect(seen).toEqual([{ query: '送料', sessionId: 's1', channel: 'line', transcript: undefined }])
    base.useLogger({ record: () => { throw new Error('disk full') } })
    const still = await base.ask('送料')
    expect(still.candidates.length).toBeGreaterThan(0)
    expect(still.eventId).toBeUndefined()
    base.useLogger(null)
    expect((await base.ask('送料')).eventId).toBeUndefined()
  })
})

describe('bounded work per question', () => {
  it('searches only the first maxQuestionLength characters of a huge question and says so', async () => {
    const huge = '送料はいくらですか？'.repeat(100_000)
    const r = await kb.ask(huge)
    expect(r.truncated).toBe(true)
    expect(r.query).toBe(huge)
    expect(r.candidates.length).toBeGreaterThan(0)
    const short = await kb.ask('送料はいくらですか？')
    expect(short.truncated).toBeUndefined()
  })

  it('a long unbroken CJK run and an emoji-heavy run finish like any other question', async () => {
    for (const q of ['あ'.repeat(20_000), '配送'.repeat(10_000), '🙏'.repeat(10_000) + '送料']) {
      const r = await kb.ask(q, { maxQuestionLength: 20_000 })
      expect(['answer', 'clarify', 'escalate']).toContain(r.decision)
    }
  })

  it('rejects a maxQuestionLength that is not a positive integer', async () => {
    await expect(kb.ask('送料', { maxQuestionLength: 0 })).rejects.toThrow(KotaeError)
  })
})
