/**
 * The text stage as a user meets it: normalisation, language detection of short questions
 * (including Han-only questions decided by the knowledge base's own phrasings), Korean
 * particles and Japanese word segmentation.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, detectLanguage, normalizeText, type FaqEntryInput, type KnowledgeBase } from '../src/index.js'
// Word segmentation has no public entry point; it is the text module's own export.
import { analyze, classifierTerms, fieldTerms, lexicalTerms, segmentWords } from '../src/text/index.js'
import { MINI_FAQ } from './fixtures/mini-faq.js'

let mini: KnowledgeBase

beforeAll(async () => {
  mini = await buildKnowledgeBase(MINI_FAQ)
})

describe('normalizeText', () => {
  it('folds full-width forms and case: Ｑ＆Ａ → q&a', () => {
    expect(normalizeText('Ｑ＆Ａ')).toBe('q&a')
    expect(normalizeText('ＦＡＱ　１２３')).toBe('faq 123')
    expect(normalizeText('Free SHIPPING')).toBe('free shipping')
  })

  it('turns half-width katakana (with voiced marks) into full-width', () => {
    expect(normalizeText('ﾊﾟｽﾜｰﾄﾞ')).toBe('パスワード')
    expect(normalizeText('ｷｬﾝｾﾙ')).toBe('キャンセル')
  })

  it('collapses whitespace (including the ideographic space) and trims', () => {
    expect(normalizeText('  送料は\u3000\u3000いくら\n ですか  ')).toBe('送料は いくら ですか')
    expect(normalizeText(' \t\n ')).toBe('')
  })

  it('makes width variants of a question retrieve exactly like the plain form', async () => {
    const plain = await mini.ask('パスワードを忘れてしまいました')
    const halfWidth = await mini.ask('ﾊﾟｽﾜｰﾄﾞを忘れてしまいました')
    expect(plain.candidates[0].id).toBe('password-reset-ja')
    expect(halfWidth.candidates.map((c) => c.id)).toEqual(plain.candidates.map((c) => c.id))
    expect(halfWidth.confidence).toBeCloseTo(plain.confidence, 6)

    const wide = await mini.ask('ＨＯＷ ＭＵＣＨ ＩＳ ＳＨＩＰＰＩＮＧ?')
    const ascii = await mini.ask('how much is shipping?')
    expect(ascii.candidates[0].id).toBe('shipping-fee-en')
    expect(wide.candidates.map((c) => c.id)).toEqual(ascii.candidates.map((c) => c.id))
    expect(wide.lang).toBe('en')
  })
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

describe('Korean particles do not break matching', () => {
  it('배송이 / 배송은 / 배송을 retrieve the same Korean entry', async () => {
    const tops = await Promise.all(['배송이', '배송은', '배송을'].map(async (q) => (await mini.ask(q)).candidates[0]))
    expect(new Set(tops.map((c) => c.id)).size).toBe(1)
    expect(tops[0].lang).toBe('ko')
    expect(tops[0].id).toMatch(/^(shipping-fee|delivery-time)-ko$/)
  })

  it('a word with a particle also counts as its stem, so 환불은 and 환불을 share the word 환불', () => {
    for (const q of ['환불은 언제 되나요', '환불을 받고 싶어요', '수하물이 안 나왔어요']) {
      const { words } = analyze(normalizeText(q), 'ko')
      expect(words, q).toContain(q.startsWith('수하물') ? '수하물' : '환불')
    }
    // Two-syllable words are kept whole: 나이 is not 나 + 이.
    expect(analyze('나이', 'ko').words).toEqual(['나이'])
  })

  it('a full question with 가 / 는 / 를 after the noun finds the same entry', async () => {
    for (const q of ['배송비가 얼마예요', '배송비는 얼마예요', '배송비를 알려주세요']) {
      const result = await mini.ask(q)
      expect(result.lang, q).toBe('ko')
      expect(result.candidates[0].id, q).toBe('shipping-fee-ko')
      expect(result.candidates[0].lexicalScore, q).toBeGreaterThan(0)
    }
  })
})

describe('Japanese and Chinese word segmentation (Intl.Segmenter)', () => {
  it('splits Japanese into words, not characters', () => {
    expect(segmentWords('送料はいくらですか', 'ja')).toEqual(expect.arrayContaining(['送料', 'いくら']))
    expect(analyze(normalizeText('パスワードを忘れた'), 'ja').words).toContain('パスワード')
  })

  it('splits Chinese into words', () => {
    expect(segmentWords('我想取消订单', 'zh')).toEqual(expect.arrayContaining(['取消', '订单']))
  })

  it('keeps character bigrams as well, so a word split differently still matches', () => {
    const grams = analyze(normalizeText('配送料'), 'ja').cjkGrams
    expect(grams).toEqual(expect.arrayContaining([{ size: 2, text: '配送' }, { size: 2, text: '送料' }]))
    // The index keys of a phrasing and of a question split into other words still meet on the bigram.
    const shared = (a: string, b: string) => lexicalTerms(analyze(normalizeText(a), 'ja')).filter((t) => lexicalTerms(analyze(normalizeText(b), 'ja')).includes(t))
    expect(shared('配送料はいくら', '送料を知りたい').length).toBeGreaterThan(0)
  })

  it('gives the classifier words and character grams but no word pairs, and the field index Latin character grams', () => {
    const analyzed = analyze(normalizeText('cancel my order'), 'en')
    expect(classifierTerms(analyzed).length).toBe(analyzed.words.length)
    expect(lexicalTerms(analyzed).length).toBe(2 * analyzed.words.length - 1)
    expect(fieldTerms(analyzed).length).toBe(analyzed.words.length + analyzed.latinGrams.length)
    // One-kana grammar particles are no unigram of their own; Han and Hangul characters are.
    const ja = analyze(normalizeText('送料の'), 'ja').cjkGrams.filter((g) => g.size === 1).map((g) => g.text)
    expect(ja).toEqual(['送', '料'])
    const ko = analyze(normalizeText('배송비'), 'ko').cjkGrams.filter((g) => g.size === 1).map((g) => g.text)
    expect(ko).toEqual(['배', '송', '비'])
  })
})
