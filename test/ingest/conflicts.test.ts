/**
 * Conflicting entries: identical or near-identical questions (or variants) of one base language
 * with different answers are warnings that name both rows; the import and the build go on.
 * Through the public API (validateEntries, importFaq/importFaqFile) and the `kotae` command.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { importFaq, importFaqFile, validateEntries, type ImportIssue } from '../../src/ingest/index.js'
import { kotae } from '../helpers/cli.js'

/** Two entries of `lang` with different answers; the warnings validateEntries gives for them (rows 2 and 3). */
function pair(lang: string, first: string, second: string, answers: [string, string] = ['回答A', '回答B']): ImportIssue[] {
  const { entries, issues } = validateEntries(
    [
      { id: 'first', lang, question: first, answer: answers[0] },
      { id: 'second', lang, question: second, answer: answers[1] },
    ],
    [2, 3],
  )
  expect(entries).toHaveLength(2) // a warning never drops an entry
  return issues
}

const conflictOf = (issues: ImportIssue[]) => issues.filter((i) => i.message.includes('answers differ'))

describe('identical and near-identical questions with different answers', () => {
  it('identical Japanese questions: one warning on the later row naming both rows and both texts', () => {
    const issues = pair('ja', '送料はいくらですか？', '送料はいくらですか？', ['全国一律550円（税込）です。', '5,000円以上のご注文で送料無料です。'])
    expect(issues).toEqual([
      {
        row: 3,
        field: 'question',
        severity: 'warning',
        message:
          'identical to the question of row 2 ("送料はいくらですか？" / "送料はいくらですか？") but the answers differ: ' +
          'customers asking it get one of two answers; merge the entries or make the questions distinct',
      },
    ])
  })

  it.each([
    ['trailing punctuation', '送料はいくらですか？', '送料はいくらですか'],
    ['full-width letters and case', 'ＰａｙＰａｙは使えますか？', 'paypayは使えますか'],
    ['no polite ending', '送料はいくらですか？', '送料はいくら?'],
    ['でしょうか for ですか', '領収書は発行できますか', '領収書は発行できますでしょうか'],
    ['ください for 教えて, and ご', 'ご注文のキャンセル方法を教えてください', '注文のキャンセル方法を教えて'],
    ['a trailing のですが', '注文をキャンセルしたい', '注文をキャンセルしたいのですが'],
    ['5,000円 for 5000円', '5,000円以上で送料無料になりますか', '5000円以上で送料無料になりますか？'],
  ])('Japanese, %s: near-identical', (_, a, b) => {
    const [issue, ...rest] = pair('ja', a, b)
    expect(rest).toEqual([])
    expect(issue).toMatchObject({ row: 3, field: 'question', severity: 'warning' })
    expect(issue!.message).toBe(
      `near-identical to the question of row 2 ("${a}" / "${b}") but the answers differ: customers asking it get one of two answers; merge the entries or make the questions distinct`,
    )
  })

  it.each([
    ['인가요 / 예요', '배송비는 얼마인가요?', '배송비는 얼마예요'],
    ['a dropped particle', '주문을 취소하고 싶어요', '주문 취소하고 싶어요'],
    ['spacing', '해외 배송이 가능합니까?', '해외배송이 가능합니까'],
  ])('Korean, %s: near-identical', (_, a, b) => {
    expect(pair('ko', a, b, ['기본 배송비는 3,000원입니다.', '5만 원 이상 주문 시 무료입니다.'])).toEqual([
      expect.objectContaining({ row: 3, field: 'question', severity: 'warning', message: expect.stringContaining(`of row 2 ("${a}" / "${b}") but the answers differ`) }),
    ])
  })

  it('English differing in case and punctuation: near-identical ("identical" when only case, width or spacing differ)', () => {
    const issues = pair('en', 'How do I reset my password?', 'how do I reset my password', ['Use "Forgot password" on the sign-in page.', 'Contact support.'])
    expect(conflictOf(issues)).toEqual([expect.objectContaining({ row: 3, field: 'question', severity: 'warning' })])
    expect(issues[0]!.message).toMatch(/^near-identical to the question of row 2 \("How do I reset my password\?" \/ "how do I reset my password"\)/)
    const caseOnly = pair('en', 'Where is my order?', 'WHERE IS MY ORDER?', ['Track it from My Orders.', 'Ask support.'])
    expect(caseOnly[0]!.message).toMatch(/^identical to the question of row 2/)
  })

  it.each([
    ['en', 'an added article', 'How do I reset password?', 'How do I reset the password?'],
    ['en', 'a plural', 'How do I track my orders?', 'How do I track my order'],
    ['en', 'please', 'set a reminder for me', 'Please set a reminder for me.'],
    ['zh', '请问 and 呢', '运费是多少？', '请问运费是多少呢'],
  ])('%s, %s: near-identical', (lang, _, a, b) => {
    expect(conflictOf(pair(lang, a, b))).toHaveLength(1)
  })

  it.each([
    ['ja', 'a different content word in the same template', '送料はいくらですか？', '手数料はいくらですか？'],
    ['ja', 'short questions one character apart', '送料は？', '送金は？'],
    ['ja', 'a negation prefix', '未開封の商品は返品できますか？', '開封済みの商品は返品できますか？'],
    ['ja', 'せずに / して in a long question', '会員登録をせずに注文した場合、注文履歴はどこで確認できますか？', '会員登録をして注文した場合、注文履歴はどこで確認できますか？'],
    ['ja', 'a different number', '商品到着後30日以内なら返品できますか？', '商品到着後3日以内なら返品できますか？'],
    ['ja', 'a range against a number', '1〜3日で届きますか？', '13日で届きますか？'],
    ['ko', 'a different content word', '배송비는 얼마인가요?', '반품비는 얼마인가요?'],
    ['ko', 'a negation', '주문을 취소할 수 있나요?', '주문을 취소할 수 없나요?'],
    ['en', 'PIN for password', 'How do I reset my password?', 'How do I reset my PIN?'],
    ['en', 'one word swapped in a long question', 'Can I pay by card at the store when I pick up my order?', 'Can I pay by cash at the store when I pick up my order?'],
    ['en', 'one filler word for another', 'Can you tell me my name?', 'Can you tell me your name?'],
    ['en', 'un- added', 'Can I return opened items bought in the online store?', 'Can I return unopened items bought in the online store?'],
    ['zh', 'a negation', '可以退货吗？', '不可以退货吗？'],
  ])('%s, %s: not flagged', (lang, _, a, b) => {
    expect(pair(lang, a, b)).toEqual([])
  })

  it('compares within a base language only: zh-TW with zh (said in the warning), never ja with en', () => {
    const { issues } = validateEntries([
      { id: 'tw', lang: 'zh-TW', question: '可以用信用卡付款嗎？', answer: '可以，我們接受 VISA 與 JCB。' },
      { id: 'hk', lang: 'zh-HK', question: '可以用信用卡付款嗎', answer: '可以，我們接受 VISA、Mastercard 與 AMEX。' },
      { id: 'ja', lang: 'ja', question: 'Apple Pay', answer: 'Apple Payでお支払いいただけます。' },
      { id: 'en', lang: 'en', question: 'Apple Pay', answer: 'Apple Pay is not accepted yet.' },
    ])
    expect(issues).toEqual([expect.objectContaining({ row: 2, field: 'question', severity: 'warning', message: expect.stringContaining('(zh-TW and zh-HK are compared as one language, zh)') })])
  })

  it('a variant equal to a question or a variant of another entry: field variants', () => {
    const { issues } = validateEntries(
      [
        { id: 'return', lang: 'ja', question: '返品はできますか？', variants: ['返品したい', '返品の送料は？'], answer: '商品到着後8日以内なら返品できます。' },
        { id: 'exchange', lang: 'ja', question: '交換はできますか？', variants: ['返品はできますか', 'サイズ交換したい'], answer: 'サイズ交換は1回まで無料です。' },
        { id: 'return-fee', lang: 'ja', question: '返品の送料は誰が負担しますか？', variants: ['返品の送料は?'], answer: 'お客様のご都合による返品の送料はお客様負担です。' },
      ],
      [2, 3, 4],
    )
    expect(issues).toEqual([
      { row: 3, field: 'variants', severity: 'warning', message: expect.stringMatching(/^variant #1 is near-identical to the question of row 2 \("返品はできますか？" \/ "返品はできますか"\) but the answers differ: .*remove or reword the variant/) },
      { row: 4, field: 'variants', severity: 'warning', message: expect.stringMatching(/^variant #1 is identical to variant #2 of row 2 \("返品の送料は？" \/ "返品の送料は\?"\)/) },
    ])
  })

  it('the same answer is not a conflict: a separate "duplicate entry" warning (questions only)', () => {
    const { issues } = validateEntries([
      { id: 'a', lang: 'ja', question: 'ポイントの有効期限は？', answer: '最終ご利用日から1年間有効です。' },
      { id: 'b', lang: 'ja', question: 'ポイントの有効期限はいつですか', answer: '最終ご利用日から１年間有効です' },
      { id: 'c', lang: 'ja', question: 'ポイントの使い方', variants: ['ポイントの有効期限は?'], answer: '最終ご利用日から1年間有効です。' },
    ])
    expect(issues).toEqual([
      {
        row: 2,
        field: 'question',
        severity: 'warning',
        message: expect.stringMatching(/^duplicate entry: near-identical to the question of row 1 \("ポイントの有効期限は？" \/ "ポイントの有効期限はいつですか"\) with the same answer; .*delete one or merge/),
      },
    ])
    expect(issues[0]!.message).not.toContain('answers differ')
  })

  it('several earlier rows with other answers: one warning naming the earliest, with a count', () => {
    const { issues } = validateEntries([
      { id: 'a', lang: 'en', question: 'How much is shipping?', answer: '$5 flat.' },
      { id: 'b', lang: 'en', question: 'How much is shipping', answer: 'Free over $50.' },
      { id: 'c', lang: 'en', question: 'how much is shipping?', answer: '$8 to Hawaii and Alaska.' },
    ])
    expect(issues.map((i) => [i.row, i.message.match(/of row (\d+)/)![1]])).toEqual([
      [2, '1'],
      [3, '1'],
    ])
    expect(issues[1]!.message).toContain('(1 more earlier row(s) have it too, with other answers)')
  })
})

describe('row numbers in imported files', () => {
  const csv = [
    'id,lang,question,answer,variants',
    'shipping-fee,ja,送料はいくらですか？,全国一律550円（税込）です。,',
    'return-period,ja,返品はいつまでできますか？,商品到着後8日以内でしたら返品を承ります。,',
    'shipping-fee,ja,送料無料の条件は？,5000円以上で送料無料です。,',
    'handling-fee,ja,手数料はいくらですか？,代金引換の手数料は330円です。,',
    'bad-row,ja,領収書はもらえますか？,,',
    'shipping-fee-campaign,ja,送料はいくらですか,"5,000円（税込）以上のご注文で送料無料です。",',
    'paypay,ja,PayPayは使えますか？,はい、PayPayでお支払いいただけます。,',
    'paypay-old,ja,ＰａｙＰａｙは使えますか,現在PayPayはご利用いただけません。,PayPay払いはできますか',
  ].join('\n')

  it('CSV: the rows a person sees (header = row 1), after rejected rows, errors kept as they were', async () => {
    const r = await importFaq(csv, 'csv', { source: 'faq.csv' })
    expect(r.entries.map((e) => e.id)).toEqual(['shipping-fee', 'return-period', 'handling-fee', 'shipping-fee-campaign', 'paypay', 'paypay-old'])
    expect(r.issues.map((i) => [i.row, i.field, i.severity])).toEqual([
      [4, 'id', 'error'],
      [6, 'answer', 'error'],
      [7, 'question', 'warning'],
      [9, 'question', 'warning'],
    ])
    expect(r.issues[2]!.message).toMatch(/^near-identical to the question of row 2 \("送料はいくらですか？" \/ "送料はいくらですか"\)/)
    expect(r.issues[3]!.message).toMatch(/^near-identical to the question of row 8 /)
  })

  it('JSONL: line numbers', async () => {
    const lines = [
      { id: 'k1', lang: 'ko', question: '배송비는 얼마인가요?', answer: '기본 배송비는 3,000원입니다.' },
      { id: 'k2', lang: 'ko', question: '환불은 언제 되나요?', answer: '반품 확인 후 3영업일 이내에 환불됩니다.' },
      { id: 'k3', lang: 'ko', question: '배송비는 얼마예요?', answer: '5만 원 이상 주문하시면 무료 배송입니다.' },
    ]
    const r = await importFaq(lines.map((l) => JSON.stringify(l)).join('\n') + '\n', 'jsonl')
    expect(r.issues).toEqual([expect.objectContaining({ row: 3, field: 'question', severity: 'warning', message: expect.stringContaining('of row 1 ("배송비는 얼마인가요?" / "배송비는 얼마예요?")') })])
  })
})

describe('scale', () => {
  it('20k templated entries: only the planted conflicts, no false positives', () => {
    const topicsJa = ['の在庫はありますか？', 'の送料はいくらですか？', 'はいつ届きますか？', 'を返品したいのですが', 'の色違いはありますか']
    const topicsEn = ['Is item #{n} in stock?', 'How much is shipping for item #{n}?', 'When will order {n} arrive?', 'Can I return item #{n}?']
    const inputs: Array<Record<string, unknown>> = []
    for (let i = 0; i < 20_000; i++) {
      const ja = i % 2 === 0
      const question = ja ? `商品番号${i}${topicsJa[(i >> 1) % topicsJa.length]}` : topicsEn[(i >> 1) % topicsEn.length]!.replace('{n}', String(i))
      inputs.push({ id: `e${i}`, lang: ja ? 'ja' : 'en', question, variants: ja ? [`${i}番の商品について`] : [`item ${i}`], answer: `answer ${i}` })
    }
    inputs.push({ id: 'planted-ja', lang: 'ja', question: '商品番号10の在庫はありますか', answer: '在庫切れです。' })
    inputs.push({ id: 'planted-en', lang: 'en', question: 'is ITEM #1 in stock', answer: 'Sold out.' })
    const started = performance.now()
    const { issues } = validateEntries(inputs)
    const seconds = (performance.now() - started) / 1000
    expect(issues.map((i) => [i.row, i.message.match(/of row (\d+)/)![1]])).toEqual([
      [20_001, '11'],
      [20_002, '2'],
    ])
    console.log(`validateEntries on ${inputs.length} entries: ${seconds.toFixed(2)} s`)
  })
})

describe('kotae check / kotae build', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kotae-conflicts-'))
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))
  const faq = join(tmp, 'faq.csv')
  writeFileSync(
    faq,
    [
      'id,lang,question,answer',
      'shipping-fee,ja,送料はいくらですか？,全国一律550円（税込）です。',
      'return-period,ja,返品はいつまでできますか？,商品到着後8日以内でしたら返品を承ります。',
      'handling-fee,ja,手数料はいくらですか？,代金引換の手数料は330円です。',
      'shipping-fee-campaign,ja,送料はいくらですか,"5,000円（税込）以上のご注文で送料無料です。"',
      'ko-shipping,ko,배송비는 얼마인가요?,기본 배송비는 3000원입니다.',
      'ko-refund,ko,환불은 언제 되나요?,반품 확인 후 3영업일 이내에 환불됩니다.',
    ].join('\n') + '\n',
  )

  const line =
    'row 5, field question: warning: near-identical to the question of row 2 ("送料はいくらですか？" / "送料はいくらですか") but the answers differ: ' +
    'customers asking it get one of two answers; merge the entries or make the questions distinct'

  it('check prints the warning and exits 0 when there are only warnings', async () => {
    const [text, json] = await Promise.all([kotae('check', faq), kotae('check', faq, '--json')])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('6 row(s) read, 6 entries imported, 0 row(s) not imported, 0 error(s), 1 warning(s)')
    expect(text.stdout).toContain(`  ${line}\n`)
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout).issues).toEqual([expect.objectContaining({ row: 5, field: 'question', severity: 'warning' })])
  }, 30_000)

  it('build prints it too and still builds', async () => {
    const run = await kotae('build', faq, '-o', join(tmp, 'kb'))
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(`${faq}: 1 warning(s):\n  ${line}`)
    expect(run.stdout).toContain(`built ${join(tmp, 'kb')}: 6 entries`)
  }, 60_000)
})

describe('importFaqFile', () => {
  it('reports conflicts in a file on disk like importFaq', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kotae-conflicts-read-'))
    try {
      const path = join(tmp, 'faq.jsonl')
      writeFileSync(
        path,
        [
          { id: 'en-reset', lang: 'en', question: 'How do I reset my password?', answer: 'Use "Forgot password?" on the sign-in page.' },
          { id: 'en-pin', lang: 'en', question: 'How do I reset my PIN?', answer: 'Reset your PIN in the app under Settings > Security.' },
          { id: 'en-reset-old', lang: 'en-GB', question: 'how do I reset my password', answer: 'Call our support line.' },
        ]
          .map((l) => JSON.stringify(l))
          .join('\n'),
      )
      const r = await importFaqFile(path)
      expect(r.entries).toHaveLength(3)
      expect(r.issues).toEqual([
        expect.objectContaining({ row: 3, field: 'question', severity: 'warning', message: expect.stringContaining('of row 1 ("How do I reset my password?" / "how do I reset my password")') }),
      ])
      expect(r.issues[0]!.message).toContain('(en and en-GB are compared as one language, en)')
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})
