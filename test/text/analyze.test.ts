/** The analyser: Korean particles do not break matching; Japanese and Chinese are segmented into words and character grams. */
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, detectLanguage, normalizeText, type FaqEntryInput, type KnowledgeBase } from '../../src/index.js'
// Word segmentation has no public entry point; it is the text module's own export.
import { analyze, classifierTerms, fieldTerms, lexicalTerms, segmentWords } from '../../src/text/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'

let mini: KnowledgeBase

beforeAll(async () => {
  mini = await buildKnowledgeBase(MINI_FAQ)
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
