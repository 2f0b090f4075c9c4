import { describe, expect, it } from 'vitest'
import { containsMask, createRedactor, redactQuery } from '../../src/ops/index.js'
import { KotaeError } from '../../src/errors.js'

describe('redactQuery', () => {
  it.each([
    ['my email is foo.bar+x@example.co.jp, help', 'my email is [email], help'],
    ['call me on 090-1234-5678', 'call me on [phone]'],
    ['+1 (555) 123-4567 is my number', '[phone] is my number'],
    ['電話は０９０－１２３４－５６７８です', '電話は[phone]です'],
    ['010-1234-5678로 연락 주세요', '[phone]로 연락 주세요'],
    ['card 4111 1111 1111 1111 was declined', 'card [card] was declined'],
    ['カード4111111111111111が使えない', 'カード[card]が使えない'],
    ['注文番号123456789が届かない', '注文番号[order]が届かない'],
    ['order ORD-20240315 is late', 'order [order] is late'],
    ['where is order #4521', 'where is order [order]'],
    ['tracking 1Z999AA10123456784', 'tracking [order]'],
  ])('masks %s', (input, expected) => {
    const r = redactQuery(input)
    expect(r.text).toBe(expected)
    expect(r.hash).toBeNull()
    expect(r.masked.length).toBeGreaterThan(0)
  })

  it.each(['I ordered 3 items in 2024', 'can I return within 30 days?', '送料は500円ですか', '배송비 3000원인가요'])('leaves ordinary text alone: %s', (q) => {
    expect(redactQuery(q)).toEqual({ text: q, hash: null, masked: [] })
  })

  it('takes extra patterns, or only custom patterns', () => {
    const extra = createRedactor({ patterns: [{ name: 'member', pattern: 'M-\\d{4}', mask: '[member]' }] })
    expect(extra('member M-1234 mail a@b.io').text).toBe('member [member] mail [email]')
    const only = createRedactor({ replaceDefaults: true, patterns: [{ name: 'member', pattern: /M-\d{4}/g, mask: '[member]' }] })
    expect(only('member M-1234 mail a@b.io').text).toBe('member [member] mail a@b.io')
  })

  it('stores only a salted hash in hash mode', () => {
    const a = redactQuery('Where is my parcel?', { mode: 'hash', salt: 's1' })
    expect(a.text).toBeNull()
    expect(a.hash).toMatch(/^[0-9a-f]{32}$/)
    expect(redactQuery('where is my parcel?', { mode: 'hash', salt: 's1' }).hash).toBe(a.hash)
    expect(redactQuery('Where is my parcel?', { mode: 'hash', salt: 's2' }).hash).not.toBe(a.hash)
  })

  it('rejects invalid options with an actionable error', () => {
    expect(() => createRedactor({ patterns: [{ name: 'bad', pattern: '(', mask: 'x' }] })).toThrow(/redaction pattern "bad" is not a valid regular expression/)
    expect(() => createRedactor({ mode: 'scramble' as never })).toThrow(KotaeError)
  })

  it('recognises masks', () => {
    expect(containsMask('order [order] late')).toBe(true)
    expect(containsMask('order late')).toBe(false)
  })
})
