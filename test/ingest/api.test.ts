import { describe, expect, it } from 'vitest'
import { loadFaq, readLabelledQueries, validateEntries } from '../../src/ingest/index.js'
import { rejection } from './helpers.js'

const fx = (dir: string, name: string) => new URL(`../../fixtures/${dir}/${name}`, import.meta.url).pathname


describe('loadFaq', () => {
  it('returns the entries of a clean file', async () => {
    const entries = await loadFaq(fx('import', 'faq-ko-euckr.csv'))
    expect(entries.map((e) => e.id)).toEqual(['ko-shipping-time', 'ko-refund', 'ko-bank-transfer'])
  })

  it('throws FAQ_INVALID listing the errors, with all issues in details', async () => {
    const err = await rejection(loadFaq(fx('malformed', 'bad-lang.csv')))
    expect(err.code).toBe('FAQ_INVALID')
    expect(err.message).toContain('2 error(s)')
    expect(err.message).toContain('row 2, field lang:')
    expect(err.message).toContain('row 3, field updatedAt:')
    expect(err.details.issues).toEqual([
      expect.objectContaining({ row: 2, field: 'lang', severity: 'error' }),
      expect.objectContaining({ row: 3, field: 'updatedAt', severity: 'error' }),
    ])
  })

  it('does not fail on warnings alone (generated ids)', async () => {
    const entries = await loadFaq(fx('malformed', 'missing-lang.csv'), { lang: 'ja' })
    expect(entries.map((e) => e.id)).toEqual(['row-2', 'row-3'])
  })

  it('lets FAQ_UNREADABLE through for files that cannot be parsed', async () => {
    expect((await rejection(loadFaq(fx('malformed', 'unclosed-quote.csv')))).code).toBe('FAQ_UNREADABLE')
  })
})

describe('validateEntries (entries from a CMS)', () => {
  it('validates, applies defaults, keeps unknown keys in metadata and names rows', () => {
    const { entries, issues } = validateEntries(
      [
        { id: 'a', lang: 'en', question: ' How much is shipping? ', answer: 'Free over $50.', cmsId: 991 },
        { id: 'b', lang: 'xx', question: 'Q', answer: 'A' },
        { id: 'c', lang: 'ja', question: '質問', answer: '回答', variants: ['ok', ' '] },
        'not an entry',
        { id: 'a', lang: 'en', question: 'Shipping cost?', answer: 'Free over $50.' },
      ],
      [10, 11, 12, 13, 14],
    )
    expect(entries).toEqual([
      { id: 'a', lang: 'en', question: 'How much is shipping?', answer: 'Free over $50.', variants: [], tags: [], metadata: { cmsId: 991 } },
    ])
    expect(issues).toEqual([
      { row: 11, field: 'lang', severity: 'error', message: expect.stringContaining('ja, ko, en or zh') },
      { row: 12, field: 'variants #2', severity: 'error', message: 'a variant must not be empty' },
      { row: 13, severity: 'error', message: 'expected an entry object, got string' },
      { row: 14, field: 'id', severity: 'error', message: 'duplicate id "a": row 10 already uses it (rows 10 and 14)' },
    ])
  })

  it('numbers rows from 1 without rowNumbers and reports every missing field', () => {
    const { entries, issues } = validateEntries([{ id: 'x' }])
    expect(entries).toEqual([])
    expect(issues.map((i) => [i.row, i.field, i.message])).toEqual([
      [1, 'lang', 'lang is missing'],
      [1, 'question', 'question is missing'],
      [1, 'answer', 'answer is missing'],
    ])
  })
})

describe('readLabelledQueries', () => {
  it('reads queries.jsonl per FORMAT.md, including null expected', async () => {
    const queries = await readLabelledQueries(fx('import', 'queries.jsonl'))
    expect(queries).toEqual([
      { query: '荷物はいつ届く?', lang: 'ja', expected: 'ja-shipping-time' },
      { query: '환불 언제 돼요', lang: 'ko', expected: 'ko-refund' },
      { query: '能用微信付款吗', expected: 'zh-payment' },
      { query: '今日の天気は?', lang: 'ja', expected: null },
    ])
  })

  it('throws INVALID_INPUT naming each bad line and field', async () => {
    const err = await rejection(readLabelledQueries(fx('malformed', 'bad-queries.jsonl')))
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toContain('line 2, field query: query must not be empty')
    expect(err.message).toContain('line 3, field expected: expected is missing (use null for out-of-scope queries)')
    expect(err.message).toMatch(/line 4: not valid JSON/)
    expect(err.details).toMatchObject({ line: 2, field: 'query' })
    expect((err.details.problems as unknown[]).length).toBe(3)
  })

  it('throws INVALID_INPUT for a missing file', async () => {
    const err = await rejection(readLabelledQueries(fx('import', 'nope.jsonl')))
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toContain('nope.jsonl')
  })
})
