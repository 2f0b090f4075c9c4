/** normalizeText: width, case, spacing and punctuation folded so that the same question written differently meets itself. */
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, detectLanguage, normalizeText, type FaqEntryInput, type KnowledgeBase } from '../../src/index.js'
// Word segmentation has no public entry point; it is the text module's own export.
import { analyze, classifierTerms, fieldTerms, lexicalTerms, segmentWords } from '../../src/text/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'

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

