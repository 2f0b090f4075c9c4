/**
 * Reading a customer's reply to a clarify as a pick by position: "2", 「2番」, 「二つ目」,
 * 「最初の」, 두 번째, 「첫 번째 거」, 「第二个」, 「选2」, "the second one", "option 1", "last".
 * The whole reply must be the pick (with the fillers people add: のやつ, 이요, 吧, please), so a
 * question that happens to hold a number (「2日で届く？」) is never read as one. Also tells a
 * reply that rejects every option (「どれも違う」, 都不是, 다 아니에요, "none of those").
 */

const DIGIT_WORDS: Record<string, number> = {
  一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10,
  ひと: 1, ふた: 2, みっ: 3, よっ: 4, いつ: 5,
  첫: 1, 두: 2, 세: 3, 네: 4, 다섯: 5, 하나: 1, 둘: 2, 셋: 3, 넷: 4, 일: 1, 이: 2, 삼: 3, 사: 4, 오: 5,
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, one: 1, two: 2, three: 3, four: 4, five: 5,
  '1st': 1, '2nd': 2, '3rd': 3, '4th': 4, '5th': 5,
}
/** A position from the end (`-1` = the last option). */
const LAST = -1

const JA = /^(?:えっと|えーと|じゃあ|では|あ)?(\d{1,2}|[一二三四五六七八九十]|ひと|ふた|みっ|よっ|いつ|最初|最後)(?:番目|番|つ目|個目|こ目|め)?(?:の)?(?:やつ|もの|方|ほう|ヤツ)?(?:で|です|でお願いします|をお願いします|お願いします|かな|ですね|で!)?$/u
const KO = /^(?:음|그럼|저는)?(\d{1,2}|첫|두|세|네|다섯|하나|둘|셋|넷|일|이|삼|사|오|마지막)(?:번째|번|째|번째거|번거)?(?:거|걸로|것|꺼|걸|것으로)?(?:요|이요|예요|이에요|에요|로요|으로요|로|으로|입니다|이오)?$/u
const ZH = /^(?:我)?(?:选|要|选择|挑)?(?:第)?(\d{1,2}|[一二三四五六七八九十]|最后)(?:个|項|项|条|條|號|号|種|种)?(?:吧|啊|呀|的|那个|這個|这个|就行|就好)?$/u
const EN = /^(?:(?:ok|okay|um|uh|hmm|well|i want|i'd like|i'll take|i mean|pick|choose|the|option|number|no\.?|#)\s*)*(\d{1,2}|first|second|third|fourth|fifth|one|two|three|four|five|1st|2nd|3rd|4th|5th|last)(?:\s*(?:one|option|choice|please|pls|thanks|thx))*$/u

/** The 1-based position a reply picks (`-1` for the last), or undefined when it is not a pick by position. */
export function readOrdinal(text: string): number | undefined {
  const folded = text.normalize('NFKC').toLowerCase().trim().replace(/[\s。．.!！?？~〜…、,ー-]+$/u, '').replace(/^[\s「『"']+|[\s」』"']+$/gu, '')
  if (folded === '' || folded.length > 40) return undefined
  const compact = folded.replace(/\s+/g, '')
  const spaced = folded.replace(/\s+/g, ' ')
  for (const [pattern, subject] of [[JA, compact], [KO, compact], [ZH, compact], [EN, spaced]] as const) {
    const match = pattern.exec(subject)
    if (!match) continue
    const core = match[1]!
    if (core === '最初') return 1
    if (core === '最後' || core === '最后' || core === '마지막' || core === 'last') return LAST
    if (/^\d+$/.test(core)) return Number(core)
    const value = DIGIT_WORDS[core]
    if (value !== undefined) return value
  }
  return undefined
}

const NONE = [
  /(?:どれも|どっちも|どちらも|全部|いずれも|ぜんぶ).{0,6}(?:違|ちが|ない|ません)/u,
  /^(?:いや|いいえ|違う|ちがう|違います|ちがいます)/u,
  /(?:都不|都没|都不是|不是这些|不是這些|没有我要|沒有我要|以上都)/u,
  /(?:다\s*아(?:니|닌|냐)|없어요|없네요|해당\s*없|^아니요|^아뇨|^아니)/u,
  /(?:わから|分から|わかんない|모르겠|몰라|不知道|不清楚|不太对|not sure|\bidk\b|dunno)/u,
  /\b(?:none|neither|nope|not really|not (?:any|either|those|these|them|it)|something else|nothing like that)\b/u,
  /^no\b/u,
]

/** Whether a reply rejects every option offered (「どれも違うかも」, "none of those tbh", 都不是). */
export function rejectsOptions(text: string): boolean {
  const folded = text.normalize('NFKC').toLowerCase().trim()
  return folded.length <= 80 && NONE.some((pattern) => pattern.test(folded))
}

const YES = /^(?:はい|うん|ええ|そう|そうです|そうそう|それ|それです|それで|それでお願いします|お願いします|네|예|응|맞아요|맞아|그거요|그거|네 맞아요|是|是的|对|对的|嗯|好|好的|就是这个|yes|yeah|yep|yup|sure|correct|right|that one|this one|ok|okay)$/u

/** Whether a reply confirms the one option of a confirming clarify (はい, 네, 是的, "yes"). */
export function confirmsOption(text: string): boolean {
  const folded = text.normalize('NFKC').toLowerCase().trim().replace(/[\s。．.!！?？~〜…、,ー-]+$/u, '').replace(/\s+/g, ' ')
  return YES.test(folded)
}

const TOPIC_CHANGE = /^(?:話(?:は)?変わ|ところで|そういえば|別件|別の質問|それとは別|对了|另外问|顺便问|换个问题|還有一個問題|그건 그렇고|다른 질문|그거 말고|also\b|btw\b|by the way|another question|different question|unrelated|on another note|ok nvm|nvm)/u

/** Whether a turn says it changes the topic (「話変わるけど」, 「对了」, 「그건 그렇고」, "also", "btw"): then it is never read with the previous entry. */
export function changesTopic(text: string): boolean {
  return TOPIC_CHANGE.test(text.normalize('NFKC').toLowerCase().trim())
}
