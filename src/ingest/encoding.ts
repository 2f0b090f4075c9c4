/**
 * Text decoding for CSV/TSV/JSON files. Spreadsheets exported in Japan, Korea and China are
 * often not UTF-8 (Excel writes Shift_JIS/CP932, CP949, GBK), so the encoding is detected:
 * BOM first, then a strict UTF-8 check, then chardet's candidates restricted to the CJK
 * encodings we expect, re-ranked by whether the decoded text looks like real text in that
 * language (chardet alone confuses EUC-KR and GB18030 on short files).
 */
import * as chardet from 'chardet'
import iconv from 'iconv-lite'
import { createError } from '../errors.js'

/** The encodings auto-detection chooses between (display name → iconv-lite codec). */
const CANDIDATES: Record<string, string> = {
  'UTF-8': 'utf8',
  Shift_JIS: 'cp932',
  'EUC-JP': 'eucjp',
  'EUC-KR': 'cp949',
  GB18030: 'gb18030',
  Big5: 'cp950',
}

/** Common characters per candidate language; decoding with the wrong codec yields mostly others. */
const KO = '이다는의에을를가하고지요니서습로수기한사어도시나리으해게자인정대있합라적과상주전보면일거우여제부것들만구아소경원바배송문품결반환불취확됩세까께드립내용할된되때후청받택교입금카객센터영업무료비개월날오및또등없같중더않위신간마계번호저희실려님능록회변화메안처완출발착최약부터내과방법필요당까지번째어떻게언제얼마나왜무엇'
const JA_KANJI =
  '日一人年大十二本中出三見月生五上四会子時分入行手方事者合場物前後間自内気社発用文注送料配品商返金払支届確認変更取消可能受付問営業以下法利決済代引無円税込購登録員客様際申連絡到着期交換不良在庫個別途指定住所番号電話全国一律通常最大約未満土祝休除承翌当必要詳細情報開封使負担弊対応案記載完了限数象外何方'
const ZH_HANS =
  '的是不了在有我一人这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心本前开但因只从想实日意无力与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应向头文体相见被利什二等产或新己制身果加话合回特代内信表化老给世位次度门任常先通原声提立及比员解名真论处走各入几口认条平系气题活更别打变四总何电数安少报才结反受目太量再感建务做接必场件计管期市直资山金指许统区保至形便空决展科司五基书非则听白却界达光放强即像难且权思象完设式色路记品住告类求据程边张该交规万取格望觉术领共确传师观清今切让识候带导运改收根造言联持组每车亲极服快办议往元证近失转令准布始怎呢存未远叫台单具字爱流备连调深商算质团集百需价花城级整离况请技际约示复息究线似官断精满支视消越器容照须增研写称企功吗包片史查轻易早除找装广显标图念引历首局突专费号尽另周较注语仅考落随选列红响虽推势参希众构房半节投某案维致律足态护兴派验责营星够章音跟志底站严例防供效续施留讲型料终答紧绝察段依批群项故按围织害双境客纪采举攻密低友诉止细愿千值仍破网热助属限速刻否刚状率独普校创假久错承印试股拿预谁益若哪微继送急素适波省初喜源食险待述置居劳财环排福纳欢获模充负停游疑层冷略范竟句室异激策简卡判担静退既您余检差富协角配修降审善读超免压银买养执副帮宣航优著控税份艺块敢守托户款靠评版座释景顾登货互付慢换闻危忙介讨良序升临永野域括杂误减编测败散温困渐封救贵缺移朋画智短恐固席秘谢遇康虑幸均销钟票损端探录附予礼港板庭归额含顺输招补谓油疗旅材笔词择寻厂授诺卖载健堂旁借禁避抓牙束顶练迫篇馆遍础卷宁纸训私翻握熟访店软典欲盘扩盖稳忘亿拥迎虚玩析醒透购替途贸毕唯库尤街促延弃售灯络抵抱页折混振盛措宽迷诚摆拍侧丢邮寄递签账宝惠券积'
const ZH_HANT =
  '的是不了在有我一人這個們中來上大為和國地到以說時要就出會可也你對生能而子那得於著下自之年過發後作裡用道行所然家種事成方多經麼去法學如都同現當沒動面起看定天分還進好小部其些主樣理心本前開但因只從想實日意無力與長把機十民第公此已工使情明性知全三又關點正業外將兩高間由問很最重並物手應向頭文體相見被利什二等產或新己制身果加話合回特代內信表化老給世位次度門任常先通原聲提立及比員解名真論處走各入幾口認條平系氣題活更別打變四總何電數安少報才結反受目太量再感建務做接必場件計管期市直資山金指許統區保至形便空決展科司五基書非則聽白卻界達光放強即像難且權思象完設式色路記品住告類求據程邊張該交規萬取格望覺術領共確傳師觀清今切讓識候帶導運改收根造言聯持組每車親極服快辦議往元證近失轉令準布始怎呢存未遠叫台單具字愛流備連調深商算質團集百需價花城級整離況請技際約示復息究線似官斷精滿支視消越器容照須增研寫稱企功嗎包片史查輕易早除找裝廣顯標圖念引歷首局突專費號盡另周較注語僅考落隨選列紅響雖推勢參希眾構房半節投某案維致律足態護興派驗責營星夠章音跟志底站嚴例防供效續施留講型料終答緊絕察段依批群項故按圍織害雙境客紀採舉攻密低友訴止細願千值仍破網熱助屬限速刻否剛狀率獨普校創假久錯承印試股拿預誰益若哪微繼送急素適波省初喜源食險待述置居勞財環排福納歡獲模充負停遊疑層冷略範竟句室異激策簡卡判擔靜退既您餘檢差富協角配修降審善讀超免壓銀買養執副幫宣航優控稅份藝塊敢守託戶款靠評版座釋景顧登貨互付慢換聞危忙介討良序升臨永野域括雜誤減編測敗散溫困漸封救貴缺移朋畫智短恐固席祕謝遇康慮幸均銷鐘票損端探錄附予禮港板庭歸額含順輸招補謂油療旅材筆詞擇尋廠授諾賣載健堂旁借禁避抓牙束頂練迫篇館遍礎卷寧紙訓私翻握熟訪店軟典欲盤擴蓋穩忘億擁迎虛玩析醒透購替途貿畢唯庫尤街促延棄售燈絡抵抱頁折混振盛措寬迷誠擺拍側丟郵寄遞簽帳寶惠券積'

const KANA = /[\u3041-\u309f\u30a0-\u30ff]/
/** Punctuation and full-width forms shared by all CJK text; neutral evidence for any candidate. */
const CJK_PUNCT = /[\u3000-\u303f\uff01-\uff5e\u30fb\u2010-\u2027]/

const COMMON: Record<string, (ch: string) => boolean> = {
  'EUC-KR': ((set) => (ch: string) => set.has(ch))(new Set(KO)),
  Shift_JIS: ((set) => (ch: string) => KANA.test(ch) || set.has(ch))(new Set(JA_KANJI)),
  'EUC-JP': ((set) => (ch: string) => KANA.test(ch) || set.has(ch))(new Set(JA_KANJI)),
  GB18030: ((set) => (ch: string) => set.has(ch))(new Set(ZH_HANS)),
  Big5: ((set) => (ch: string) => set.has(ch))(new Set(ZH_HANT)),
}

/** How `text` looks in a candidate's language: non-ASCII characters counted, common ones, and whether any is invalid. */
interface TextScore {
  total: number
  good: number
  /** A replacement (U+FFFD) or private-use character: the bytes were not in this encoding. */
  invalid: boolean
}

/** Count the non-ASCII characters of `text` and those common in the candidate's language. */
function scoreText(text: string, candidate: string): TextScore {
  const isCommon = COMMON[candidate]
  let total = 0
  let good = 0
  for (const ch of text) {
    const cp = ch.codePointAt(0)!
    if (cp < 0x80) continue
    if (cp === 0xfffd || (cp >= 0xe000 && cp <= 0xf8ff)) return { total, good, invalid: true } // invalid or private use: wrong codec
    if (CJK_PUNCT.test(ch)) continue
    total++
    if (isCommon?.(ch)) good++
  }
  return { total, good, invalid: false }
}

/** Share (0..1) of the non-ASCII characters of `text` that are common in the candidate's language (0 when any is invalid). */
function plausibility(text: string, candidate: string): number {
  const s = scoreText(text, candidate)
  return s.invalid || s.total === 0 ? 0 : s.good / s.total
}

/** True when the bytes are valid UTF-8. */
function isUtf8(buf: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf)
    return true
  } catch {
    return false
  }
}

/** The result of detection: the encoding name and how sure we are (0..1). */
export interface DetectedEncoding {
  encoding: string
  confidence: number
}

/**
 * Detect the text encoding of `buf` among UTF-8 (with or without BOM), Shift_JIS, EUC-JP,
 * EUC-KR, GB18030 and Big5. Returns undefined when no candidate decodes the bytes cleanly.
 */
export function detectEncoding(buf: Uint8Array): DetectedEncoding | undefined {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return { encoding: 'UTF-8', confidence: 1 }
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return { encoding: 'UTF-16LE', confidence: 1 }
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return { encoding: 'UTF-16BE', confidence: 1 }
  if (isUtf8(buf)) return { encoding: 'UTF-8', confidence: 1 }
  const chardetConfidence = new Map<string, number>()
  for (const match of chardet.analyse(buf)) {
    if (match.name in CANDIDATES) chardetConfidence.set(match.name, match.confidence / 100)
  }
  let best: DetectedEncoding | undefined
  for (const name of Object.keys(CANDIDATES)) {
    if (name === 'UTF-8') continue
    const score = plausibility(iconv.decode(Buffer.from(buf), CANDIDATES[name]!), name)
    if (score === 0) continue
    // The language sanity check dominates; chardet's own confidence only breaks near-ties.
    const total = score + 0.1 * (chardetConfidence.get(name) ?? 0)
    if (!best || total > best.confidence) best = { encoding: name, confidence: total }
  }
  return best && { encoding: best.encoding, confidence: Math.min(1, best.confidence) }
}

/** Non-ASCII characters a line needs before its encoding is judged (fewer say too little: 포장 옵션 reads as four common Hanzi in GB18030). */
const LINE_MIN_CHARS = 6
/** A line is read right, without asking other encodings, when this share of its characters are common in the language. */
const LINE_SURE = 0.7
/** A line is garbled when another encoding reads at least this share of it as common characters... */
const LINE_OTHER = 0.7
/** ...and that share is at least this much above the encoding used (wrong encodings still hit common Hanzi by chance, about 0.4 for GB18030). */
const LINE_MARGIN = 0.3

/** A line of the file that reads as garbage in the encoding used but as real text in another. */
export interface GarbledLine {
  /** 1-based line of the file. */
  line: number
  /** The encoding the line looks like (display name, e.g. `EUC-KR`). */
  looksLike: string
  /** The start of the line decoded in that encoding, for finding it. */
  sample: string
}

/** How a line reads in each candidate encoding other than `used`: the best, when it reads well. */
function bestOtherEncoding(bytes: Buffer, used: string): { name: string; text: string; share: number } | undefined {
  let best: { name: string; text: string; share: number } | undefined
  for (const name of Object.keys(CANDIDATES)) {
    if (name === used) continue
    if (name === 'UTF-8' && !isUtf8(bytes)) continue
    const text = iconv.decode(bytes, CANDIDATES[name]!)
    // UTF-8 says nothing about the language: the line is judged as text of any of them.
    const scores = name === 'UTF-8' ? Object.keys(COMMON).map((lang) => scoreText(text, lang)) : [scoreText(text, name)]
    for (const sc of scores) {
      if (sc.invalid || sc.total < LINE_MIN_CHARS) continue
      const share = sc.good / sc.total
      if (share >= LINE_OTHER && (!best || share > best.share)) best = { name, text, share }
    }
  }
  return best
}

/**
 * Lines of a file decoded as `used` (a display name of {@link CANDIDATES}) that look garbled in it
 * while another candidate encoding reads them as real text, and how many lines read right. Lines
 * are split at the byte 0x0A, which no supported multi-byte encoding uses inside a character; lines
 * with fewer than {@link LINE_MIN_CHARS} non-ASCII characters are not judged. A line is garbled
 * when another encoding reads it as clearly more real text ({@link LINE_OTHER}, {@link LINE_MARGIN});
 * other encodings are tried only for lines not already sure in `used` ({@link LINE_SURE}), so a
 * clean Japanese or Korean file costs about one pass.
 */
export function findGarbledLines(buf: Buffer, text: string, used: string): { garbled: GarbledLine[]; fine: number } {
  const garbled: GarbledLine[] = []
  let fine = 0
  if (!(used in COMMON)) return { garbled, fine }
  const lines = text.split('\n')
  const starts = [0]
  for (let at = buf.indexOf(10); at >= 0; at = buf.indexOf(10, at + 1)) starts.push(at + 1)
  if (starts.length !== lines.length) return { garbled, fine } // not line for line: do not guess
  lines.forEach((line, i) => {
    const sc = scoreText(line, used)
    if (!sc.invalid && sc.total < LINE_MIN_CHARS) return
    const share = sc.invalid ? 0 : sc.good / sc.total
    if (share >= LINE_SURE) {
      fine++
      return
    }
    const bytes = buf.subarray(starts[i]!, i + 1 < starts.length ? starts[i + 1]! - 1 : buf.length)
    const other = bestOtherEncoding(bytes, used)
    if (!other || other.share < share + LINE_MARGIN) {
      if (share > 0) fine++
      return
    }
    const t = other.text.trim()
    garbled.push({ line: i + 1, looksLike: other.name, sample: [...t].length > 30 ? `${[...t].slice(0, 30).join('')}...` : t })
  })
  return { garbled, fine }
}

/** The encoding each line of `buf` reads well in (lines that say too little or fit none are left out), by encoding. */
function lineEncodings(buf: Buffer): Map<string, number[]> {
  const found = new Map<string, number[]>()
  let start = 0
  for (let line = 1; start <= buf.length; line++) {
    const end = buf.indexOf(10, start)
    const bytes = buf.subarray(start, end < 0 ? buf.length : end)
    const best = bestOtherEncoding(bytes, '')
    if (best) {
      const lines = found.get(best.name)
      if (lines) lines.push(line)
      else found.set(best.name, [line])
    }
    if (end < 0) break
    start = end + 1
  }
  return found
}

/** "the file seems to mix encodings (line 2: Shift_JIS; line 3: EUC-KR): ..." when lines read well in different encodings, else undefined. */
function mixedEncodingsHint(buf: Buffer): string | undefined {
  const mixed = lineEncodings(buf)
  if (mixed.size < 2) return undefined
  const lines = [...mixed].map(([name, ls]) => `line${ls.length > 1 ? 's' : ''} ${lineList(ls)}: ${name}`).join('; ')
  return `the file seems to mix encodings (${lines}): save the whole file in one encoding (UTF-8 is safest)`
}

/** `2, 3, 5 and 2 more` for line numbers. */
function lineList(lines: number[]): string {
  const shown = lines.slice(0, 5).join(', ')
  return lines.length > 5 ? `${shown} and ${lines.length - 5} more` : shown
}

/**
 * The warning for a file some of whose lines are garbled in the encoding used (see
 * {@link findGarbledLines}), or undefined; `mixed` when the file mixes encodings. `explicit` is
 * the encoding name the user passed, if any. Lines that look like different encodings mean the file
 * mixes encodings (rows pasted from another file or appended by another editor): no single
 * `--encoding` can read it, so the advice is to save it again in one encoding. When every judged
 * line looks like one other encoding, the advice is to pass that one.
 */
export function garbledLinesWarning(buf: Buffer, text: string, used: string, explicit?: string): { message: string; mixed: boolean } | undefined {
  const { garbled, fine } = findGarbledLines(buf, text, used)
  if (garbled.length === 0) return undefined
  const byEncoding = new Map<string, GarbledLine[]>()
  for (const g of garbled) {
    const lines = byEncoding.get(g.looksLike)
    if (lines) lines.push(g)
    else byEncoding.set(g.looksLike, [g])
  }
  const how = explicit ? `read as ${explicit} (--encoding)` : `read as ${used} (detected)`
  const looks = [...byEncoding].map(([name, ls]) => `line${ls.length > 1 ? 's' : ''} ${lineList(ls.map((l) => l.line))} look${ls.length > 1 ? '' : 's'} like ${name} (${ls[0]!.sample})`)
  if (byEncoding.size === 1 && fine === 0) {
    const [name] = byEncoding.keys()
    return { message: `the text ${how} looks garbled: ${looks[0]}; pass --encoding ${name!.toLowerCase()}`, mixed: false }
  }
  const right = fine > 0 ? `${fine} line(s) read as real text but ` : ''
  const message =
    `the file mixes text encodings: ${how}, ${right}${looks.join('; ')}, so ${garbled.length === 1 ? 'that line is' : 'those lines are'} garbled; ` +
    'save the whole file in one encoding (UTF-8 is safest) and import it again'
  return { message, mixed: true }
}

/** iconv-lite codec for a user-supplied or detected encoding name. */
function codecFor(name: string): string {
  const known = Object.entries(CANDIDATES).find(([display]) => display.toLowerCase() === name.toLowerCase())
  if (known) return known[1]
  const lower = name.toLowerCase().replace(/[_\s]/g, '-')
  if (lower === 'sjis' || lower === 'shift-jis' || lower === 'windows-31j') return 'cp932'
  if (lower === 'gbk' || lower === 'gb2312') return 'gb18030'
  return lower
}

/** The 1-based line of the character at `index` in `text`. */
function lineOf(text: string, index: number): number {
  let line = 1
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/**
 * Decode a file's bytes to text. With `explicit`, that encoding is used and any replacement
 * characters (U+FFFD) mean it was the wrong one; otherwise the encoding is detected.
 * `warnings` says when the result may be garbled: low detection confidence, an explicit encoding
 * whose text looks far less like real CJK text than the detected one, or lines that read as
 * garbage in the encoding used but as real text in another (a file mixing encodings, see
 * {@link garbledLinesWarning}; then it replaces the other warning, being the more precise).
 * Throws KotaeError('FAQ_UNREADABLE') naming the encoding tried and what to pass instead.
 */
export function decodeText(buf: Buffer, source: string, explicit?: string): { text: string; encoding: string; warnings: string[] } {
  const decoded = decodeWithoutLineCheck(buf, source, explicit)
  const used = explicit ? Object.keys(CANDIDATES).find((k) => CANDIDATES[k] === codecFor(explicit)) : decoded.encoding
  const lines = used ? garbledLinesWarning(buf, decoded.text, used, explicit) : undefined
  const warning = lines?.mixed ? lines.message : (decoded.warning ?? lines?.message)
  return { text: decoded.text, encoding: decoded.encoding, warnings: warning ? [warning] : [] }
}

/** {@link decodeText} without the line-by-line check: one `warning` at most. */
function decodeWithoutLineCheck(buf: Buffer, source: string, explicit?: string): { text: string; encoding: string; warning?: string } {
  if (explicit) {
    const codec = codecFor(explicit)
    if (!iconv.encodingExists(codec)) {
      throw createError('FAQ_UNREADABLE', { source, reason: `unknown encoding "${explicit}"`, hint: 'use one of utf-8, shift_jis, euc-jp, euc-kr, gb18030, big5, or omit the encoding to detect it' })
    }
    const text = stripBom(iconv.decode(buf, codec, { stripBOM: true }))
    const bad = text.indexOf('\ufffd')
    const genuine = codec.replace('-', '') === 'utf8' && isUtf8(buf) // a real U+FFFD in valid UTF-8
    if (bad >= 0 && !genuine) {
      const detected = detectEncoding(buf)
      const count = [...text].filter((c) => c === '\ufffd').length
      const mixed = mixedEncodingsHint(buf)
      const hint = mixed
        ? mixed
        : detected && detected.encoding.toLowerCase() !== explicit.toLowerCase()
          ? `it looks like ${detected.encoding}: pass --encoding ${detected.encoding.toLowerCase()} (or omit --encoding to detect it)`
          : 'pass another --encoding (utf-8, shift_jis, euc-kr, gb18030, big5) or omit it to detect the encoding'
      throw createError('FAQ_UNREADABLE', {
        source,
        reason: `decoding as ${explicit} produced ${count} invalid character(s), so the file is not ${explicit}`,
        line: lineOf(text, bad),
        hint,
      })
    }
    const detected = detectEncoding(buf)
    if (detected && detected.encoding !== 'UTF-8' && codecFor(detected.encoding) !== codec && !codec.startsWith('utf')) {
      const mine = plausibility(text, Object.keys(CANDIDATES).find((k) => CANDIDATES[k] === codec) ?? '')
      if (mine < 0.3 && detected.confidence >= 0.6) {
        return {
          text,
          encoding: explicit,
          warning: `the text decoded as ${explicit} looks garbled; it looks like ${detected.encoding}: check the entries or pass --encoding ${detected.encoding.toLowerCase()}`,
        }
      }
    }
    return { text, encoding: explicit }
  }
  const detected = detectEncoding(buf)
  if (!detected) {
    const mixed = mixedEncodingsHint(buf)
    throw createError('FAQ_UNREADABLE', { source, reason: `cannot detect the text encoding (tried ${Object.keys(CANDIDATES).join(', ')})`, hint: mixed ?? 'pass the encoding (CLI: --encoding shift_jis, euc-kr, gb18030...)' })
  }
  const text = stripBom(iconv.decode(buf, codecFor(detected.encoding), { stripBOM: true }))
  const warning =
    detected.confidence < 0.5
      ? `the encoding was detected as ${detected.encoding} with low confidence; if the text looks garbled pass --encoding (utf-8, shift_jis, euc-kr, gb18030, big5)`
      : undefined
  return { text, encoding: detected.encoding, warning }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
