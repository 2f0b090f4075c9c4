import { describe, expect, it } from 'vitest'
import { formatImportReport, importFaq, importFaqFile, loadFaqEntries } from '../../src/ingest/index.js'
import { rejection } from './helpers.js'

const bad = (name: string) => new URL(`../../fixtures/malformed/${name}`, import.meta.url).pathname
const good = (name: string) => new URL(`../../fixtures/import/${name}`, import.meta.url).pathname


describe('malformed files', () => {
  it('unclosed quote: FAQ_UNREADABLE naming the line where the quote opened', async () => {
    const err = await rejection(importFaqFile(bad('unclosed-quote.csv')))
    expect(err.code).toBe('FAQ_UNREADABLE')
    expect(err.message).toContain('line 3')
    expect(err.message).toMatch(/never closed/)
    expect(err.details.line).toBe(3)
  })

  it('missing answer column: one error on the header row naming the accepted header names', async () => {
    const r = await importFaqFile(bad('missing-columns.csv'))
    expect(r.entries).toEqual([])
    expect(r.issues).toHaveLength(1)
    expect(r.issues[0]).toMatchObject({ row: 1, field: 'answer', severity: 'error' })
    for (const name of ['answer', '回答', '答え', '답변', '答案']) expect(r.issues[0]!.message).toContain(name)
    expect(r.issues[0]!.message).toContain('found: id, lang, question, category')
  })

  it('duplicate ids: the second row is rejected and both rows are named', async () => {
    const r = await importFaqFile(bad('duplicate-ids.csv'))
    expect(r.entries.map((e) => e.id)).toEqual(['ship-fee', 'return'])
    expect(r.entries[0]!.answer).toBe('全国一律550円です。')
    expect(r.issues).toEqual([{ row: 4, field: 'id', severity: 'error', message: expect.stringMatching(/duplicate id "ship-fee".*row 2.*rows 2 and 4/) }])
  })

  it('empty file: an error for the file; loadFaqEntries throws EMPTY_FAQ', async () => {
    const r = await importFaqFile(bad('empty.csv'))
    expect(r.entries).toEqual([])
    expect(r.rowsRead).toBe(0)
    expect(r.issues).toEqual([{ row: 0, severity: 'error', message: expect.stringContaining('empty') }])
    expect((await rejection(loadFaqEntries(bad('empty.csv')))).code).toBe('EMPTY_FAQ')
    // Whitespace only, a BOM only, or a header without rows are empty too.
    expect((await importFaq('  \n\n', 'jsonl')).issues[0]).toMatchObject({ row: 0, severity: 'error' })
    expect((await importFaq(Buffer.from([0xef, 0xbb, 0xbf]), 'csv')).issues[0]).toMatchObject({ row: 0, severity: 'error' })
    expect((await importFaq('id,lang,question,answer\n', 'csv')).issues).toEqual([
      { row: 1, severity: 'error', message: expect.stringContaining('no data rows') },
    ])
  })

  it('empty answer: row 3, field answer, error; the other rows still import', async () => {
    const r = await importFaqFile(bad('empty-answer.csv'))
    expect(r.entries.map((e) => e.id)).toEqual(['ship-fee', 'return'])
    expect(r.issues).toEqual([{ row: 3, field: 'answer', severity: 'error', message: 'answer must not be empty' }])
  })

  it('bad lang and bad date: each row reported with its field', async () => {
    const r = await importFaqFile(bad('bad-lang.csv'))
    expect(r.entries.map((e) => e.id)).toEqual(['ship-fee'])
    expect(r.issues).toEqual([
      { row: 2, field: 'lang', severity: 'error', message: expect.stringContaining('ja, ko, en or zh') },
      { row: 3, field: 'updatedAt', severity: 'error', message: expect.stringContaining('ISO 8601') },
    ])
  })

  it('no lang column: an error per row telling the user to pass --lang; fine with the lang option', async () => {
    const r = await importFaqFile(bad('missing-lang.csv'))
    expect(r.entries).toEqual([])
    const errors = r.issues.filter((i) => i.severity === 'error')
    expect(errors.map((i) => [i.row, i.field])).toEqual([
      [2, 'lang'],
      [3, 'lang'],
    ])
    expect(errors[0]!.message).toContain('--lang')
    const ok = await importFaqFile(bad('missing-lang.csv'), { lang: 'ja' })
    expect(ok.entries.map((e) => [e.id, e.lang, e.question])).toEqual([
      ['row-2', 'ja', '送料はいくらですか？'],
      ['row-3', 'ja', '返品できますか？'],
    ])
    expect(ok.issues).toEqual([expect.objectContaining({ row: 1, field: 'id', severity: 'warning' })])
  })

  it('a row with more cells than the header is rejected, not silently shifted', async () => {
    const r = await importFaqFile(bad('extra-cells.csv'))
    expect(r.entries.map((e) => e.id)).toEqual(['ship-fee'])
    expect(r.issues).toEqual([{ row: 3, severity: 'error', message: expect.stringContaining('5 cells but the header has 4') }])
  })

  it('invalid JSONL: bad JSON line, missing field and non-object each reported by line', async () => {
    const r = await importFaqFile(bad('invalid-line.jsonl'))
    expect(r.entries.map((e) => e.id)).toEqual(['a', 'c'])
    expect(r.rowsRead).toBe(5)
    expect(r.issues).toEqual([
      { row: 2, severity: 'error', message: expect.stringContaining('not valid JSON at column 79') },
      { row: 4, field: 'question', severity: 'error', message: 'question is missing' },
      { row: 5, severity: 'error', message: 'expected an entry object, got an array' },
    ])
  })

  it('invalid JSON document: FAQ_UNREADABLE with line and column', async () => {
    const err = await rejection(importFaq('[\n  {"id": "a"},\n  oops\n]', 'json', { source: 'x.json' }))
    expect(err.code).toBe('FAQ_UNREADABLE')
    expect(err.message).toMatch(/x\.json: invalid JSON at line 3, column 3/)
    const shape = await rejection(importFaq('{"items": []}', 'json'))
    expect(shape.message).toContain('{"entries": [...]}')
  })

  it('JSON rows are numbered by array index + 1', async () => {
    const r = await importFaq(JSON.stringify([{ id: 'a', lang: 'en', question: 'Q?', answer: 'A.' }, { id: 'b', lang: 'en', question: 'Q2?', answer: '' }]), 'json')
    expect(r.issues).toEqual([{ row: 2, field: 'answer', severity: 'error', message: 'answer must not be empty' }])
  })

  it('wrong explicit encoding: FAQ_UNREADABLE naming the encoding tried and the one to pass', async () => {
    const err = await rejection(importFaqFile(bad('wrong-encoding-sjis.csv'), { encoding: 'utf-8' }))
    expect(err.code).toBe('FAQ_UNREADABLE')
    expect(err.message).toContain('decoding as utf-8')
    expect(err.message).toContain('--encoding shift_jis')
    expect(err.details).toMatchObject({ line: 1, hint: expect.stringContaining('it looks like Shift_JIS') })
    // Without the wrong hint the same file reads fine.
    const r = await importFaqFile(bad('wrong-encoding-sjis.csv'))
    expect(r.encoding).toBe('Shift_JIS')
    expect(r.entries.map((e) => e.question)).toEqual(['ポイントはいつ付与されますか？', 'ポイントに有効期限はありますか？'])
  })

  it('unknown encoding name: FAQ_UNREADABLE listing the supported ones', async () => {
    const err = await rejection(importFaqFile(good('faq-ja-sjis.csv'), { encoding: 'klingon' }))
    expect(err.code).toBe('FAQ_UNREADABLE')
    expect(err.message).toContain('shift_jis')
  })

  it('unknown sheet: FAQ_UNREADABLE listing the sheets', async () => {
    const err = await rejection(importFaqFile(good('faq-two-sheets.xlsx'), { sheet: '中文' }))
    expect(err.code).toBe('FAQ_UNREADABLE')
    expect(err.message).toContain('no sheet named "中文"')
    expect(err.message).toContain('"English", "한국어"')
    expect(err.details.hint).toContain('--sheet')
  })

  it('unreadable workbook, missing file, unknown extension: FAQ_UNREADABLE', async () => {
    expect((await rejection(importFaqFile(bad('not-a-workbook.xlsx')))).message).toContain('not a readable XLSX workbook')
    const missing = await rejection(importFaqFile(bad('nope.csv')))
    expect(missing.code).toBe('FAQ_UNREADABLE')
    expect(missing.message).toContain('no such file')
    const ext = await rejection(importFaqFile(bad('faq.xls')))
    expect(ext.message).toContain('.xls format is not supported')
  })

  it('formatImportReport gives counts then one line per issue', async () => {
    const report = formatImportReport(await importFaqFile(bad('bad-lang.csv')))
    const lines = report.split('\n')
    expect(lines[0]).toContain('3 row(s) read, 1 entry imported, 2 row(s) not imported, 2 error(s), 0 warning(s)')
    expect(lines[1]).toBe('  row 2, field lang: expected a language tag starting with ja, ko, en or zh (for example "ja" or "zh-TW")')
    expect(lines[2]).toBe('  row 3, field updatedAt: updatedAt must be an ISO 8601 date such as 2026-04-01')
    const withWarning = formatImportReport(await importFaqFile(bad('missing-lang.csv'), { lang: 'ja' }))
    expect(withWarning).toContain('row 1, field id: warning: no id column')
    expect(formatImportReport(await importFaqFile(bad('empty.csv')))).toContain('  file: the file is empty')
  })
})
