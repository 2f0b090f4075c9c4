/** validateEntries: the one validation of raw entries, for imported rows and for entries from a CMS. */
import { describe, expect, it } from 'vitest'
import { validateEntries } from '../../src/ingest/index.js'

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

  it('validates its options: an unknown one is INVALID_OPTIONS, a misspelt limit names the limits that exist', () => {
    expect(() => validateEntries([], undefined, { questionConflict: false } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('questionConflict') }))
    expect(() => validateEntries([], undefined, { limits: { maxAnswerLength: 10 } as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('maxAnswerChars') }))
  })
})
