/** XLSX workbooks (src/ingest/xlsx.ts): sheets, numbered variant columns, dates, rich text. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { importFaq, importFaqFile } from '../../src/ingest/index.js'

const fx = (name: string) => new URL(`../../fixtures/import/${name}`, import.meta.url).pathname

describe('XLSX', () => {
  it('reads the first sheet by default: variant1..3 columns, date cell, rich text, metadata', async () => {
    const r = await importFaqFile(fx('faq-two-sheets.xlsx'))
    expect(r.format).toBe('xlsx')
    expect(r.encoding).toBeUndefined()
    expect(r.issues).toEqual([])
    expect(r.entries.map((e) => e.id)).toEqual(['en-ship-international', 'en-track-order', 'en-return-shipping'])
    const intl = r.entries[0]!
    expect(intl.variants).toEqual(['Can I order from outside Japan?', 'Which countries do you deliver to?'])
    expect(intl.updatedAt).toBe('2026-03-10')
    expect(intl.tags).toEqual(['shipping', 'international'])
    expect(intl.metadata).toEqual({ owner: 'Maya' })
    expect(r.entries[1]!.answer).toBe(
      'Once your order ships we email you a tracking number. You can also follow the parcel from Order History in your account.',
    )
    expect(r.entries[2]!.tags).toEqual(['returns', 'refund'])
    expect(r.entries[2]!.updatedAt).toBeUndefined()
  })

  it('reads a named sheet with Korean headers such as "유사 질문 1"', async () => {
    const r = await importFaqFile(fx('faq-two-sheets.xlsx'), { sheet: '한국어' })
    expect(r.issues).toEqual([])
    expect(r.entries).toHaveLength(2)
    expect(r.entries[0]).toMatchObject({
      id: 'ko-exchange',
      lang: 'ko',
      question: '사이즈 교환이 가능한가요?',
      variants: ['다른 사이즈로 바꾸고 싶어요', '교환 신청 방법'],
      category: '교환/반품',
    })
    expect(r.entries[1]!.variants).toEqual(['주문 취소 방법'])
  })

  it('parses an XLSX buffer with importFaq', async () => {
    const r = await importFaq(readFileSync(fx('faq-two-sheets.xlsx')), 'xlsx', { sheet: '한국어', source: 'upload.xlsx' })
    expect(r.source).toBe('upload.xlsx')
    expect(r.entries.map((e) => e.id)).toEqual(['ko-exchange', 'ko-cancel'])
  })
})
