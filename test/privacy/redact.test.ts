import { describe, expect, it } from 'vitest'
import { BUILT_IN_MASKS, containsMask, containsPii, createRedactor, generateSalt, redactQuery, RedactionOptionsSchema, redactionMasks, UnsaltedRedactionOptionsSchema } from '../../src/privacy/redact.js'
import { KotaeError } from '../../src/errors.js'

describe('redactQuery', () => {
  it.each([
    ['my email is foo.bar+x@example.co.jp, help', 'my email is [email], help'],
    ['call me on 090-1234-5678', 'call me on [phone]'],
    ['+1 (555) 123-4567 is my number', '[phone] is my number'],
    ['電話は０９０－１２３４－５６７８です', '電話は[phone]です'],
    ['010-1234-5678로 연락 주세요', '[phone]로 연락 주세요'],
    ['card 4111 1111 1111 1111 was declined', 'card [card] was declined'],
    ['カード4111111111111111が使えない', 'カード[card]が使えない'],
    ['注文番号123456789が届かない', '注文番号[order]が届かない'],
    ['order ORD-20240315 is late', 'order [order] is late'],
    ['where is order #4521', 'where is order [order]'],
    ['tracking 1Z999AA10123456784', 'tracking [order]'],
  ])('masks %s', (input, expected) => {
    const r = redactQuery(input)
    expect(r.text).toBe(expected)
    expect(r.hash).toBeNull()
    expect(r.masked.length).toBeGreaterThan(0)
  })

  it.each([
    // Japanese phone numbers with every separator people type
    ['注文の件で、090ー1234ー5678に電話ください', '注文の件で、[phone]に電話ください'],
    ['090　1234　5678です', '[phone]です'],
    ['03(1234)5678', '[phone]'],
    ['(03) 1234-5678 まで', '[phone] まで'],
    ['090〜1234〜5678', '[phone]'],
    ['090~1234~5678', '[phone]'],
    ['090‐1234‐5678', '[phone]'],
    ['090.1234.5678', '[phone]'],
    ['090/1234/5678', '[phone]'],
    ['0120-123-456', '[phone]'],
    ['+81 90-1234-5678', '[phone]'],
    ['＋８１（９０）１２３４－５６７８', '[phone]'],
    ['0081-90-1234-5678', '[phone]'],
    // Korean
    ['02-123-4567', '[phone]'],
    ['+82 10 1234 5678', '[phone]'],
    // Chinese
    ['138 0013 8000', '[phone]'],
    ['13800138000', '[phone]'],
    ['+86 138 0013 8000', '[phone]'],
    ['(021) 6123 4567', '[phone]'],
    // International
    ['+44 20 7946 0958', '[phone]'],
    ['1-800-555-0199', '[phone]'],
    ['+33 1 23 45 67 89', '[phone]'],
  ])('masks the phone number in %s', (input, expected) => {
    expect(redactQuery(input)).toMatchObject({ text: expected, masked: ['phone'] })
  })

  it.each([
    ['ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍに送って', '[email]に送って'],
    ['我的邮箱是用户@例子.中国的', '我的邮箱是[email]的'],
    ['이메일은 홍길동@예시.한국입니다', '이메일은 [email]입니다'],
    ['メールはtaro@example.comです', 'メールは[email]です'],
    ['почта иван@пример.рф', 'почта [email]'],
    ['mail j.smith@xn--bcher-kva.example', 'mail [email]'],
  ])('masks the e-mail address in %s', (input, expected) => {
    expect(redactQuery(input)).toMatchObject({ text: expected, masked: ['email'] })
  })

  it.each([
    ['4111  1111  1111  1111', '[card]'],
    ['４１１１ １１１１ １１１１ １１１１', '[card]'],
    ['4111/1111/1111/1111', '[card]'],
    ['4111ー1111ー1111ー1111', '[card]'],
    ['Amex 3782 822463 10005', 'Amex [card]'],
    ['6212 3456 7890 1234 569 (19 digits)', '[card] (19 digits)'],
  ])('masks the card number in %s', (input, expected) => {
    expect(redactQuery(input)).toMatchObject({ text: expected, masked: ['card'] })
  })

  it('Luhn-checks card numbers: a failing 16-digit number is not a card', () => {
    // One token: still an order-like number.
    expect(redactQuery('order 1234567890123456 late')).toMatchObject({ text: 'order [order] late', masked: ['order'] })
    expect(redactQuery('order 4111-1111-1111-1112 late').text).toBe('order [order] late')
    // Groups separated by spaces: left as typed (not a card, not a phone).
    expect(redactQuery('受注番号 1234 5678 9012 3456 が届かない').text).toBe('受注番号 1234 5678 9012 3456 が届かない')
  })

  it.each([
    ['CVV 123', 'CVV [cvv]'],
    ['cvc2: 4567', 'cvc2: [cvv]'],
    ['セキュリティコードは123です', 'セキュリティコードは[cvv]です'],
    ['セキュリティコード（裏面の3桁）は789', 'セキュリティコード（裏面の3桁）は[cvv]'],
    ['보안코드 123 입력', '보안코드 [cvv] 입력'],
    ['安全码：１２３', '安全码：[cvv]'],
    ['the security code is 1234', 'the security code is [cvv]'],
    ['123 is the CVV', '[cvv] is the CVV'],
  ])('masks the security code in %s', (input, expected) => {
    expect(redactQuery(input)).toMatchObject({ text: expected, masked: ['cvv'] })
  })

  it('masks a card and its security code together', () => {
    expect(redactQuery('card 4111 1111 1111 1111 cvv 123')).toMatchObject({ text: 'card [card] cvv [cvv]', masked: ['card', 'cvv'] })
  })

  it.each([
    'I ordered 3 items in 2024',
    'can I return within 30 days?',
    '送料は500円ですか',
    '배송비 3000원인가요',
    '2026-04-01に届きますか',
    '受付は2026/04/01〜2026/04/30です',
    '送料は¥4,000ですか',
    '営業時間は9:00–18:00です',
    '〒150-0001 に送れますか',
    '邮编 100080',
    'IP 192.168.100.200 につながらない',
    'decide by 123 tomorrow',
  ])('leaves ordinary text alone: %s', (q) => {
    expect(redactQuery(q)).toEqual({ text: q, hash: null, masked: [] })
  })

  it('keeps the rest of the text exactly as typed', () => {
    // Full-width letters and half-width katakana outside the masked span are not normalised.
    expect(redactQuery('ＦＡＱを見ました ｶｰﾄﾞは 4111 1111 1111 1111 です').text).toBe('ＦＡＱを見ました ｶｰﾄﾞは [card] です')
    // Astral characters keep their place.
    expect(redactQuery('😀 090-1234-5678 😀').text).toBe('😀 [phone] 😀')
  })

  it('takes extra patterns, or only custom patterns', () => {
    const extra = createRedactor({ patterns: [{ name: 'member', pattern: 'M-\\d{4}', mask: '[member]' }] })
    expect(extra('member M-1234 mail a@b.io').text).toBe('member [member] mail [email]')
    const only = createRedactor({ replaceDefaults: true, patterns: [{ name: 'member', pattern: /M-\d{4}/g, mask: '[member]' }] })
    expect(only('member M-1234 mail a@b.io').text).toBe('member [member] mail a@b.io')
  })

  it('matches custom patterns against the folded text and inserts masks literally', () => {
    const r = createRedactor({ replaceDefaults: true, patterns: [{ name: 'member', pattern: /M-\d{4}/, mask: '[$&]' }] })
    expect(r('会員 Ｍ－１２３４ です')).toEqual({ text: '会員 [$&] です', hash: null, masked: ['member'] })
  })

  it('stores only a salted hash in hash mode', () => {
    const a = redactQuery('Where is my parcel?', { mode: 'hash', salt: 's1' })
    expect(a.text).toBeNull()
    expect(a.hash).toMatch(/^[0-9a-f]{32}$/)
    expect(redactQuery('where is my parcel?', { mode: 'hash', salt: 's1' }).hash).toBe(a.hash)
    expect(redactQuery('Where is my parcel?', { mode: 'hash', salt: 's2' }).hash).not.toBe(a.hash)
  })

  it('hashes the masked query, so a phone number cannot be enumerated back from its hash', () => {
    const salt = generateSalt()
    const a = redactQuery('please call 090-1234-5678', { mode: 'hash', salt })
    const b = redactQuery('please call ０８０－９９９９－００００', { mode: 'hash', salt })
    expect(a.hash).toBe(b.hash)
    expect(a.masked).toEqual(['phone'])
  })

  it('refuses hash mode without a salt', () => {
    expect(() => createRedactor({ mode: 'hash' })).toThrow(/salt: mode "hash" needs a non-empty secret salt/)
    expect(() => createRedactor({ mode: 'hash', salt: '  ' })).toThrow(KotaeError)
    expect(() => createRedactor({ salt: '' })).toThrow(/salt must not be empty/)
    expect(RedactionOptionsSchema.safeParse({ mode: 'hash' }).success).toBe(false)
    // The hit log validates with the unsalted schema and supplies a stored salt itself.
    expect(UnsaltedRedactionOptionsSchema.safeParse({ mode: 'hash' }).success).toBe(true)
  })

  it('generates distinct, non-empty salts', () => {
    const a = generateSalt()
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(generateSalt()).not.toBe(a)
  })

  it('rejects invalid options with an actionable error', () => {
    expect(() => createRedactor({ patterns: [{ name: 'bad', pattern: '(', mask: 'x' }] })).toThrow(/redaction pattern "bad" is not a valid regular expression/)
    expect(() => createRedactor({ patterns: [{ name: 'bad', pattern: '(', mask: 'x' }] })).toThrow(expect.objectContaining({ code: 'INVALID_PATTERN', details: expect.objectContaining({ name: 'bad', pattern: '(' }) }))
    expect(() => createRedactor({ mode: 'scramble' as never })).toThrow(KotaeError)
    expect(() => createRedactor({ mode: 'scramble' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('stores verbatim in none mode', () => {
    expect(redactQuery('090-1234-5678', { mode: 'none' })).toEqual({ text: '090-1234-5678', hash: null, masked: [] })
  })

  it('recognises masks', () => {
    expect(containsMask('order [order] late')).toBe(true)
    expect(containsMask('code [cvv]')).toBe(true)
    expect(containsMask('order late')).toBe(false)
    expect(containsMask('member [member]')).toBe(false)
    expect(containsMask('member [member]', ['[member]'])).toBe(true)
    expect(BUILT_IN_MASKS).toEqual(['[email]', '[card]', '[phone]', '[cvv]', '[order]', '[address]'])
    expect(redactionMasks({ patterns: [{ name: 'm', pattern: 'x', mask: '[m]' }] })).toEqual([...BUILT_IN_MASKS, '[m]'])
    expect(redactionMasks({ replaceDefaults: true })).toEqual([])
    // Every mask redaction writes is recognised.
    for (const q of ['a@b.io', '090-1234-5678', '4111111111111111', 'cvv 123', 'ORD-123456', '東京都渋谷区神宮前1-2-3']) expect(containsMask(redactQuery(q).text!)).toBe(true)
  })

  it('recognises text that still holds something to mask (rows stored before a form was caught)', () => {
    expect(containsPii('電話は090ー1234ー5678です')).toBe(true)
    expect(containsPii('ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe(true)
    expect(containsPii('where is my parcel')).toBe(false)
    expect(containsPii('電話は[phone]です')).toBe(false)
    expect(containsPii('住所は東京都渋谷区神宮前1-2-3です')).toBe(true)
    expect(containsPii('住所は[address]です')).toBe(false)
  })

  it.each([
    // Japanese: prefecture, municipality, town, block; full-width digits and dashes; a building glued to the block
    ['住所を変更したい 東京都渋谷区神宮前1-2-3 ハイツ101', '住所を変更したい [address] ハイツ101'],
    ['届け先は東京都渋谷区神宮前１－２－３です', '届け先は[address]です'],
    ['大阪府大阪市北区梅田3丁目4番5号に届けて', '[address]に届けて'],
    ['神奈川県横浜市中区山下町12番地の3', '[address]'],
    ['愛知県名古屋市中村区名駅四丁目5-6にお願いします', '[address]にお願いします'],
    ['東京都 渋谷区 神宮前 1-2-3 です', '[address] です'],
    ['京都府京都市左京区一乗寺木ノ本町12-3の実家', '[address]の実家'],
    ['宮城県仙台市青葉区一番町4-5-6コーポ青葉202の者です', '[address]の者です'],
    // starting at the municipality when the block is unmistakable
    ['住所は札幌市中央区北一条西2丁目1番地です', '住所は[address]です'],
    ['世田谷区桜新町1-23-4 メゾン桜203号室', '[address] メゾン桜203号室'],
    // a postcode before the address is masked with it
    ['〒530-0001 大阪府大阪市北区梅田3丁目4番5号', '[address]'],
    // Korean road and lot addresses
    ['배송지를 서울특별시 강남구 테헤란로 123, 4층으로 바꿔주세요', '배송지를 [address]으로 바꿔주세요'],
    ['서울시 마포구 월드컵북로 396 (상암동) 으로', '[address] 으로'],
    ['인천광역시 연수구 센트럴로 123 101동 1202호', '[address]'],
    ['부산광역시 해운대구 해운대로570번길 12입니다', '[address]입니다'],
    ['회사는 강남대로94길 12로 와주세요', '회사는 [address]로 와주세요'],
    ['전라남도 순천시 조례동 123-45번지로 보내주세요', '[address]로 보내주세요'],
    ['우편번호 06236 서울특별시 강남구 테헤란로 152', '우편번호 [address]'],
    // Chinese
    ['地址改成 上海市浦东新区世纪大道100号', '地址改成 [address]'],
    ['请寄到北京市朝阳区建国路88号院3号楼2单元501室', '请寄到[address]'],
    ['我住在杭州市西湖区文三路478号，麻烦改一下', '我住在[address]，麻烦改一下'],
    ['請寄到台北市中正區重慶南路一段122號', '請寄到[address]'],
    ['公司地址是天津市和平区南京路189号A座1201', '公司地址是[address]'],
    // English
    ['ship to 1600 Amphitheatre Pkwy, Mountain View, CA 94043', 'ship to [address]'],
    ['change it to 55 W 42nd St Apt 12B, New York, NY 10036 please', 'change it to [address] please'],
    ['Deliver to 3500 N Lake Shore Dr #1204, Chicago, IL 60657', 'Deliver to [address]'],
    ['Please deliver to 221B Baker Street, London NW1 6ZZ', 'Please deliver to [address]'],
    ['i moved to 88 maple dr, austin tx 78701', 'i moved to [address]'],
    ['my place is 2500 Sunset Blvd in the city', 'my place is [address] in the city'],
  ])('masks the postal address in %s', (input, expected) => {
    expect(redactQuery(input)).toMatchObject({ text: expected, masked: ['address'] })
  })

  it.each([
    '2番目の商品',
    '1-2日で届きますか',
    '3号サイズ',
    '東京駅から何分',
    '大阪府内なら1-2日で届きますか',
    '東京都の店舗は2丁目にありますか',
    '서울에서 배송 며칠 걸려요?',
    '택배로 3개 보냈어요',
    '친구 선물로 2개 주문했어요',
    '제주도로 2박 3일 여행',
    '上海发货吗',
    '100号订单',
    '3号线地铁站附近有门店吗',
    '我知道100号是今天',
    'Main Street store hours?',
    'Is the 5th Avenue store open?',
    'I ordered 3 items from your Oak Street shop',
    'Can I get 2 day shipping to Elm St?',
    'I live 5 miles from Main St',
  ])('does not take a product question for an address: %s', (q) => {
    expect(redactQuery(q)).toEqual({ text: q, hash: null, masked: [] })
  })

  it('reports an address after the other kinds, and leaves a phone number next to it to the phone rule', () => {
    expect(redactQuery('東京都渋谷区神宮前1-2-3 090-1234-5678')).toMatchObject({ text: '[address] [phone]', masked: ['phone', 'address'] })
    expect(redactQuery('mail a@b.io, ship to 12 Oak St')).toMatchObject({ text: 'mail [email], ship to [address]', masked: ['email', 'address'] })
  })

  it('changes nothing when the redacted text is redacted again', () => {
    for (const q of ['〒530-0001 大阪府大阪市北区梅田3丁目4番5号', '서울특별시 강남구 테헤란로 123, 4층으로', '上海市浦东新区世纪大道100号', 'ship to 12 Oak St, Springfield, IL 62704']) {
      const once = redactQuery(q).text!
      expect(redactQuery(once).text).toBe(once)
    }
  })
})
