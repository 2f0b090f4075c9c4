/** detectLanguage on short questions, and Han-only questions decided by the knowledge base's own phrasings. */
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, detectLanguage, normalizeText, type FaqEntryInput, type KnowledgeBase } from '../../src/index.js'
// Word segmentation has no public entry point; it is the text module's own export.
import { analyze, classifierTerms, fieldTerms, lexicalTerms, segmentWords } from '../../src/text/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'

let mini: KnowledgeBase

beforeAll(async () => {
  mini = await buildKnowledgeBase(MINI_FAQ)
})

describe('detectLanguage on short questions', () => {
  it('Hangul → ko, kana → ja, Latin → en', () => {
    expect(detectLanguage('배송')).toBe('ko')
    expect(detectLanguage('환불 돼요?')).toBe('ko')
    expect(detectLanguage('いつ届く?')).toBe('ja')
    expect(detectLanguage('ｷｬﾝｾﾙ')).toBe('ja')
    expect(detectLanguage('送料は?')).toBe('ja')
    expect(detectLanguage('refund')).toBe('en')
    expect(detectLanguage('Do you ship to Canada?')).toBe('en')
  })

  it('Han-only text: simplified-only characters → zh, Japanese-only shinjitai → ja (no knowledge base needed)', () => {
    expect(detectLanguage('这个订单')).toBe('zh')
    expect(detectLanguage('运费')).toBe('zh')
    expect(detectLanguage('発送')).toBe('ja')
    expect(detectLanguage('払戻')).toBe('ja')
  })

  it('ask reports the detected language of short questions', async () => {
    expect((await mini.ask('배송비')).lang).toBe('ko')
    expect((await mini.ask('ポイント')).lang).toBe('ja')
    expect((await mini.ask('refund')).lang).toBe('en')
    expect((await mini.ask('积分怎么用')).lang).toBe('zh')
  })

  it('ask with a lang option takes it as the question language', async () => {
    const result = await mini.ask('配送', { lang: 'zh' })
    expect(result.lang).toBe('zh')
    expect(result.candidates.every((c) => c.lang === 'zh')).toBe(true)
  })
})

describe('Han-only questions are decided by the knowledge base’s phrasings', () => {
  const entry = (id: string, lang: 'ja' | 'zh', question: string, variants: string[]): FaqEntryInput => ({
    id,
    lang,
    question,
    variants,
    answer: lang === 'ja' ? 'こちらのページをご覧ください。' : '请查看此页面。',
  })
  // A shop whose Japanese side talks about 配送料 and whose Chinese side says 运费.
  const jaLeaning: FaqEntryInput[] = [
    entry('fee-ja', 'ja', '配送料はいくらですか?', ['配送料の無料条件', '配送料について教えて', '離島の配送料']),
    entry('return-ja', 'ja', '返品の方法を教えてください', ['返品したい', '返品の期限は?']),
    entry('fee-zh', 'zh', '运费是多少?', ['运费怎么算', '满多少包邮']),
    entry('return-zh', 'zh', '怎么退货?', ['我想退货', '退货期限多久']),
  ]
  // A shop whose Chinese side talks about 配送 and 材料费, and whose Japanese side never does.
  const zhLeaning: FaqEntryInput[] = [
    entry('return-ja', 'ja', '返品の方法を教えてください', ['返品したい', '返品の期限は?']),
    entry('pay-ja', 'ja', '支払い方法は?', ['クレジットカードは使えますか', 'コンビニ払いできますか']),
    entry('fee-zh', 'zh', '配送费用怎么算?', ['配送料多少', '配送需要收费吗', '材料费和配送料']),
    entry('time-zh', 'zh', '配送需要几天?', ['什么时候配送', '配送时间']),
  ]
  let jaKb: KnowledgeBase
  let zhKb: KnowledgeBase

  beforeAll(async () => {
    jaKb = await buildKnowledgeBase(jaLeaning)
    zhKb = await buildKnowledgeBase(zhLeaning)
  })

  it('「配送料」 is Japanese in a base whose Japanese phrasings use those characters', async () => {
    const result = await jaKb.ask('配送料')
    expect(result.lang).toBe('ja')
    expect(result.candidates[0].id).toBe('fee-ja')
  })

  it('「配送料」 is Chinese in a base whose Chinese phrasings use those characters', async () => {
    const result = await zhKb.ask('配送料')
    expect(result.lang).toBe('zh')
    expect(result.candidates[0].id).toBe('fee-zh')
  })

  it('a simplified-only question is Chinese even in a base that leans Japanese', async () => {
    const result = await jaKb.ask('运费多少')
    expect(result.lang).toBe('zh')
    expect(result.candidates[0].id).toBe('fee-zh')
  })
})

