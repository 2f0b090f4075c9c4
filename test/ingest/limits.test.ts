/**
 * Integrity under real conditions: files too large, cells too long, metadata too deep, keys that
 * would reach object prototypes, and files that mix text encodings. Each must be an issue a person
 * can act on (row, field, limit, actual size, what to do) in `importFaqFile` (hence `kotae check`) and in
 * `validateEntries` (hence `loadFaqEntries`, `kotae build` and `buildKnowledgeBase`): never a crash, a
 * silent drop or silent mojibake.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/engine.js'
import { KotaeError } from '../../src/errors.js'
import { DEFAULT_IMPORT_LIMITS, importFaq, importFaqFile, ImportLimitsSchema, loadFaqEntries, validateEntries, type ImportIssue } from '../../src/ingest/index.js'
import { mixedEncodingCsv } from './fixtures/make-fixtures.js'
import { rejection } from './helpers.js'

const fx = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'kotae-integrity-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const errors = (issues: ImportIssue[]) => issues.filter((i) => i.severity === 'error')

/** A JSON FAQ whose second entry has metadata nested `depth` objects deep (built as text: JSON.stringify itself overflows). */
function deepMetadataJson(depth: number): string {
  const deep = '{"下位":'.repeat(depth) + '"終端"' + '}'.repeat(depth)
  return (
    '[\n' +
    '  {"id": "ja-shipping-fee", "lang": "ja", "question": "送料はいくらですか？", "answer": "全国一律550円（税込）です。"},\n' +
    `  {"id": "ja-gift-wrap", "lang": "ja", "question": "ギフト包装はできますか？", "answer": "1点につき330円で承ります。", "metadata": {"分類": ${deep}}}\n` +
    ']\n'
  )
}

describe('DEFAULT_IMPORT_LIMITS', () => {
  it('documents one default per limit, from the zod schema', () => {
    expect(DEFAULT_IMPORT_LIMITS).toEqual({
      maxQuestionChars: 2_000,
      maxVariantChars: 2_000,
      maxAnswerChars: 20_000,
      maxLabelChars: 1_000,
      maxVariants: 1_000,
      maxTags: 1_000,
      maxMetadataDepth: 8,
      maxMetadataChars: 10_000,
      maxFileBytes: 200 * 1024 * 1024,
    })
    expect(ImportLimitsSchema.parse({ maxAnswerChars: 50_000 })).toEqual({ ...DEFAULT_IMPORT_LIMITS, maxAnswerChars: 50_000 })
    expect(Object.isFrozen(DEFAULT_IMPORT_LIMITS)).toBe(true)
  })

  it('rejects a misspelt or non-positive limit with INVALID_OPTIONS naming it', async () => {
    const typo = await rejection(importFaq('[]', 'json', { limits: { maxAnswerLength: 10 } as never }))
    expect(typo.code).toBe('INVALID_OPTIONS')
    expect(typo.message).toContain('limits.maxAnswerLength')
    expect(typo.message).toContain('maxAnswerChars')
    expect((await rejection(importFaq('[]', 'json', { limits: { maxVariants: 0 } }))).message).toContain('limits.maxVariants')
  })
})

describe('metadata nested 10,000 levels deep', () => {
  const json = deepMetadataJson(10_000)

  it('is an error on its row naming the field, the limit and the depth; the other entry imports', async () => {
    const r = await importFaq(json, 'json', { source: 'deep.json' })
    expect(r.entries.map((e) => e.id)).toEqual(['ja-shipping-fee'])
    const depth = r.issues.find((i) => i.message.includes('levels deep'))!
    expect(depth).toMatchObject({ row: 2, field: 'metadata.分類', severity: 'error' })
    // The metadata object is level 1; the value of 分類 is the first of the 10,000 nested objects.
    expect(depth.message).toContain('nested 10,001 levels deep')
    expect(depth.message).toContain('more than the limit of 8')
    expect(depth.message).toContain('flatten it')
    expect(depth.message).toContain('at metadata.分類.下位.下位.下位.下位.下位.下位.下位)')
    expect(errors(r.issues).every((i) => i.row === 2)).toBe(true)
  })

  it('loadFaqEntries (kotae build) refuses it with FAQ_INVALID, and so does buildKnowledgeBase, not RangeError', async () => {
    const path = join(tmp, 'deep.json')
    writeFileSync(path, json)
    const load = await rejection(loadFaqEntries(path))
    expect(load.code).toBe('FAQ_INVALID')
    expect(load.message).toContain('row 2 (metadata.分類): metadata.分類 is nested 10,001 levels deep')

    const entries = JSON.parse(json) as unknown[]
    let thrown: unknown
    try {
      await buildKnowledgeBase(entries as never)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(KotaeError)
    expect((thrown as KotaeError).code).toBe('FAQ_INVALID')
    expect((thrown as KotaeError).message).toContain('row 2 (metadata.分類)')
  })

  it('a depth within the limit imports; the limit can be raised', async () => {
    const ok = await importFaq(deepMetadataJson(7), 'json')
    expect(errors(ok.issues)).toEqual([])
    expect(ok.entries).toHaveLength(2)
    const over = await importFaq(deepMetadataJson(8), 'json')
    expect(errors(over.issues)).toEqual([expect.objectContaining({ row: 2, field: 'metadata.分類', message: expect.stringContaining('nested 9 levels deep') })])
    const raised = await importFaq(deepMetadataJson(8), 'json', { limits: { maxMetadataDepth: 9 } })
    expect(errors(raised.issues)).toEqual([])
  })
})

describe('text cells over the limits', () => {
  // A support manual pasted into the question cell by mistake: natural text, about 3 MB.
  const manual = '商品がお手元に届いてから8日以内であれば、未使用・未開封の商品に限り返品を承ります。'.repeat(25_000)

  it('a 3 MB question cell in CSV is an error naming the row, the limit and the size; other rows import', async () => {
    const csv =
      'id,lang,question,answer\r\n' +
      'ja-shipping-fee,ja,送料はいくらですか？,全国一律550円（税込）です。\r\n' +
      `ja-return,ja,${manual},マイページの注文履歴から返品を申請してください。\r\n` +
      'ja-receipt,ja,領収書は発行できますか？,注文詳細から領収書をダウンロードできます。\r\n'
    expect(Buffer.byteLength(csv)).toBeGreaterThan(3_000_000)
    const path = join(tmp, 'long-question.csv')
    writeFileSync(path, csv)
    const r = await importFaqFile(path)
    expect(r.entries.map((e) => e.id)).toEqual(['ja-shipping-fee', 'ja-receipt'])
    expect(r.issues).toEqual([
      {
        row: 3,
        field: 'question',
        severity: 'error',
        message: `question is ${[...manual].length.toLocaleString('en-US')} characters long, more than the limit of 2,000: shorten it to what a customer would ask (details belong in the answer), or raise limits.maxQuestionChars`,
      },
    ])
    expect((await rejection(loadFaqEntries(path))).message).toContain(`row 3 (question): question is ${[...manual].length.toLocaleString('en-US')} characters long`)
  })

  it('answer, variant, tag, category and id each have their limit; characters are code points', () => {
    const { entries, issues } = validateEntries(
      [
        { id: 'ko-refund', lang: 'ko', question: '환불은 언제 되나요?', answer: '환불'.repeat(10_001) },
        { id: 'ko-exchange', lang: 'ko', question: '교환 가능한가요?', answer: '가능합니다.', variants: ['교환', '사이즈 교환'.repeat(400), '색상 교환'.repeat(500)] },
        { id: 'ko-tags', lang: 'ko', question: '포인트는 언제 적립되나요?', answer: '구매 확정 후 적립됩니다.', tags: ['포인트', '적'.repeat(1_001)], category: '혜택'.repeat(501) },
        { id: 'x'.repeat(1_001), lang: 'ko', question: '배송비는 얼마인가요?', answer: '3,000원입니다.' },
        // 2,000 emoji are 4,000 UTF-16 code units but 2,000 characters: within the limit.
        { id: 'ja-emoji', lang: 'ja', question: '🎁'.repeat(2_000), answer: 'ギフト包装は330円です。' },
      ],
      [2, 3, 4, 5, 6],
    )
    expect(entries.map((e) => e.id)).toEqual(['ja-emoji'])
    expect(issues.map((i) => [i.row, i.field, i.severity])).toEqual([
      [2, 'answer', 'error'],
      [3, 'variants #2', 'error'],
      [4, 'category', 'error'],
      [4, 'tags #2', 'error'],
      [5, 'id', 'error'],
    ])
    expect(issues[0]!.message).toContain('answer is 20,002 characters long, more than the limit of 20,000')
    expect(issues[1]!.message).toMatch(/^variants #2 is 2,400 characters long, more than the limit of 2,000 \(1 more of its variants is too long as well\): shorten it.*, or raise limits\.maxVariantChars$/)
    expect(issues[3]!.message).toContain('tags #2 is 1,001 characters long, more than the limit of 1,000')
  })

  it('more variants than the limit is one error for the entry', () => {
    const variants = Array.from({ length: 1_001 }, (_, i) => `送料はいくら？（${i + 1}）`)
    const { issues } = validateEntries([{ id: 'ja-shipping-fee', lang: 'ja', question: '送料はいくらですか？', answer: '550円です。', variants }])
    expect(issues).toEqual([{ row: 1, field: 'variants', severity: 'error', message: expect.stringContaining('1,001 variants, more than the limit of 1,000 per entry') }])
  })
})

describe('metadata size and values', () => {
  it('metadata over 10,000 characters as JSON is an error naming its largest part', async () => {
    const note = '返品理由の聞き取りは丁寧に行うこと。'.repeat(600)
    const csv = `id,lang,question,answer,担当者,社内メモ\nja-return,ja,返品はできますか？,8日以内なら返品できます。,佐藤,${note}\n`
    const r = await importFaq(csv, 'csv')
    expect(r.entries).toEqual([])
    expect(r.issues).toEqual([
      {
        row: 2,
        field: 'metadata',
        severity: 'error',
        message: expect.stringMatching(/^metadata is 10,8\d\d characters as JSON, more than the limit of 10,000; the largest part is metadata\.社内メモ \(10,8\d\d\): .*map that column to ignore/),
      },
    ])
    const ignored = await importFaq(csv, 'csv', { columns: { 社内メモ: 'ignore' } })
    expect(ignored.entries[0]!.metadata).toEqual({ 担当者: '佐藤' })
  })

  it('an unknown top-level key counts as metadata and is named by its key; cycles and bigints are errors', () => {
    const cyclic: Record<string, unknown> = { 部署: 'CS' }
    cyclic.self = cyclic
    const deep = JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20)) as unknown
    const { entries, issues } = validateEntries([
      { id: 'a', lang: 'ja', question: '送料は？', answer: '550円です。', cmsPayload: deep },
      { id: 'b', lang: 'ja', question: '返品は？', answer: 'できます。', metadata: cyclic },
      { id: 'c', lang: 'ja', question: '交換は？', answer: 'できます。', metadata: { revision: 10n } },
      { id: 'd', lang: 'ja', question: '支払い方法は？', answer: 'カードが使えます。', cmsId: 991, metadata: { 店舗: { 東京: { 営業: '10-18時' } } } },
    ])
    expect(entries.map((e) => [e.id, e.metadata])).toEqual([['d', { cmsId: 991, 店舗: { 東京: { 営業: '10-18時' } } }]])
    expect(issues).toEqual([
      { row: 1, field: 'cmsPayload.a', severity: 'error', message: expect.stringContaining('cmsPayload.a is nested 21 levels deep') },
      { row: 2, field: 'metadata.self', severity: 'error', message: expect.stringContaining('contains itself') },
      { row: 3, field: 'metadata.revision', severity: 'error', message: expect.stringContaining('is a bigint, which JSON cannot store') },
    ])
  })
})

describe('__proto__, constructor and prototype keys', () => {
  it('JSON: at the top level of an entry and at any depth of metadata, each an error naming row and field; nothing is polluted', async () => {
    const r = await importFaqFile(fx('proto-keys.json'))
    expect(r.entries.map((e) => e.id)).toEqual(['ja-shipping-fee'])
    expect(r.issues.map((i) => [i.row, i.field, i.severity])).toEqual([
      [2, '__proto__', 'error'],
      [3, 'metadata.채널.__proto__', 'error'],
      [4, 'metadata.constructor', 'error'],
      [4, 'metadata.prototype', 'error'],
    ])
    expect(r.issues[0]!.message).toContain('"__proto__" is not allowed as an entry key')
    expect(r.issues[0]!.message).toContain('rename it')
    expect(({} as Record<string, unknown>).polluted).toBe(undefined)
    expect(Object.prototype).not.toHaveProperty('polluted')
    expect(Object.getPrototypeOf(r.entries[0]!.metadata)).toBe(Object.prototype)
    // The same through the API (a CMS sending parsed JSON) and buildKnowledgeBase.
    const items = JSON.parse(readFileSync(fx('proto-keys.json'), 'utf8')) as unknown[]
    expect(errors(validateEntries(items).issues)).toHaveLength(4)
    await expect(buildKnowledgeBase(items as never)).rejects.toMatchObject({ code: 'FAQ_INVALID', message: expect.stringContaining('row 2 (__proto__)') })
    expect(({} as Record<string, unknown>).polluted).toBe(undefined)
  })

  it('JSONL: the same, by line', async () => {
    const lines = (JSON.parse(readFileSync(fx('proto-keys.json'), 'utf8')) as unknown[]).map((item) => JSON.stringify(item))
    // JSON.stringify of a parsed object keeps an own "__proto__" key, so the lines carry it.
    expect(lines[1]).toContain('"__proto__"')
    const r = await importFaq(lines.join('\n'), 'jsonl')
    expect(r.issues.map((i) => [i.row, i.field])).toEqual([
      [2, '__proto__'],
      [3, 'metadata.채널.__proto__'],
      [4, 'metadata.constructor'],
      [4, 'metadata.prototype'],
    ])
  })

  it('CSV header: an error on the header row naming the column, whose cells are not read; columns can ignore it', async () => {
    const r = await importFaqFile(fx('proto-header.csv'))
    expect(r.issues).toEqual([
      {
        row: 1,
        field: '__proto__',
        severity: 'error',
        message: expect.stringContaining('column 5: "__proto__" is not allowed as a column header'),
      },
    ])
    expect(r.issues[0]!.message).toContain('--column __proto__=ignore')
    expect(r.entries.map((e) => [e.id, e.metadata])).toEqual([
      ['ja-cancel', { 担当者: '佐藤' }],
      ['ja-receipt', { 担当者: '鈴木' }],
    ])
    expect((await rejection(loadFaqEntries(fx('proto-header.csv')))).code).toBe('FAQ_INVALID')
    const ignored = await importFaqFile(fx('proto-header.csv'), { columns: { ['__proto__']: 'ignore' } })
    expect(ignored.issues).toEqual([])
    expect(ignored.entries).toHaveLength(2)
    expect(({} as Record<string, unknown>).polluted).toBe(undefined)
  })

  it('XLSX header: the same', async () => {
    const workbook = new ExcelJS.Workbook()
    const sheet = workbook.addWorksheet('FAQ')
    sheet.addRow(['id', 'lang', 'question', 'answer', 'constructor'])
    sheet.addRow(['ko-refund', 'ko', '환불은 언제 되나요?', '반품 상품 도착 후 3영업일 이내에 환불됩니다.', '관리자'])
    const data = Buffer.from(await workbook.xlsx.writeBuffer())
    const r = await importFaq(data, 'xlsx', { source: 'faq.xlsx' })
    expect(r.issues).toEqual([{ row: 1, field: 'constructor', severity: 'error', message: expect.stringContaining('"constructor" is not allowed as a column header') }])
    expect(r.entries[0]!.metadata).toEqual({})
  })
})

describe('file size', () => {
  it('a file over maxFileBytes is refused before it is read, with both sizes', async () => {
    const err = await rejection(importFaqFile(fx('proto-header.csv'), { limits: { maxFileBytes: 100 } }))
    expect(err.code).toBe('FAQ_TOO_LARGE')
    expect(err.message).toMatch(/proto-header\.csv: the file size \(bytes\) is \d+, over the import limit of 100\. Split it into files of at most 100 bytes, or raise limits\.maxFileBytes/)
    expect(err.details).toMatchObject({ max: 100, value: readFileSync(fx('proto-header.csv')).length })
  })

  it('in-memory data over the limit too (a string counted as UTF-8)', async () => {
    const text = 'id,lang,question,answer\nja-a,ja,送料は？,550円です。\n'
    expect((await rejection(importFaq(text, 'csv', { limits: { maxFileBytes: 40 } }))).message).toContain(`the file size (bytes) is ${Buffer.byteLength(text)}, over the import limit of 40`)
    await expect(importFaq(text, 'csv', { limits: { maxFileBytes: 1024 } })).resolves.toMatchObject({ rowsRead: 1 })
  })
})

describe('files that mix text encodings', () => {
  it('the committed fixture is what make-fixtures.ts writes', () => {
    expect(readFileSync(fx('mixed-encoding.csv')).equals(mixedEncodingCsv())).toBe(true)
  })

  it('one Shift_JIS line and one EUC-KR line: a warning naming both lines and what they look like', async () => {
    const r = await importFaqFile(fx('mixed-encoding.csv'))
    const warnings = r.issues.filter((i) => i.severity === 'warning')
    expect(warnings).toEqual([{ row: 0, severity: 'warning', message: expect.stringContaining('the file mixes text encodings') }])
    expect(warnings[0]!.message).toContain('line 2 looks like Shift_JIS (ja-shipping-fee,ja,送料はいくらですか？')
    expect(warnings[0]!.message).toContain('line 3 looks like EUC-KR (ko-refund,ko,환불은 언제 되나요?')
    expect(warnings[0]!.message).toContain('save the whole file in one encoding (UTF-8 is safest)')
    // Warnings do not fail the import (the rules of `kotae check`): loadFaqEntries returns the entries.
    expect(errors(r.issues)).toEqual([])
    await expect(loadFaqEntries(fx('mixed-encoding.csv'))).resolves.toHaveLength(2)
  })

  it('mostly EUC-KR with one Shift_JIS row (read as EUC-KR without any warning before): the Shift_JIS line is named', async () => {
    const data = Buffer.concat([
      Buffer.from('id,lang,question,answer\n'),
      iconv.encode('ja-shipping-time,ja,注文した商品はいつ届きますか？,通常、ご注文から2〜4営業日でお届けします。\n', 'cp932'),
      iconv.encode('ko-shipping-fee,ko,배송비는 얼마인가요?,전국 동일 3000원이며 5만원 이상 구매 시 무료입니다.\n', 'cp949'),
      iconv.encode('ko-refund,ko,환불은 언제 되나요?,반품 상품이 도착한 후 3영업일 이내에 환불해 드립니다.\n', 'cp949'),
    ])
    const r = await importFaq(data, 'csv', { source: 'mixed.csv' })
    expect(r.encoding).toBe('EUC-KR')
    expect(r.issues).toEqual([{ row: 0, severity: 'warning', message: expect.stringContaining('read as EUC-KR (detected), 2 line(s) read as real text but line 2 looks like Shift_JIS') }])
  })

  it('an explicit --encoding: a warning when it decodes, else the error says the file mixes encodings', async () => {
    const r = await importFaqFile(fx('mixed-encoding.csv'), { encoding: 'gb18030' })
    expect(r.issues).toEqual([
      { row: 0, severity: 'warning', message: expect.stringMatching(/^the file mixes text encodings: read as gb18030 \(--encoding\), line 2 looks like Shift_JIS .*; line 3 looks like EUC-KR/) },
    ])
    // Shift_JIS cannot decode the EUC-KR line: no single encoding fits, and the error says why.
    const err = await rejection(importFaqFile(fx('mixed-encoding.csv'), { encoding: 'shift_jis' }))
    expect(err.code).toBe('FAQ_UNREADABLE')
    expect(err.message).toContain('decoding as shift_jis produced 1 invalid character(s), so the file is not shift_jis (line 3)')
    expect(err.message).toContain('The file seems to mix encodings (line 2: Shift_JIS; line 3: EUC-KR): save the whole file in one encoding')
  })

  it('a Shift_JIS file with a UTF-8 line no encoding reads cleanly: the error says the file mixes encodings', async () => {
    const data = Buffer.concat([
      Buffer.from('id,lang,question,answer\n'),
      iconv.encode('ja-cancel,ja,注文をキャンセルできますか？,発送準備中になる前であればキャンセルできます。\n', 'cp932'),
      Buffer.from('ja-receipt,ja,領収書は発行できますか？,注文詳細から領収書をダウンロードできます。\n'),
    ])
    const err = await rejection(importFaq(data, 'csv', { source: 'appended.csv' }))
    expect(err.code).toBe('FAQ_UNREADABLE')
    expect(err.message).toContain('The file seems to mix encodings (line 2: Shift_JIS; line 3: UTF-8)')
  })

  it('clean single-encoding files get no such warning (every import fixture, re-encoded line by line)', async () => {
    for (const [name, encoding] of [['faq-ja-sjis.csv', 'Shift_JIS'], ['faq-ko-euckr.csv', 'EUC-KR'], ['faq-zh-gb18030.tsv', 'GB18030']] as const) {
      const r = await importFaqFile(new URL(`../../fixtures/import/${name}`, import.meta.url).pathname)
      expect(r.encoding, name).toBe(encoding)
      expect(r.issues, name).toEqual([])
    }
  })
})
