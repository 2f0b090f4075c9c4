/** Text encodings of CSV/TSV (src/ingest/encoding.ts): every CJK encoding Excel writes is detected or read as told; a wrong one fails naming the one to pass. */
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { detectEncoding, formatImportReport, importFaq, importFaqFile } from '../../src/ingest/index.js'

const fx = (name: string) => new URL(`../../fixtures/import/${name}`, import.meta.url).pathname

describe('CSV / TSV in every supported encoding', () => {
  it('reads UTF-8 with BOM and Japanese headers; variants one per line; unknown column → metadata', async () => {
    const r = await importFaqFile(fx('faq-ja-utf8-bom.csv'))
    expect(r.format).toBe('csv')
    expect(r.encoding).toBe('UTF-8')
    expect(r.issues).toEqual([])
    expect(r.rowsRead).toBe(4)
    expect(r.entries.map((e) => e.id)).toEqual(['ja-shipping-time', 'ja-shipping-fee', 'ja-return', 'ja-payment-methods'])
    const first = r.entries[0]!
    expect(first).toEqual({
      id: 'ja-shipping-time',
      lang: 'ja',
      question: '注文した商品はいつ届きますか？',
      variants: ['いつ届く？', '配送にかかる日数を知りたい', '発送までどのくらいかかりますか'],
      answer: '通常、ご注文から2〜4営業日でお届けします。離島や一部の地域では、さらに数日かかる場合があります。',
      category: '配送',
      tags: ['配送', '納期'],
      updatedAt: '2026-03-15',
      metadata: { 担当者: '佐藤' },
    })
    // The BOM must not leak into the first header (ID would otherwise become metadata).
    expect(Object.keys(first.metadata)).not.toContain('\ufeffID')
    expect(r.entries[1]!.tags).toEqual(['送料', '料金'])
    // An empty unknown cell adds nothing to metadata.
    expect(r.entries[3]!.metadata).toEqual({})
  })

  it('detects Shift_JIS without a hint and reads numbered 類似質問 columns (CRLF file)', async () => {
    const r = await importFaqFile(fx('faq-ja-sjis.csv'))
    expect(r.encoding).toBe('Shift_JIS')
    expect(r.issues).toEqual([])
    expect(r.entries.map((e) => e.id)).toEqual(['ja-cancel', 'ja-exchange', 'ja-receipt'])
    expect(r.entries[0]!.question).toBe('注文をキャンセルできますか？')
    expect(r.entries[0]!.variants).toEqual(['注文を取り消したい', 'キャンセルの方法'])
    expect(r.entries[0]!.answer).toContain('「発送準備中」の表示に変わった後は')
    // 類似質問2 is empty on the last row: no empty variant is produced.
    expect(r.entries[2]!.variants).toEqual(['領収書がほしい'])
    expect(r.entries[2]!.category).toBe('お支払い')
  })

  it('detects EUC-KR without a hint and maps Korean headers', async () => {
    const r = await importFaqFile(fx('faq-ko-euckr.csv'))
    expect(r.encoding).toBe('EUC-KR')
    expect(r.issues).toEqual([])
    const refund = r.entries.find((e) => e.id === 'ko-refund')!
    expect(refund.lang).toBe('ko')
    expect(refund.question).toBe('환불은 언제 되나요?')
    expect(refund.variants).toEqual(['환불 처리 기간', '돈은 언제 돌려받나요'])
    expect(refund.category).toBe('반품/환불')
    expect(r.entries.find((e) => e.id === 'ko-bank-transfer')!.tags).toEqual(['결제', '입금'])
  })

  it('detects GB18030 in a TSV without a hint and maps Chinese headers', async () => {
    const r = await importFaqFile(fx('faq-zh-gb18030.tsv'))
    expect(r.format).toBe('tsv')
    expect(r.encoding).toBe('GB18030')
    expect(r.issues).toEqual([])
    const ret = r.entries.find((e) => e.id === 'zh-return')!
    expect(ret.lang).toBe('zh-CN')
    expect(ret.question).toBe('可以七天无理由退货吗？')
    expect(ret.variants).toEqual(['怎么退货', '不想要了能退吗'])
    expect(ret.answer).toContain('“我的订单”')
    expect(ret.category).toBe('退换货')
  })

  it.each([
    ['faq-ja-sjis.csv', 'shift_jis', 'ja-cancel', '注文をキャンセルできますか？'],
    ['faq-ja-sjis.csv', 'cp932', 'ja-cancel', '注文をキャンセルできますか？'],
    ['faq-ko-euckr.csv', 'euc-kr', 'ko-shipping-time', '주문한 상품은 언제 받을 수 있나요?'],
    ['faq-zh-gb18030.tsv', 'gb18030', 'zh-shipping-time', '下单后多久能收到货？'],
    ['faq-zh-gb18030.tsv', 'gbk', 'zh-shipping-time', '下单后多久能收到货？'],
    ['faq-ja-utf8-bom.csv', 'utf-8', 'ja-shipping-time', '注文した商品はいつ届きますか？'],
  ])('reads %s with explicit encoding %s', async (file, encoding, id, question) => {
    const r = await importFaqFile(fx(file), { encoding })
    expect(r.encoding).toBe(encoding)
    expect(r.issues).toEqual([])
    expect(r.entries.find((e) => e.id === id)?.question).toBe(question)
  })

  it('detects short CJK snippets correctly (language sanity check beats chardet ties)', () => {
    const cases: [string, string][] = [
      ['送料無料', 'Shift_JIS'],
      ['返品できますか', 'Shift_JIS'],
      ['환불', 'EUC-KR'],
      ['배송비', 'EUC-KR'],
      ['运费', 'GB18030'],
      ['怎么退货', 'GB18030'],
      ['運費多少', 'Big5'],
      ['配送について', 'EUC-JP'],
    ]
    for (const [text, enc] of cases) expect(detectEncoding(iconv.encode(text, enc))?.encoding, `${text} in ${enc}`).toBe(enc)
    expect(detectEncoding(Buffer.from('question,answer\n', 'utf8'))?.encoding).toBe('UTF-8')
    expect(detectEncoding(Buffer.from('質問', 'utf8'))?.encoding).toBe('UTF-8')
  })

  it('reads UTF-16LE with BOM (Excel "Unicode Text" export)', async () => {
    const buf = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('id\tlang\t質問\t回答\nq1\tja\t送料は？\t550円です。\n', 'utf16le')])
    const r = await importFaq(buf, 'tsv')
    expect(r.encoding).toBe('UTF-16LE')
    expect(r.issues).toEqual([])
    expect(r.entries.map((e) => [e.id, e.question, e.answer])).toEqual([['q1', '送料は？', '550円です。']])
  })

  it('uses the tab delimiter for a .csv whose header has tabs and no commas', async () => {
    const r = await importFaq('id\tlang\tquestion\tanswer\nq1\ten\tHow much is shipping?\tFree over $50, otherwise $5.\n', 'csv')
    expect(r.issues).toEqual([])
    expect(r.entries[0]!.answer).toBe('Free over $50, otherwise $5.')
  })
})

describe('wrong or undetectable encodings', () => {
  it('warns when an explicit encoding decodes without errors but gives garbled text', async () => {
    // EUC-KR bytes read as GB18030: every byte pair is valid GB18030, but the Hanzi are nonsense.
    const r = await importFaqFile(fx('faq-ko-euckr.csv'), { encoding: 'gb18030' })
    expect(r.issues[0]).toEqual({ row: 0, severity: 'warning', message: expect.stringContaining('looks garbled') })
    expect(r.issues[0]!.message).toContain('--encoding euc-kr')
    expect(formatImportReport(r)).toContain('  file: warning: the text decoded as gb18030 looks garbled')
  })

  it('fails with the suggested encoding when an explicit one produces invalid characters', async () => {
    await expect(importFaqFile(fx('faq-zh-gb18030.tsv'), { encoding: 'euc-kr' })).rejects.toMatchObject({
      code: 'FAQ_UNREADABLE',
      message: expect.stringMatching(/decoding as euc-kr .*\(line 5\).*--encoding gb18030/),
    })
  })

  it('fails clearly when no supported encoding fits (e.g. a Latin-1 file)', async () => {
    const latin1 = iconv.encode('id,lang,question,answer\nq1,en,Café opening hours?,From nine.\n', 'latin1')
    await expect(importFaq(latin1, 'csv', { source: 'cafe.csv' })).rejects.toMatchObject({
      code: 'FAQ_UNREADABLE',
      message: expect.stringContaining('cafe.csv: cannot detect the text encoding'),
    })
  })
})
