/** JSON and JSONL (src/ingest/json.ts): an array or {entries}, one entry per line, the lang option. */
import { describe, expect, it } from 'vitest'
import { importFaq, importFaqFile } from '../../src/ingest/index.js'

const fx = (name: string) => new URL(`../../fixtures/import/${name}`, import.meta.url).pathname

describe('JSON and JSONL', () => {
  it('reads {entries: [...]}; unknown keys go to metadata next to the own metadata', async () => {
    const r = await importFaqFile(fx('faq.json'))
    expect(r.format).toBe('json')
    expect(r.issues).toEqual([])
    expect(r.entries.map((e) => e.id)).toEqual(['en-store-pickup', 'ja-gift-wrap', 'zh-tw-invoice'])
    expect(r.entries[1]!.metadata).toEqual({ owner: '伊藤' })
    expect(r.entries[2]!.lang).toBe('zh-TW')
    expect(r.entries[2]!.metadata).toEqual({ reviewed: true })
    expect(r.entries[2]!.tags).toEqual([])
  })

  it('reads a plain JSON array, and applies the lang option to entries without one', async () => {
    const data = JSON.stringify([
      { id: 'a', question: 'Do you ship abroad?', answer: 'Yes, to 40 countries.' },
      { id: 'b', lang: 'ja', question: '海外発送は？', answer: '対応しています。' },
    ])
    const r = await importFaq(data, 'json', { lang: 'en' })
    expect(r.issues).toEqual([])
    expect(r.entries.map((e) => [e.id, e.lang])).toEqual([
      ['a', 'en'],
      ['b', 'ja'],
    ])
  })

  it('reads JSONL line by line', async () => {
    const r = await importFaqFile(fx('faq.jsonl'))
    expect(r.format).toBe('jsonl')
    expect(r.issues).toEqual([])
    expect(r.rowsRead).toBe(3)
    expect(r.entries.map((e) => e.id)).toEqual(['ko-coupon', 'en-change-address', 'ja-delivery-slot'])
    expect(r.entries[1]!.updatedAt).toBe('2026-03-05T09:30:00+09:00')
  })

  it('lets the format option override the extension', async () => {
    const r = await importFaqFile(fx('faq.jsonl'), { format: 'jsonl' })
    expect(r.entries).toHaveLength(3)
    await expect(importFaqFile(fx('faq.jsonl'), { format: 'csv' })).resolves.toMatchObject({
      entries: [],
      issues: [expect.objectContaining({ row: 1, field: 'question', severity: 'error' }), expect.objectContaining({ row: 1, field: 'answer' })],
    })
  })
})
