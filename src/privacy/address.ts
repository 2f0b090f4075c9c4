/**
 * Postal addresses, the built-in `address` detector: customers paste where they live into support
 * chats (住所を変更したい 東京都渋谷区神宮前1-2-3, 배송지를 서울특별시 강남구 테헤란로 123으로, 地址改成
 * 上海市浦东新区世纪大道100号, ship to 1600 Amphitheatre Pkwy, Mountain View, CA 94043).
 *
 * Every form is found from its number: the scan visits each start of a digit run (and, for
 * Japanese, a kanji numeral before 丁目) and asks, in turn, whether a Japanese block, a Chinese
 * house number, a Korean building or lot number or an English house number starts there. Each
 * check reads a bounded window around the number: the place names just before it (at most
 * {@link MAX_BACK} code units, stopping at the first character that cannot be part of one) and
 * the rest of the address just after it (a room, a floor, a city, a state and a ZIP code). So the
 * work stays linear in the length of the query, and no regular expression is involved.
 *
 * Precision matters as much as recall, so a number alone is never an address: it must follow a
 * place name of the right shape (a prefecture or a 市区町村 name; a road ending in 路/街/道/巷/弄 in
 * a city; a road ending in 로/길 in a 시/도/군/구; a street with a suffix such as St or Ave), and
 * it must not be a count (1-2日, 3号サイズ, 2번째, 3개). A postcode alone stays as typed (see
 * `postcodeAfter`); one written just before an address, or a ZIP after its state, is masked with
 * it. A building and room glued to a Japanese block (1-2-3ハイツ101) are masked with it; written
 * after a space (1-2-3 ハイツ101号室) they are left, as a building name alone names no one.
 */
import * as shared from './scan.js'

// Local copies of the shared helpers: an imported binding read in a hot loop is a getter call
// once the module is transpiled (vitest, tsx), several times slower on long queries.
const { isAsciiLetter, isDashLike, isDigit, MASKED, NONE } = shared
type Scan = shared.Scan

/** Code units read back from a number for the place names before it (東京都渋谷区神宮前 is 9). */
const MAX_BACK = 48

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09
const isHan = (c: number): boolean => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff) || c === 0x3005 || c === 0x3006
const isKatakana = (c: number): boolean => (c >= 0x30a1 && c <= 0x30fa) || c === 0x30fc || c === 0x30fd || c === 0x30fe
const isHiragana = (c: number): boolean => c >= 0x3041 && c <= 0x3096
const isHangul = (c: number): boolean => c >= 0xac00 && c <= 0xd7a3
/** A character of a Japanese place or building name: kanji (々 too) and katakana (ヶ, ー too). */
const isJpName = (c: number): boolean => isHan(c) || isKatakana(c)

const codes = (s: string): Set<number> => new Set([...s].map((ch) => ch.codePointAt(0)!))
const KANJI_NUMERALS = codes('一二三四五六七八九十〇')
const isKanjiNumeral = (c: number): boolean => KANJI_NUMERALS.has(c)

/** A digit no earlier pass masked (a digit inside an e-mail address is no house number). */
const liveDigit = (sc: Scan, i: number): boolean => isDigit(sc.code(i)) && sc.cover[i] !== MASKED
/** A character no earlier pass masked. */
const live = (sc: Scan, i: number): boolean => i >= 0 && i < sc.n && sc.cover[i] !== MASKED

/** End of the digits starting at i, when there are `min`..`max` of them and the first is not 0; -1 otherwise. */
function number(sc: Scan, i: number, min: number, max: number): number {
  if (!liveDigit(sc, i) || sc.code(i) === 0x30) return -1
  let k = i
  while (liveDigit(sc, k)) k++
  sc.meter.units += k - i
  return k - i >= min && k - i <= max ? k : -1
}

/** Whether `word` is written at i (and nothing there was masked). */
function at(sc: Scan, i: number, word: string): boolean {
  if (!sc.f.startsWith(word, i)) return false
  for (let k = i; k < i + word.length; k++) if (sc.cover[k] === MASKED) return false
  return true
}

/** A word list looked up by its first code unit, each bucket longest first (see {@link oneOf}). */
type WordList = ReadonlyMap<number, readonly string[]>

function wordList(words: string[]): WordList {
  const byFirst = new Map<number, string[]>()
  for (const w of [...words].sort((a, b) => b.length - a.length)) {
    const first = w.charCodeAt(0)
    const bucket = byFirst.get(first)
    if (bucket) bucket.push(w)
    else byFirst.set(first, [w])
  }
  return byFirst
}

/** The longest of `words` written at i: its length, or 0. */
function oneOf(sc: Scan, i: number, words: WordList): number {
  const bucket = words.get(sc.code(i))
  if (bucket === undefined) return 0
  sc.meter.units++
  for (const w of bucket) if (at(sc, i, w)) return w.length
  return 0
}

/** Start of a postcode written just before an address at s (〒150-0001 東京都…, (06236) 서울…), or s. */
function postcodeBefore(sc: Scan, s: number): number {
  let k = s
  let spaces = 0
  while (spaces < 2 && isSpace(sc.code(k - 1))) {
    k--
    spaces++
  }
  const paren = sc.code(k - 1) === 0x29
  if (paren) k--
  const end = k
  let digits = 0
  let dash = -1
  while (end - k < 9 && live(sc, k - 1)) {
    const c = sc.code(k - 1)
    if (isDigit(c)) digits++
    else if (isDashLike(c) && dash < 0 && isDigit(sc.code(k - 2))) dash = digits
    else break
    k--
  }
  sc.meter.units += s - k
  if (digits === 0 || !isDigit(sc.code(k)) || isDigit(sc.code(k - 1))) return s
  if (paren) {
    if (sc.code(k - 1) !== 0x28) return s
    k--
  }
  let mark = k
  while (mark > k - 3 && isSpace(sc.code(mark - 1))) mark--
  const hasMark = sc.code(mark - 1) === 0x3012 // 〒
  // JP 150-0001 (dash after 4 digits counted from the end), or 1500001 after 〒; KR 06236; CN 200120 after 〒 or in parentheses.
  const ok = (digits === 7 && (dash === 4 || (dash < 0 && (hasMark || paren)))) || (digits === 5 && dash < 0) || (digits === 6 && dash < 0 && (hasMark || paren)) ||
    (digits >= 5 && digits <= 7 && sc.cover[k] !== NONE) // kept after a postcode word (邮编200120 上海市…)
  if (!ok) return s
  return hasMark ? mark - 1 : k
}

// ---------------------------------------------------------------------------------------------
// Japanese: [〒postcode] [prefecture] 市区町村郡 town block [building room].

const PREFECTURES = wordList([
  '北海道', '青森県', '岩手県', '宮城県', '秋田県', '山形県', '福島県', '茨城県', '栃木県', '群馬県', '埼玉県', '千葉県', '東京都', '神奈川県',
  '新潟県', '富山県', '石川県', '福井県', '山梨県', '長野県', '岐阜県', '静岡県', '愛知県', '三重県', '滋賀県', '京都府', '大阪府', '兵庫県',
  '奈良県', '和歌山県', '鳥取県', '島根県', '岡山県', '広島県', '山口県', '徳島県', '香川県', '愛媛県', '高知県', '福岡県', '佐賀県', '長崎県',
  '熊本県', '大分県', '宮崎県', '鹿児島県', '沖縄県',
])
/** Ends of a Japanese municipality name: 市 (city), 区 (ward), 町 (town), 村 (village), 郡 (district). */
const JP_MUNICIPALITY = codes('市区町村郡')
/** Kanji that end a lead-in rather than start a place name (届け先, 宛先, 送付先). */
const JP_STOPS = codes('先宛')
/**
 * Hiragana particles: a place name never runs across one written after a kanji or katakana word
 * (住所は…, 東京都の店舗は2丁目…, 新宿区で1-2個). Other hiragana, and these inside a hiragana name
 * (おもろまち), may be part of a name (さいたま市).
 */
const JP_PARTICLES = codes('はをがでへもにと')
/** What a count is followed by: 1-2日, 3-5個, 2-3週間; such a pair is not a block. */
const JP_COUNTERS = codes('日月年時分秒円個件回人本枚歳才倍割台箱点冊着足週ヶケか〜~%万千百')
/** Whether the block scanned by {@link jpBlock} has a strong marker (丁目, 番地, 番…号) or three groups. */
let jpStrong = false
/**
 * End of the last Japanese block seen in this scan: the place names before a block never run
 * back over an earlier block, so 一丁目一丁目… is read once, not once per block.
 */
let jpFloor = 0

/**
 * A Japanese block number at i: 1丁目2番3号, 一丁目2-3, 3番地の5, 1-2-3, 1-2-3-101, 1－２－３ (folded).
 * Returns its end, or -1; sets {@link jpStrong}.
 */
function jpBlock(sc: Scan, i: number): number {
  let p: number
  let groups = 1
  let strong = false
  let ban = false
  let closed = false // ends with 号, so a number right after it is something else
  if (isKanjiNumeral(sc.code(i))) {
    // Kanji numerals only before 丁目 (一番 is "the best", 二番目 "the second").
    p = i
    while (p - i < 4 && isKanjiNumeral(sc.code(p)) && live(sc, p)) p++
    if (!at(sc, p, '丁目')) return -1
  } else {
    p = number(sc, i, 1, 4)
    if (p < 0) return -1
  }
  for (;;) {
    sc.meter.units++
    let marker = false
    if (at(sc, p, '丁目')) {
      p += 2
      strong = marker = true
    } else if (at(sc, p, '番地')) {
      p += 2
      strong = marker = true
      if (sc.code(p) === 0x306e && liveDigit(sc, p + 1)) p++ // 3番地の5
    } else if (sc.code(p) === 0x756a && liveDigit(sc, p + 1) && live(sc, p)) {
      p++ // 2番3号
      ban = marker = true
    } else if (sc.code(p) === 0x53f7 && live(sc, p) && (ban || groups >= 2)) {
      p++ // …3号
      if (ban) strong = true
      closed = true
      break
    }
    if (groups >= 5) break
    let next = -1
    if (marker && liveDigit(sc, p)) next = p
    else if (!marker && isDashLike(sc.code(p)) && live(sc, p) && liveDigit(sc, p + 1)) next = p + 1
    if (next < 0) {
      if (marker || groups >= 2) break
      return -1
    }
    const e = number(sc, next, 1, 4)
    if (e < 0) break
    p = e
    groups++
  }
  if (groups < 2 && !strong) return -1
  if (groups >= 3) strong = true
  const c = sc.code(p)
  // A count (1-2日), a longer number (1-23456) or a time (1-2:30) is not a block.
  if ((isDigit(c) && !closed) || (!strong && (JP_COUNTERS.has(c) || c === 0x3a))) return -1
  // A building and room glued to the block: 1-2-3ハイツ101, 1丁目2番3号サンシャイン60 45階 stops before the space.
  let q = p
  while (q - p < 24 && live(sc, q) && (isJpName(sc.code(q)) || isAsciiLetter(sc.code(q))) && !isKanjiNumeral(sc.code(q))) q++
  sc.meter.units += q - p
  if (q > p || (isDashLike(sc.code(p)) && liveDigit(sc, p + 1))) {
    const r = number(sc, q === p ? p + 1 : q, 1, 5)
    if (r > 0) {
      p = r
      if (at(sc, p, '号室')) p += 2
      else if (sc.code(p) === 0x53f7 || sc.code(p) === 0x5ba4 || sc.code(p) === 0x968e) p++ // 号 室 階
    }
  }
  jpStrong = strong
  return p
}

/** A Japanese address whose block starts at b: its start (the prefecture, or the municipality name), or -1. */
function jpStart(sc: Scan, b: number, strong: boolean): number {
  let end = b
  if (isSpace(sc.code(end - 1)) && isJpName(sc.code(end - 2))) end-- // 神宮前 1-2-3
  let k = end
  while (end - k < MAX_BACK && k > jpFloor && live(sc, k - 1)) {
    const c = sc.code(k - 1)
    if ((isJpName(c) && !JP_STOPS.has(c)) || (isHiragana(c) && !(JP_PARTICLES.has(c) && !isHiragana(sc.code(k - 2))))) k--
    else if (isSpace(c) && isJpName(sc.code(k - 2)) && !isSpace(sc.code(k))) k-- // 東京都 渋谷区
    else if (isDigit(c) && (sc.code(k) === 0x6761 || isDigit(sc.code(k)))) k-- // 北1条西2丁目
    else break
  }
  sc.meter.units += b - k
  // A prefecture followed by a municipality name: the address starts at the last such prefecture.
  let pref = -1
  for (let t = k; t < end; t++) {
    const len = oneOf(sc, t, PREFECTURES)
    sc.meter.units++
    if (len === 0) continue
    for (let m = t + len + 1; m < end; m++) {
      if (JP_MUNICIPALITY.has(sc.code(m)) && (isJpName(sc.code(m - 1)) || isHiragana(sc.code(m - 1)))) {
        pref = t
        break
      }
    }
    t += len - 1
  }
  if (pref >= 0) return pref
  if (!strong) return -1
  // No prefecture: the first municipality name (at most 3 characters and its 市区町村郡) with a town after it.
  for (let m = k; m < end - 1; m++) {
    if (!JP_MUNICIPALITY.has(sc.code(m))) continue
    let s = m
    while (s > k && m - s < 3 && isJpName(sc.code(s - 1)) && !JP_MUNICIPALITY.has(sc.code(s - 1))) s--
    if (s === m) {
      // さいたま市, つくば市: a municipality name in hiragana before the run.
      if (m !== k) continue
      while (s > 0 && m - s < 4 && isHiragana(sc.code(s - 1)) && live(sc, s - 1)) s--
      if (m - s < 2) continue
    }
    let town = false
    for (let t = m + 1; t < end && !town; t++) town = isJpName(sc.code(t)) || isHiragana(sc.code(t))
    return town ? s : -1
  }
  return -1
}

function japanese(sc: Scan, i: number, kind: number): number {
  const e = jpBlock(sc, i)
  if (e < 0) return -1
  const s = jpStart(sc, i, jpStrong)
  jpFloor = e
  if (s < 0) return -1
  sc.mask(postcodeBefore(sc, s), e, kind)
  return e
}

// ---------------------------------------------------------------------------------------------
// Chinese: [province] 市 区/县 road (路 街 道 巷 弄 胡同) + N号 [N栋 N单元 N室].

const ZH_REGIONS = wordList([
  '北京', '上海', '天津', '重庆', '重慶', '河北', '山西', '辽宁', '遼寧', '吉林', '黑龙江', '黑龍江', '江苏', '江蘇', '浙江', '安徽', '福建', '江西', '山东', '山東',
  '河南', '湖北', '湖南', '广东', '廣東', '海南', '四川', '贵州', '貴州', '云南', '雲南', '陕西', '陝西', '甘肃', '甘肅', '青海', '台湾', '台灣', '臺灣',
  '内蒙古', '內蒙古', '广西', '廣西', '西藏', '宁夏', '寧夏', '新疆', '香港', '澳门', '澳門', '台北', '臺北', '新北', '台中', '臺中', '高雄', '台南', '臺南',
])
/** Ends of a Chinese region name: 省 市 区 县 州 镇 乡 旗 (and traditional forms). */
const ZH_REGION_ENDS = codes('省市区區县縣州镇鎮乡鄉旗')
/** Ends of a road name: 路 街 道 巷 弄 里 (胡同 ends in 同). */
const ZH_ROAD_ENDS = codes('路街道巷弄里同')
/** Road ends that are also common words (知道, 频道, 这里): such a road needs a region before it. */
const ZH_WEAK_ROAD_ENDS = codes('道里同')
/** Han characters that end a lead-in (地址改成…, 寄到…, 我在…) rather than start a place name. */
const ZH_STOPS = codes('是在到成址寄送往为為的给給至改从從发發我你他她请請说說于於')
const ZH_NUMBER = codes('号號')
/** What follows a number with 号 that is no house number: 线 (metro line), 码 (size), 字, 色, 机, 位, 车, 厅, 口 (exit). */
const ZH_NOT_HOUSE = codes('线線码碼字色机機位车車厅廳口')
/** Parts after the house number: 院, 号楼, 栋, 幢, 座, 单元, 楼, 层, 室, 号, 户. */
const ZH_UNIT_WORDS = wordList(['号楼', '號樓', '单元', '單元', '号院', '號院', '栋', '棟', '幢', '座', '楼', '樓', '层', '層', '室', '号', '號', '户', '戶', '院', 'F'])

/** A Chinese house number at i (100号, 1000弄12号, 88号院): its end, or -1. */
function zhNumber(sc: Scan, i: number): number {
  let p = number(sc, i, 1, 5)
  if (p < 0) return -1
  if (isDashLike(sc.code(p)) && live(sc, p) && liveDigit(sc, p + 1)) p = number(sc, p + 1, 1, 4) // 100-2号
  if (p < 0) return -1
  if (sc.code(p) === 0x5f04 && live(sc, p)) p = number(sc, p + 1, 1, 4) // 1000弄12号
  if (p < 0 || !ZH_NUMBER.has(sc.code(p)) || !live(sc, p)) return -1
  p++
  if (ZH_NOT_HOUSE.has(sc.code(p))) return -1 // 长安街10号线 is a metro line
  if (sc.code(p) === 0x9662 && live(sc, p)) p++ // 号院
  return p
}

/** The building, unit and room after a Chinese house number ending at p (3号楼2单元501室, A座1201): their end, or p. */
function zhRest(sc: Scan, p: number): number {
  // Building, unit and room: up to four parts, each a number or one or two letters and its word;
  // a compound name may come first (1037号华中小区8栋302室).
  for (let parts = 0; parts < 4; parts++) {
    let q = p
    if (parts === 0 && isHan(sc.code(q))) {
      while (q - p < 10 && live(sc, q) && isHan(sc.code(q))) q++
      sc.meter.units += q - p
    }
    const e = zhPart(sc, q, parts > 0)
    if (e < 0) break
    p = e
  }
  return p
}

/**
 * One part after a Chinese house number at q (3号楼, 2单元, 501室, A座, 5栋302): its end, or -1.
 * A bare number (the 1201 of A座1201) ends the address and is only taken after another part.
 */
function zhPart(sc: Scan, q: number, bare: boolean): number {
  const from = q
  if (isAsciiLetter(sc.code(q)) && live(sc, q)) {
    q++
    if (isAsciiLetter(sc.code(q)) && live(sc, q)) q++
    if (isAsciiLetter(sc.code(q))) return -1
  } else {
    q = number(sc, q, 1, 5)
    if (q < 0) return -1
    if (isDashLike(sc.code(q)) && live(sc, q) && liveDigit(sc, q + 1)) q = number(sc, q + 1, 1, 5) // 3-201室
    if (q < 0) return -1
  }
  sc.meter.units += q - from
  const w = oneOf(sc, q, ZH_UNIT_WORDS)
  if (w > 0) return q + w
  return bare && isDigit(sc.code(q - 1)) && !isDigit(sc.code(q)) ? q : -1
}

/** A Chinese address whose house number starts at b: its start, or -1. */
function zhStart(sc: Scan, b: number): number {
  let road = b
  if (isSpace(sc.code(road - 1))) road--
  let roadEnd = road
  // 中山北路二段122號: a section after the road.
  if (sc.code(road - 1) === 0x6bb5) {
    let t = road - 1
    while (t > road - 4 && isKanjiNumeral(sc.code(t - 1))) t--
    if (t < road - 1) roadEnd = t
  }
  const c = sc.code(roadEnd - 1)
  if (!ZH_ROAD_ENDS.has(c) || !live(sc, roadEnd - 1)) return -1
  let k = roadEnd - 1
  while (roadEnd - k < MAX_BACK && live(sc, k - 1) && isHan(sc.code(k - 1))) k--
  sc.meter.units += b - k
  if (roadEnd - 1 - k < 1) return -1 // the road has a name
  // A province, a direct-controlled municipality or a special region: the address starts there.
  for (let t = k; t < roadEnd - 2; t++) {
    sc.meter.units++
    if (oneOf(sc, t, ZH_REGIONS) > 0) return t
  }
  // Otherwise the first region name (at most 3 characters before its 省市区县…).
  for (let m = k + 1; m < roadEnd - 2; m++) {
    if (!ZH_REGION_ENDS.has(sc.code(m))) continue
    let s = m
    while (s > k && m - s < 3 && !ZH_STOPS.has(sc.code(s - 1))) s--
    if (s < m) return s
  }
  // No region: a road ending in 路 街 巷 弄 with a name of two or more characters, read from its name.
  if (ZH_WEAK_ROAD_ENDS.has(c)) return -1
  let s = roadEnd - 1
  while (s > k && roadEnd - 1 - s < 6 && !ZH_STOPS.has(sc.code(s - 1))) s--
  return roadEnd - 1 - s >= 2 ? s : -1
}

function chinese(sc: Scan, i: number, kind: number): number {
  let e = zhNumber(sc, i)
  if (e < 0) return -1
  const s = zhStart(sc, i)
  if (s < 0) return -1
  e = zhRest(sc, e)
  sc.mask(postcodeBefore(sc, s), e, kind)
  return e
}

// ---------------------------------------------------------------------------------------------
// Korean: [시/도] [시/군/구] [읍/면/동] road (…로, …길) building number [, N층 | N동 N호 | (…동)],
// or …동/리 N(-N)번지.

/** 시/도 names written alone (서울 강남구 …). */
const KO_PROVINCES = new Set(['서울', '부산', '대구', '인천', '광주', '대전', '울산', '세종', '경기', '강원', '충북', '충남', '전북', '전남', '경북', '경남', '제주'])
/** Ends of a 시/도/군/구 name. */
const KO_REGION_ENDS = codes('시도군구')
/** Ends of smaller areas (읍, 면, 동, 리, 가): part of an address, but not enough to make one. */
const KO_AREA_ENDS = codes('읍면동리가')
/** Words ending like a region name that are not one (친구, 가구, 입구, 혹시, 정도, 지도, 자동, 이동, …). */
const KO_NOT_REGIONS = new Set([
  '친구', '가구', '입구', '출구', '도구', '야구', '연구', '요구', '창구', '항구', '완구', '문구', '탐구', '추구', '농구', '배구', '축구', '기구', '욕구', '구구',
  '정도', '포도', '지도', '속도', '온도', '각도', '태도', '제도', '용도', '보도', '기도', '매도', '반도', '한도', '빈도', '인도', '시도', '난이도', '만족도', '또', '어디도',
  '혹시', '당시', '역시', '동시', '다시', '수시', '표시', '게시', '제시', '무시', '즉시', '항시', '평시', '잠시', '몇시', '이시', '그시', '오시', '보시', '하시', '가시', '계시', '주시',
  '자동', '이동', '활동', '행동', '운동', '작동', '변동', '감동', '진동', '연동', '출동', '가동', '공동', '파동', '구동', '충동', '무리', '관리', '처리', '수리', '요리', '거리', '소리', '머리', '우리', '유리', '정리',
])
/** What a count is followed by (3개, 2번째, 5일, 10시): such a number is no building number (see {@link koCount}). */
const KO_COUNTERS = wordList([
  '개월', '시간', '주일', '일간', '년간', '분기', '개입', '인용', '세트',
  '개', '번째', '번', '일', '시', '분', '초', '원', '명', '회', '박스', '장', '권', '병', '벌', '켤레', '주', '년', '월', '살', '세', '위', '등', '차', '평', '킬로', '키로', '미터', '만', '천', '배', '인분', '그램', '가지', '곳', '대', '통', '건', '점', '매', '팩', '봉', '캔', '잔', '줄', '쌍', '가', '박', '층'
])
/** What follows a building number inside the address: 층 (floor), 호 (room), 동 (building), 호실. */
const KO_UNIT_WORDS = wordList(['호실', '층', '호', '동', 'F', 'f'])

/** Particles and endings after a count (3개가, 2시에, 5일이면, 10분쯤). */
const KO_COUNT_ENDINGS = codes('이가을를은는에도만씩째짜후전안내쯤정면요')

/** Whether a count word is written at p: a counter ending the word or followed by a particle (3개, 2시에), not the start of another word (3배송). */
function koCount(sc: Scan, p: number): boolean {
  const len = oneOf(sc, p, KO_COUNTERS)
  if (len === 0) return false
  const next = sc.code(p + len)
  return !isHangul(next) || KO_COUNT_ENDINGS.has(next)
}

/** The Hangul word (syllables, digits and 번 inside) ending just before j: its start, or j. */
function koWordBefore(sc: Scan, j: number, digitsInside: boolean): number {
  let k = j
  while (j - k < 16 && live(sc, k - 1)) {
    const c = sc.code(k - 1)
    // Digits only inside a numbered road: 강남대로94길, 해운대로570번길.
    if (isHangul(c) || (digitsInside && isDigit(c) && k < j && (isDigit(sc.code(k)) || sc.code(k) === 0xae38 || sc.code(k) === 0xbc88))) k--
    else break
  }
  sc.meter.units += j - k
  return k
}

const koWord = (sc: Scan, s: number, e: number): string => sc.f.slice(s, e)

/** A Korean address whose building or lot number is [i, p): its start and end, or -1. */
function korean(sc: Scan, i: number, kind: number): number {
  let p = number(sc, i, 1, 5)
  if (p < 0) return -1
  if (isDashLike(sc.code(p)) && live(sc, p) && liveDigit(sc, p + 1)) p = number(sc, p + 1, 1, 4) // 123-45
  if (p < 0) return -1
  const lot = at(sc, p, '번지')
  if (lot) p += 2
  else {
    const c = sc.code(p)
    if (isDigit(c)) return -1
    // 12번길, 1가: part of a road or area name. 3개, 2번째, 10시: a count.
    if (isHangul(c) && oneOf(sc, p, KO_UNIT_WORDS) === 0 && (at(sc, p, '길') || at(sc, p, '번길') || koCount(sc, p))) return -1
  }
  // The road (or, for a lot, the area) just before the number.
  let we = i
  if (isSpace(sc.code(we - 1))) we--
  let ws = koWordBefore(sc, we, true)
  if (we - ws < 2) return -1
  const last = sc.code(we - 1)
  let digitInRoad = false
  for (let t = ws; t < we; t++) if (isDigit(sc.code(t))) digitInRoad = true
  if (isDigit(sc.code(ws))) {
    // 해운대로 570번길 12: the numbered side road is written apart from its road.
    if (!isSpace(sc.code(ws - 1))) return -1
    const rs = koWordBefore(sc, ws - 1, false)
    const r = sc.code(ws - 2)
    if (ws - 1 - rs < 2 || (r !== 0xb85c && r !== 0xae38)) return -1
    ws = rs
  }
  if (lot) {
    if (!KO_AREA_ENDS.has(last)) return -1
  } else {
    if (last !== 0xb85c && last !== 0xae38) return -1 // 로 길
    if (last === 0xb85c && sc.code(we - 2) === 0xc73c) return -1 // …으로 is a particle
  }
  // The regions before it: up to four words, each a 시/도/군/구 or a smaller area.
  let s = ws
  let region = false
  for (let words = 0; words < 4 && isSpace(sc.code(s - 1)); words++) {
    const e = s - 1
    const b = koWordBefore(sc, e, false)
    if (b === e) break
    const w = koWord(sc, b, e)
    const end = sc.code(e - 1)
    if (KO_NOT_REGIONS.has(w)) break
    if (KO_PROVINCES.has(w) || (KO_REGION_ENDS.has(end) && e - b >= 2)) region = true
    else if (!(KO_AREA_ENDS.has(end) && e - b >= 2)) break
    s = b
  }
  if (!region && !lot && !digitInRoad) return -1
  // Floor, room, building and the area in parentheses after the number: , 4층 / 101동 1202호 / (역삼동).
  for (let parts = 0; parts < 4; parts++) {
    let q = p
    if (sc.code(q) === 0x2c) q++
    if (isSpace(sc.code(q))) q++
    if (sc.code(q) === 0x28 && live(sc, q)) {
      let r = q + 1
      while (r - q < 24 && live(sc, r) && (isHangul(sc.code(r)) || isSpace(sc.code(r)) || sc.code(r) === 0x2c || isDigit(sc.code(r)))) r++
      sc.meter.units += r - q
      if (sc.code(r) !== 0x29 || r === q + 1) break
      p = r + 1
      continue
    }
    if (at(sc, q, '지하')) q += isSpace(sc.code(q + 2)) ? 3 : 2
    const e = number(sc, q, 1, 5)
    if (e < 0) break
    const w = oneOf(sc, e, KO_UNIT_WORDS)
    if (w === 0 || (isHangul(sc.code(e + w)) && sc.code(e) === 0xb3d9 && !isSpace(sc.code(e + w)))) break
    p = e + w
  }
  sc.mask(postcodeBefore(sc, s), p, kind)
  return p
}

// ---------------------------------------------------------------------------------------------
// English (US/UK style): house number, street name, suffix [, unit] [, city, ST 12345 | city POSTCODE].

/** Street suffixes, lower-cased (a '.' after one is part of it). */
const EN_SUFFIXES = new Set([
  'st', 'street', 'ave', 'av', 'avenue', 'rd', 'road', 'blvd', 'boulevard', 'pkwy', 'parkway', 'dr', 'ln', 'lane', 'ct', 'pl', 'ter', 'cir', 'hwy', 'highway',
  'sq', 'trl', 'cres', 'plz', 'expy', 'expressway', 'fwy', 'freeway',
])
/**
 * Street suffixes that are also everyday words (1 header row, 2 hard drive, 3 blue square): the
 * street counts only written as a name (every word capitalised: 742 Evergreen Terrace, 12 Kingsway
 * Close) or followed by a city and state or postcode.
 */
const EN_WORD_SUFFIXES = new Set([
  'drive', 'way', 'court', 'place', 'terrace', 'circle', 'square', 'trail', 'crescent', 'plaza', 'pike', 'row', 'mews', 'gardens', 'grove', 'close', 'walk', 'hill',
])
/** Words that do not name a street: a number before them counts something (3 items from, 5 min to, 2 day shipping). */
const EN_NOT_NAMES = new Set([
  'the', 'a', 'an', 'and', 'or', 'of', 'to', 'in', 'on', 'at', 'by', 'for', 'from', 'with', 'via', 'near', 'my', 'your', 'our', 'his', 'her', 'their', 'this', 'that',
  'it', 'is', 'are', 'was', 'be', 'i', 'we', 'you', 'item', 'items', 'pcs', 'piece', 'pieces', 'unit', 'units', 'day', 'days', 'week', 'weeks', 'month', 'months',
  'year', 'years', 'hour', 'hours', 'hr', 'hrs', 'min', 'mins', 'minute', 'minutes', 'second', 'seconds', 'sec', 'mile', 'miles', 'km', 'blocks', 'block', 'times',
  'more', 'less', 'way', 'ways', 'pack', 'packs', 'box', 'boxes', 'people', 'orders', 'order', 'size', 'sizes', 'pairs', 'pair', 'x',
])
const EN_DIRECTIONS = new Set(['n', 's', 'e', 'w', 'ne', 'nw', 'se', 'sw', 'north', 'south', 'east', 'west'])
const EN_UNITS = new Set(['apt', 'apartment', 'suite', 'ste', 'unit', 'fl', 'floor', 'rm', 'room', 'bldg', 'building', 'flat'])
const US_STATES = new Set(
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR'.split(' '),
)

/** End of the ASCII word (letters, and ' . - inside) starting at i, or i. */
function enWord(sc: Scan, i: number): number {
  let k = i
  while (k - i < 24 && live(sc, k)) {
    const c = sc.code(k)
    if (isAsciiLetter(c)) k++
    else if ((c === 0x27 || c === 0x2d) && k > i && isAsciiLetter(sc.code(k + 1))) k++
    else break
  }
  sc.meter.units += k - i
  return k
}

/** Whether a word ends at k (no letter or digit glued after it). */
const wordEnd = (sc: Scan, k: number): boolean => !(live(sc, k) && (isAsciiLetter(sc.code(k)) || isDigit(sc.code(k))))

/** One space (or a comma and a space) at k: where the next word starts, or -1. */
function gap(sc: Scan, k: number, comma: boolean): number {
  if (comma && sc.code(k) === 0x2c) k++
  if (!isSpace(sc.code(k))) return comma && sc.code(k - 1) === 0x2c ? k : -1
  return k + 1
}

/** An upper-case ASCII letter at k that no earlier pass masked. */
function upper(sc: Scan, k: number): boolean {
  const c = sc.code(k)
  return c >= 0x41 && c <= 0x5a && live(sc, k)
}

/** A UK postcode at i (SW1A 1AA, NW1 6XE, M1 1AE), upper case: its end, or -1. */
function ukPostcode(sc: Scan, i: number): number {
  let k = i
  if (!upper(sc, k)) return -1
  k++
  if (upper(sc, k)) k++
  if (!liveDigit(sc, k)) return -1
  k++
  if (upper(sc, k) || liveDigit(sc, k)) k++
  if (!isSpace(sc.code(k))) return -1
  k++
  if (!liveDigit(sc, k) || !upper(sc, k + 1) || !upper(sc, k + 2)) return -1
  k += 3
  return wordEnd(sc, k) ? k : -1
}

/** A US ZIP code at i (94043, 94043-1351): its end, or -1. */
function zip(sc: Scan, i: number): number {
  let k = i
  while (k - i < 5 && liveDigit(sc, k)) k++
  if (k - i !== 5) return -1
  if (sc.code(k) === 0x2d && liveDigit(sc, k + 1)) {
    let t = k + 1
    while (t - k < 5 && liveDigit(sc, t)) t++
    if (t - k === 5) k = t
  }
  return wordEnd(sc, k) ? k : -1
}

/** City, state and ZIP (or city and UK postcode) after a street ending at p: their end, or p. */
function enLocality(sc: Scan, p: number): number {
  let k = gap(sc, p, true)
  if (k < 0) return p
  for (let words = 0; words < 4; words++) {
    // The state and ZIP (CA 94043, tx 78701), or a UK postcode.
    const st = sc.f.slice(k, k + 2)
    if (US_STATES.has(st.toUpperCase()) && live(sc, k) && live(sc, k + 1) && wordEnd(sc, k + 2)) {
      const z = isSpace(sc.code(k + 2)) ? zip(sc, k + 3) : -1
      if (z > 0) return z
      if (words > 0 && st === st.toUpperCase()) return k + 2 // Mountain View, CA
    }
    const pc = ukPostcode(sc, k)
    if (pc > 0) return pc
    // A city word (it only counts when a state or a postcode follows).
    const e = enWord(sc, k)
    if (e === k || !wordEnd(sc, e) || EN_NOT_NAMES.has(sc.f.slice(k, e).toLowerCase())) return p
    const next = gap(sc, e, true)
    if (next < 0) return p
    k = next
  }
  return p
}

function english(sc: Scan, i: number, kind: number): number {
  const prev = sc.code(i - 1)
  if (live(sc, i - 1) && (isAsciiLetter(prev) || prev === 0x2e || prev === 0x2d || prev === 0x2f || prev === 0x2c)) return -1
  let p = number(sc, i, 1, 6)
  if (p < 0) return -1
  if (isAsciiLetter(sc.code(p)) && isSpace(sc.code(p + 1))) p++ // 221B
  else if (sc.code(p) === 0x2d && liveDigit(sc, p + 1)) p = number(sc, p + 1, 1, 4) // 123-45
  if (p < 0) return -1
  let k = gap(sc, p, false)
  if (k < 0) return -1
  // Street name words, then a suffix: 1600 Amphitheatre Pkwy, 350 5th Ave, 742 Evergreen Terrace.
  let names = 0
  let end = -1
  let capitalised = true
  let wordSuffix = false
  for (let words = 0; words < 5; words++) {
    let e: number
    if (isDigit(sc.code(k))) {
      // An ordinal: 5th, 42nd, 1st, 3rd.
      let t = k
      while (t - k < 4 && liveDigit(sc, t)) t++
      e = enWord(sc, t)
      const suffix = sc.f.slice(t, e).toLowerCase()
      if (t === k || !['st', 'nd', 'rd', 'th'].includes(suffix)) return -1
    } else {
      e = enWord(sc, k)
      if (e === k) return -1
    }
    const lower = sc.f.slice(k, e).toLowerCase()
    let after = e
    if (sc.code(after) === 0x2e && live(sc, after)) after++
    if (!wordEnd(sc, after)) return -1
    const first = sc.code(k)
    if (!isDigit(first) && !(first >= 0x41 && first <= 0x5a)) capitalised = false
    if (names > 0 && (EN_SUFFIXES.has(lower) || EN_WORD_SUFFIXES.has(lower))) {
      wordSuffix = EN_WORD_SUFFIXES.has(lower)
      end = after
      break
    }
    if (EN_NOT_NAMES.has(lower)) return -1
    if (!(names === 0 && EN_DIRECTIONS.has(lower))) names++
    const next = gap(sc, after, false)
    if (next < 0) return -1
    k = next
  }
  if (end < 0) return -1
  // An apartment, suite or unit: Apt 4B, Suite 200, #12.
  const u = gap(sc, end, true)
  if (u > 0) {
    let t = -1
    if (sc.code(u) === 0x23 && live(sc, u)) t = u + 1
    else {
      const e = enWord(sc, u)
      let after = e
      if (sc.code(after) === 0x2e) after++
      if (e > u && EN_UNITS.has(sc.f.slice(u, e).toLowerCase()) && isSpace(sc.code(after))) t = after + 1
    }
    if (t > 0) {
      let r = t
      while (r - t < 6 && live(sc, r) && (isDigit(sc.code(r)) || isAsciiLetter(sc.code(r)) || sc.code(r) === 0x2d)) r++
      let digit = false
      for (let x = t; x < r; x++) if (isDigit(sc.code(x))) digit = true
      if ((digit || r - t === 1) && wordEnd(sc, r)) end = r
    }
  }
  const street = end
  end = enLocality(sc, end)
  if (wordSuffix && !capitalised && end === street) return -1
  sc.mask(i, end, kind)
  return end
}

// ---------------------------------------------------------------------------------------------

/**
 * Masks the postal addresses of a query as `kind`. Runs after the e-mail addresses and the
 * postcode words (a postcode kept there is masked with the address it starts) and before the
 * digit runs, so the numbers of an address are not read as a phone or order number.
 */
export function scanAddresses(sc: Scan, kind: number): void {
  const f = sc.f
  const n = sc.n
  let visits = 0
  jpFloor = 0
  for (let i = 0; i < n; i++) {
    visits++
    if (sc.cover[i] !== NONE) continue
    const c = f.charCodeAt(i)
    if (isDigit(c)) {
      if (liveDigit(sc, i - 1)) continue
    } else if (!(isKanjiNumeral(c) && !isKanjiNumeral(sc.code(i - 1)))) continue
    let end = japanese(sc, i, kind)
    if (end < 0 && isDigit(c)) end = chinese(sc, i, kind)
    if (end < 0 && isDigit(c)) end = korean(sc, i, kind)
    if (end < 0 && isDigit(c)) end = english(sc, i, kind)
    if (end > 0) i = end - 1
  }
  sc.meter.units += visits
}
