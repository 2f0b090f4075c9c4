/** The import entry points: importFaqFile / importFaq report every issue; throwOnImportErrors and loadFaqEntries turn errors into the code a caller branches on. */
import { describe, expect, it } from 'vitest'
import { importFaq, importFaqFile, loadFaqEntries, throwOnImportErrors } from '../../src/ingest/index.js'
import { rejection } from './helpers.js'

const fx = (dir: string, name: string) => new URL(`../../fixtures/${dir}/${name}`, import.meta.url).pathname

describe('loadFaqEntries', () => {
  it('returns the entries of a clean file', async () => {
    const entries = await loadFaqEntries(fx('import', 'faq-ko-euckr.csv'))
    expect(entries.map((e) => e.id)).toEqual(['ko-shipping-time', 'ko-refund', 'ko-bank-transfer'])
  })

  it('throws FAQ_INVALID listing the errors, with every error row in details.problems', async () => {
    const err = await rejection(loadFaqEntries(fx('malformed', 'bad-lang.csv')))
    expect(err.code).toBe('FAQ_INVALID')
    expect(err.message).toContain('bad-lang.csv: 2 problem(s) in the FAQ')
    expect(err.message).toContain('row 2 (lang):')
    expect(err.message).toContain('row 3 (updatedAt):')
    expect(err.details.problems).toEqual([
      { row: 2, field: 'lang', message: expect.stringContaining('ja, ko, en or zh') },
      { row: 3, field: 'updatedAt', message: expect.stringContaining('ISO 8601') },
    ])
  })

  it('throws DUPLICATE_ID naming the ids and rows when the only errors are ids used twice', async () => {
    const err = await rejection(loadFaqEntries(fx('malformed', 'duplicate-ids.csv')))
    expect(err.code).toBe('DUPLICATE_ID')
    expect(err.details).toEqual({ source: fx('malformed', 'duplicate-ids.csv'), ids: ['ship-fee'], rows: [2, 4] })
    expect(err.message).toContain('duplicate entry id(s) ship-fee (rows 2, 4)')
  })

  it('a duplicate id among other errors is FAQ_INVALID, listing both', async () => {
    const text = 'id,lang,question,answer\na,ja,送料は？,550円です。\na,ja,返品は？,できます。\nb,xx,Q,A\n'
    const err = await rejection(importFaq(text, 'csv').then(throwOnImportErrors))
    expect(err.code).toBe('FAQ_INVALID')
    expect(err.details.problems).toEqual([expect.objectContaining({ row: 3, field: 'id' }), expect.objectContaining({ row: 4, field: 'lang' })])
  })

  it('throws EMPTY_FAQ for a file without rows', async () => {
    const err = await rejection(loadFaqEntries(fx('malformed', 'empty.csv')))
    expect(err.code).toBe('EMPTY_FAQ')
    expect(err.message).toContain('empty.csv: the FAQ has no entries')
  })

  it('does not fail on warnings alone (generated ids)', async () => {
    const entries = await loadFaqEntries(fx('malformed', 'missing-lang.csv'), { lang: 'ja' })
    expect(entries.map((e) => e.id)).toEqual(['row-2', 'row-3'])
  })

  it('lets FAQ_UNREADABLE through for files that cannot be parsed', async () => {
    expect((await rejection(loadFaqEntries(fx('malformed', 'unclosed-quote.csv')))).code).toBe('FAQ_UNREADABLE')
  })
})

describe('import options', () => {
  it('are validated: an unknown option or a wrong type is INVALID_OPTIONS naming the field', async () => {
    const typo = await rejection(importFaqFile(fx('import', 'faq-ko-euckr.csv'), { encodng: 'euc-kr' } as never))
    expect(typo.code).toBe('INVALID_OPTIONS')
    expect(typo.message).toContain('importFaqFile')
    expect(typo.message).toContain('encodng')
    const format = await rejection(importFaqFile(fx('import', 'faq-ko-euckr.csv'), { format: 'xls' as never }))
    expect(format.code).toBe('INVALID_OPTIONS')
    expect(format.message).toContain('format')
  })

  it('importFaq takes the format as an argument; a wrong one, or XLSX as a string, is INVALID_ARGUMENT', async () => {
    await expect(importFaq('[]', 'yaml' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('csv, tsv, xlsx, json, jsonl') })
    await expect(importFaq('not a workbook', 'xlsx')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('Buffer') })
  })

  it('the source option names the data in issues and errors', async () => {
    const r = await importFaq('[{"id": "a"}]', 'json', { source: 'upload.json' })
    expect(r.source).toBe('upload.json')
    expect((await rejection(Promise.resolve(r).then(throwOnImportErrors))).message).toMatch(/^upload\.json: /)
  })
})

