/**
 * Property tests for redaction: on any input (adversarial runs of digits and separators, many
 * '@', 'a@a@a@…', pieces of postal addresses, 1M characters of mixed text) nothing detectable is left after one pass, the
 * PII planted in a message never survives, and the work is linear in the input length. The work
 * is asserted as an operation count (redactionCost), never as a time: the 1M-character timings
 * are only printed.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { containsPii, redactionCost, redactQuery } from '../../src/privacy/redact.js'
import { mulberry32 } from '../../src/random.js'

/** Pieces that exercise every scanner: digits (ASCII and full-width), separators, '@', dots, letters of several scripts, keywords. */
const PIECES = [
  '0', '1', '4', '9', '０', '１', '８', '-', 'ー', '－', '‐', '〜', '~', ' ', '　', '(', ')', '.', '．', '/', '+', '＋', '#', '@', '＠',
  'a', 'Z', 'ｔ', 'é', '\u0301', '用', '户', 'は', 'テ', '한', '\n', '\t', ',', ':', '_', '[', ']', 'com', '中国', 'テスト', '例子', 'xn--', 'cvv ', 'CVC', 'セキュリティコード',
  '보안코드', '〒', 'zip ', 'TEL', '2026-04-01', '[card]', '[email]', '😀', '𠮷',
  // Pieces of postal addresses: place names, block words, road and street words.
  '東京都', '渋谷区', '神宮前', '市', '丁目', '番地', '番', '号', '一', 'の', 'ハイツ', '서울특별시 ', '강남구 ', '테헤란로 ', '길', '번지', '층', '동', '호',
  '上海市', '区', '路', '道', '栋', '单元', '室', ' St', ' Ave', 'Main', ' CA ', 'NW1 6ZZ', 'Apt ', ', ', '[address]',
]
const adversarial = fc.string({ unit: fc.constantFrom(...PIECES), maxLength: 300 })

/** Realistic PII values, drawn from the same forms as the fixture. */
const d = (n: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: n, maxLength: n })
const sep = fc.constantFrom('-', 'ー', '－', '‐', '〜', ' ', '　', '.', '/')
const fullWidth = (s: string): string => s.replace(/[0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))
const maybeFullWidth = (a: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(a, fc.boolean()).map(([s, w]) => (w ? fullWidth(s) : s))
const jpMobile = fc.tuple(fc.constantFrom('090', '080', '070'), d(4), d(4), sep).map(([a, b, c, s]) => `${a}${s}${b}${s}${c}`)
const jpLandline = fc.tuple(fc.constantFrom('03', '06'), d(4), d(4), sep).map(([a, b, c, s]) => `${a}${s}${b}${s}${c}`)
const krMobile = fc.tuple(d(4), d(4), sep).map(([b, c, s]) => `010${s}${b}${s}${c}`)
const cnMobile = fc.tuple(fc.constantFrom('138', '139', '186'), d(4), d(4), fc.constantFrom(' ', '-', '')).map(([a, b, c, s]) => `${a}${s}${b}${s}${c}`)
const intl = fc.tuple(fc.constantFrom('+81 90', '+82 10', '+86 138', '+44 20', '+1 202'), d(4), d(4)).map(([a, b, c]) => `${a} ${b} ${c}`)
const phone = maybeFullWidth(fc.oneof(jpMobile, jpLandline, krMobile, cnMobile, intl))

function luhnComplete(body: string): string {
  for (let c = 0; c < 10; c++) {
    const s = body + c
    let sum = 0
    for (let i = 0; i < s.length; i++) {
      let v = s.charCodeAt(s.length - 1 - i) - 48
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2
      sum += v
    }
    if (sum % 10 === 0) return s
  }
  throw new Error('unreachable')
}
const card = maybeFullWidth(
  fc.tuple(fc.constantFrom('4', '5', '35', '62'), d(15), fc.constantFrom(' ', '  ', '-', '/', 'ー', '')).map(([p, body, s]) => {
    const n = luhnComplete((p + body).slice(0, 15))
    return n.match(/.{1,4}/g)!.join(s)
  }),
)
const localPart = fc.string({ unit: fc.constantFrom('a', 'b', 'k', 'z', '1', '9', '.', '_'), minLength: 1, maxLength: 20 }).map((s) => `u${s.replace(/\.+$/, '')}`)
const email = fc.oneof(
  fc.tuple(localPart, fc.constantFrom('example.com', 'example.co.jp', 'example.kr', 'mail.example.cn')).map(([l, dom]) => `${l}@${dom}`),
  fc.tuple(localPart, fc.constantFrom('example.com', 'example.jp')).map(([l, dom]) => `${l}@${dom}`.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))),
  fc.constantFrom('用户@例子.中国', '홍길동@예시.한국', '山田@例え.テスト', 'wang.wei@例子.测试'),
)
const n = (max: number): fc.Arbitrary<number> => fc.integer({ min: 1, max })
const blockSep = fc.constantFrom('-', 'ー', '－', '−', '‐')
const jpAddress = maybeFullWidth(
  fc.tuple(
    fc.constantFrom('東京都渋谷区神宮前', '大阪府大阪市北区梅田', '世田谷区桜新町', '北海道札幌市中央区北一条西', '沖縄県那覇市おもろまち'),
    fc.oneof(
      fc.tuple(n(99), n(99), n(99), blockSep).map(([a, b, c, s]) => `${a}${s}${b}${s}${c}`),
      fc.tuple(n(9), n(99), n(99)).map(([a, b, c]) => `${a}丁目${b}番${c}号`),
      fc.tuple(n(9), n(99), n(99)).map(([a, b, c]) => `${a}丁目${b}-${c}`),
    ),
  ).map(([place, block]) => place + block),
)
const koAddress = fc
  .tuple(fc.constantFrom('서울특별시 강남구 테헤란로 ', '부산광역시 해운대구 해운대로570번길 ', '경기도 성남시 분당구 판교역로', '대구 중구 동덕로 '), n(999), fc.constantFrom('', ', 4층', ' 101동 1202호', ' (역삼동)'))
  .map(([road, no, rest]) => `${road}${no}${rest}`)
const zhAddress = fc
  .tuple(fc.constantFrom('上海市浦东新区世纪大道', '北京市朝阳区建国路', '广东省深圳市南山区科技园路', '杭州市西湖区文三路'), n(9999), fc.constantFrom('号', '号院3号楼2单元501室', '号2栋', '弄5号'))
  .map(([road, no, rest]) => `${road}${no}${rest}`)
const enAddress = fc
  .tuple(n(99999), fc.constantFrom('Elm Street', 'Evergreen Terrace', 'W 42nd St', 'Ocean Ave Suite 400', 'maple dr'), fc.constantFrom('', ', Springfield, IL 62704', ', New York, NY 10036', ', London NW1 6ZZ'))
  .map(([no, street, rest]) => `${no} ${street}${rest}`)
/** Addresses whose end is not glued to what follows: an English address runs into the letters or digits after it ("12 Oak StWhere"), so it is planted only with a context after it. */
const cjkAddress = fc.oneof(jpAddress, koAddress, zhAddress)
const pii = fc.oneof(phone, card, email, cjkAddress)
const piiInContext = fc.oneof(phone, card, email, cjkAddress, enAddress)
/** Context that does not glue onto a value: words and punctuation of four languages, no digits or ASCII letters next to it. */
const before = fc.constantFrom('注文の件で、', '電話は', '카드번호 ', '我的邮箱是', 'my email is ', '连络：', '「', '\n', '')
const after = fc.constantFrom('に電話ください', 'です。', '로 결제했는데요', '，谢谢', ' please', '」', '\n', '')

const nfkc = (s: string): string => s.normalize('NFKC')
const digitsOf = (s: string): string => nfkc(s).replace(/\D/g, '')

describe('redaction properties', () => {
  it('leaves nothing detectable after one pass, on adversarial strings', () => {
    fc.assert(
      fc.property(adversarial, (s) => {
        const out = redactQuery(s).text!
        expect(containsPii(out), JSON.stringify(out)).toBe(false)
      }),
      { numRuns: 3000 },
    )
  })

  it('never lets planted PII survive, verbatim, folded or as its digits', () => {
    fc.assert(
      fc.property(before, piiInContext, after, (b, v, a) => {
        const out = redactQuery(b + v + a).text!
        expect(out.includes(v) || nfkc(out).includes(nfkc(v)), out).toBe(false)
        const dv = digitsOf(v)
        if (dv.length >= 6) expect(digitsOf(out).includes(dv), out).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it('does work linear in the input length, whatever the input', () => {
    fc.assert(
      fc.property(adversarial, (s) => {
        expect(redactionCost(s)).toBeLessThanOrEqual(40 * (s.length + 1))
      }),
      { numRuns: 1000 },
    )
  })

  const N = 1_000_000
  const repeat = (unit: string): string => unit.repeat(Math.ceil(N / unit.length)).slice(0, N)
  const worst: [string, () => string][] = [
    ['digits', () => repeat('1')],
    ['digits and separators', () => repeat('0-1 2ー3　4(5)6.7/8〜9')],
    ['digit groups', () => repeat('090 1234 ')],
    ['a@a@a@…', () => repeat('a@')],
    ['@@@…', () => repeat('@')],
    ['long local parts', () => repeat('a'.repeat(100) + '@')],
    ['long domains', () => repeat('x@' + 'a.'.repeat(200))],
    ['letters and dashes', () => repeat('a-')],
    ['security words', () => repeat('cvv 1 ')],
    ['postcode words', () => repeat('〒1')],
    ['addresses', () => repeat('東京都渋谷区神宮前1-2-3 ')],
    ['block words', () => repeat('一丁目')],
    ['place names and numbers', () => repeat('渋谷区1-')],
    ['Korean roads', () => repeat('서울 가로 1 ')],
    ['numbered roads', () => repeat('로1')],
    ['Chinese house numbers', () => repeat('路1号1栋')],
    ['house numbers and words', () => repeat('1 a ')],
    ['streets', () => repeat('12 Oak St, ')],
  ]

  it.each(worst)('is linear on 1M characters of %s', (_, make) => {
    const s = make()
    const half = s.slice(0, N / 2)
    const cost = redactionCost(s)
    expect(cost).toBeLessThanOrEqual(40 * N)
    // Twice the input, about twice the work (never quadratic).
    expect(cost / redactionCost(half)).toBeLessThan(2.2)
    const t0 = performance.now()
    const r = redactQuery(s)
    console.log(`redact 1M chars of ${_}: ${(performance.now() - t0).toFixed(0)} ms, ${(cost / N).toFixed(1)} operations per character`)
    expect(typeof r.text).toBe('string')
  })

  it('redacts 1M characters of mixed text with planted PII and leaves none of it', () => {
    const rand = mulberry32(20260401)
    const samples = fc.sample(fc.tuple(before, pii, after), { numRuns: 4000, seed: 7 })
    const filler = ['注文した商品がまだ届きません。', '배송 조회가 안 돼요. ', '请问什么时候发货？', 'Where is my parcel? ', '送料は¥4,000ですか。', '営業時間は9:00–18:00です。', '2026-04-01に届く予定です。', 'a@a@a@', '1-2-3-4-5 ', '090-', '@', ' ']
    const parts: string[] = []
    const planted: string[] = []
    let length = 0
    while (length < N) {
      const piece = rand() < 0.3 ? samples[Math.floor(rand() * samples.length)] : null
      const s = piece ? piece.join('') : filler[Math.floor(rand() * filler.length)]
      if (piece) planted.push(piece[1])
      parts.push(s)
      length += s.length
    }
    const text = parts.join('')
    const t0 = performance.now()
    const out = redactQuery(text).text!
    const ms = performance.now() - t0
    console.log(`redact ${text.length} chars of mixed text (${planted.length} planted values): ${ms.toFixed(0)} ms, ${(redactionCost(text) / text.length).toFixed(1)} operations per character`)
    expect(redactionCost(text)).toBeLessThanOrEqual(40 * text.length)
    const folded = nfkc(out)
    for (const v of new Set(planted)) expect(out.includes(v) || folded.includes(nfkc(v)), v).toBe(false)
    expect(containsPii(out)).toBe(false)
  })
})
