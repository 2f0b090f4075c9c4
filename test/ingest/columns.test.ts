import { describe, expect, it } from 'vitest'
import { KotaeError } from '../../src/errors.js'
import { importFaq } from '../../src/ingest/index.js'

const csv = (rows: string[][]) => rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',')).join('\n') + '\n'

describe('header mapping', () => {
  it.each([
    ['Japanese', ['ID', '言語', '質問', '答え', 'カテゴリ', 'タグ', '更新日', '類似質問']],
    ['Japanese (alt)', ['id', 'language', '質問', '回答', 'カテゴリー', 'タグ', '更新日', '言い換え']],
    ['Korean', ['ID', '언어', '질문', '답변', '카테고리', '태그', '수정일', '유사질문']],
    ['Chinese (simplified)', ['编号', '语言', '问题', '答案', '分类', '标签', '更新日期', '相似问题']],
    ['Chinese (traditional)', ['編號', '語言', '問題', '答案', '類別', '標籤', '更新日期', '相似問題']],
    ['English snake/camel', ['id', 'Lang', 'Question', 'Answer', 'Category', 'Tags', 'updated_at', 'Variants']],
    ['full-width and spaced', ['ＩＤ', 'Language ', ' QUESTION', 'Answer', 'category', 'tags', 'Updated At', 'variants']],
  ])('%s headers map to the entry fields', async (_name, header) => {
    const r = await importFaq(csv([header, ['q1', 'ja', '送料は？', '550円です。', '配送', '送料;料金', '2026-04-01', '配送料\n送料いくら']]), 'csv')
    expect(r.issues).toEqual([])
    expect(r.entries).toEqual([
      {
        id: 'q1',
        lang: 'ja',
        question: '送料は？',
        answer: '550円です。',
        category: '配送',
        tags: ['送料', '料金'],
        updatedAt: '2026-04-01',
        variants: ['配送料', '送料いくら'],
        metadata: {},
      },
    ])
  })

  it('merges variant1..N columns in column order and skips empty ones; accepts 言い換え1 style too', async () => {
    const r = await importFaq(
      csv([
        ['id', 'lang', 'question', 'variant1', 'answer', 'variant2', 'variant3', '言い換え(4)'],
        ['q1', 'en', 'How much is shipping?', 'shipping cost', 'Free over $50.', '', 'delivery fee', 'postage'],
      ]), 'csv', { },
    )
    expect(r.issues).toEqual([])
    expect(r.entries[0]!.variants).toEqual(['shipping cost', 'delivery fee', 'postage'])
  })

  it('splits tags on commas, semicolons, 、 and newlines', async () => {
    const r = await importFaq(csv([['id', 'lang', 'question', 'answer', 'tags'], ['q1', 'ja', '送料は？', '550円', '送料, 料金;配送、全国\n税込']]), 'csv')
    expect(r.entries[0]!.tags).toEqual(['送料', '料金', '配送', '全国', '税込'])
  })

  it('keeps unknown columns in metadata under their header, skipping empty cells', async () => {
    const r = await importFaq(
      csv([
        ['id', 'lang', 'question', 'answer', '担当者', 'Source URL', '優先度'],
        ['q1', 'ja', '送料は？', '550円です。', '佐藤', 'https://example.com/faq#1', ''],
      ]), 'csv', { },
    )
    expect(r.entries[0]!.metadata).toEqual({ 担当者: '佐藤', 'Source URL': 'https://example.com/faq#1' })
  })

  it('keeps repeated and empty unknown headers apart in metadata', async () => {
    const r = await importFaq(csv([['id', 'lang', 'question', 'answer', 'memo', 'memo', ''], ['q1', 'en', 'Hi?', 'Hello.', 'first', 'second', 'third']]), 'csv')
    expect(r.entries[0]!.metadata).toEqual({ memo: 'first', 'memo (2)': 'second', column7: 'third' })
  })

  it('maps language names such as 日本語 / 한국어 / 繁體中文 to tags', async () => {
    const r = await importFaq(
      csv([
        ['id', '言語', 'question', 'answer'],
        ['a', '日本語', '送料は？', '550円です。'],
        ['b', '한국어', '배송비는요?', '3,000원입니다.'],
        ['c', '繁體中文', '運費多少？', '滿千免運。'],
      ]), 'csv', { },
    )
    expect(r.entries.map((e) => e.lang)).toEqual(['ja', 'ko', 'zh-TW'])
  })

  it('the columns option maps headers explicitly and wins over the defaults', async () => {
    const r = await importFaq(
      csv([
        ['No', 'Q', 'FAQ本文', '回答', '別表現', 'memo'],
        ['f-1', '送料は？', '全国一律550円です。', '(旧) 500円', '送料いくら', 'x'],
      ]), 'csv', { lang: 'ja', columns: { No: 'id', FAQ本文: 'answer', 別表現: 'variants', memo: 'ignore' } },
    )
    expect(r.entries).toEqual([
      {
        id: 'f-1',
        lang: 'ja',
        question: '送料は？',
        answer: '全国一律550円です。',
        variants: ['送料いくら'],
        tags: [],
        metadata: { 回答: '(旧) 500円' },
      },
    ])
    // The default 回答 column lost to the explicit one: said as a warning, not silently.
    expect(r.issues).toEqual([expect.objectContaining({ row: 1, field: 'answer', severity: 'warning' })])
    expect(r.issues[0]!.message).toContain('回答')
  })

  it('warns about a columns key that matches no header, and rejects an unknown target field', async () => {
    const data = csv([['id', 'lang', 'question', 'answer'], ['q1', 'en', 'Hi?', 'Hello.']])
    const r = await importFaq(data, 'csv', { columns: { 'Old answer': 'answer' } })
    expect(r.entries).toHaveLength(1)
    expect(r.issues).toEqual([{ row: 1, field: 'answer', severity: 'warning', message: expect.stringContaining('"Old answer"') }])
    await expect(importFaq(data, 'csv', { columns: { question: 'title' } })).rejects.toMatchObject({ code: 'UNKNOWN_COLUMN_FIELD', details: { header: 'question', field: 'title' }, message: expect.stringContaining('use one of id, lang, question, answer') })
    await expect(importFaq(data, 'csv', { columns: { question: 'title' } })).rejects.toBeInstanceOf(KotaeError)
  })

  it('generates ids from row numbers when there is no id column, with one warning', async () => {
    const r = await importFaq(csv([['lang', 'question', 'answer'], ['en', 'Hi?', 'Hello.'], ['', '', ''], ['en', 'Bye?', 'See you.']]), 'csv')
    expect(r.entries.map((e) => e.id)).toEqual(['row-2', 'row-4'])
    expect(r.rowsRead).toBe(2)
    expect(r.issues).toEqual([{ row: 1, field: 'id', severity: 'warning', message: expect.stringContaining('generated ids from row numbers') }])
  })

  it('uses the lang option for rows without lang; a lang cell wins over it', async () => {
    const r = await importFaq(csv([['id', 'lang', 'question', 'answer'], ['a', '', '送料は？', '550円'], ['b', 'ko', '배송비?', '무료']]), 'csv', { lang: 'ja' })
    expect(r.issues).toEqual([])
    expect(r.entries.map((e) => e.lang)).toEqual(['ja', 'ko'])
  })

  it('counts rows as a spreadsheet does: multi-line cells stay one row, blank lines count', async () => {
    const text = 'id,lang,question,answer\na,en,"Two\nlines?",Yes.\n\nb,en,Hi?,\n'
    const r = await importFaq(text, 'csv')
    expect(r.entries.map((e) => e.id)).toEqual(['a'])
    expect(r.issues).toEqual([{ row: 4, field: 'answer', severity: 'error', message: 'answer must not be empty' }])
  })
})
