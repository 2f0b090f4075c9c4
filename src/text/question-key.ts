/**
 * The comparable form of a question: what is left when width, case, punctuation, symbols,
 * spacing and one polite or question ending or opener (ですか・でしょうか・ください… /
 * 인가요・예요・나요… / 吗・请问… / please) are taken away. Two questions with the same key ask
 * the same thing in the same words: the import's conflict check and the engine's verbatim rule
 * both compare questions this way.
 */
import type { BaseLanguage } from '../schema.js'
import { normalizeText } from './normalize.js'

/** Removed from keys: punctuation, separators, other/modifier symbols (emoji, ★, ♪, ^). */
export const STRIPPED = /[\p{P}\p{Z}\p{So}\p{Sk}\s]+/gu
/** Between two digits a removed character still separates numbers: 1〜3日 is not 13日. */
const BETWEEN_DIGITS = /(?<=\d)[\p{P}\p{Z}\p{So}\p{Sk}\s~]+(?=\d)/gu
/** A thousands separator, removed: 5,000円 = 5000円. */
const THOUSANDS = /(?<=\d),(?=\d{3}(?!\d))/gu
const HAS_DIGIT = /\d/u

/** Polite / question endings and openers that do not change what is asked (sorted longest first below). */
const AFFIXES: Record<BaseLanguage, { prefixes: string[]; suffixes: string[] }> = {
  ja: {
    prefixes: ['すみません', 'すいません'],
    suffixes: [
      'いただけませんでしょうか', 'いただけますでしょうか', 'いただけませんか', 'いただけますか', '頂けませんか', '頂けますか',
      'もらえませんか', 'もらえますか', 'くださいませんか', 'くださいませ', 'ください', '下さい',
      'なのでしょうか', 'なんでしょうか', 'なのですか', 'なんですか', 'のでしょうか', 'んでしょうか', 'のですか', 'んですか',
      'でしょうか', 'ですかね', 'ですよね', 'ですか', 'ですね', 'です', 'ますか', 'ます', 'なの', 'かな', 'か',
    ],
  },
  ko: {
    prefixes: ['혹시'],
    suffixes: ['주시겠어요', '주실래요', '주세요', '인가요', '입니까', '인지요', '이에요', '예요', '에요', '이죠', '나요', '습니까', '요'],
  },
  zh: { prefixes: ['请问', '請問'], suffixes: ['吗', '嗎', '呢', '吧', '呀', '啊'] },
  en: { prefixes: ['please'], suffixes: ['please'] },
}
for (const affixes of Object.values(AFFIXES)) for (const list of [affixes.prefixes, affixes.suffixes]) list.sort((a, b) => b.length - a.length)
/** The characters some ending of the language ends with (a cheap first test). */
const ENDING_LAST = Object.fromEntries(Object.entries(AFFIXES).map(([lang, a]) => [lang, new Set(a.suffixes.map((x) => x.at(-1)))])) as Record<BaseLanguage, Set<string | undefined>>

/** Strip endings (repeatedly: ますでしょうか → ます → ∅) and one opener; keep at least 2 characters. */
function stripAffixes(text: string, lang: BaseLanguage): string {
  const { prefixes, suffixes } = AFFIXES[lang]
  let s = text
  for (let round = 0; round < 3 && ENDING_LAST[lang].has(s.at(-1)); round++) {
    const before = s
    for (const suffix of suffixes) {
      if (!s.endsWith(suffix)) continue
      const rest = s.slice(0, -suffix.length)
      if (lang === 'en' && rest !== '' && !rest.endsWith(' ')) continue // English: whole words only
      if (rest.trim().length >= 2) s = rest.trimEnd()
      break
    }
    if (s === before) break
  }
  for (const prefix of prefixes) {
    if (!s.startsWith(prefix)) continue
    const rest = s.slice(prefix.length)
    if (lang === 'en' && rest !== '' && !rest.startsWith(' ')) continue
    if (rest.trim().length >= 2) s = rest.trimStart()
    break
  }
  return s
}

/** Case/width-folded text, stripped characters replaced by single spaces, affixes removed. */
export function spacedForm(text: string, lang: BaseLanguage): string {
  let s = normalizeText(text)
  if (HAS_DIGIT.test(s)) s = s.replace(THOUSANDS, '').replace(BETWEEN_DIGITS, '|')
  return stripAffixes(s.replace(STRIPPED, ' ').trim(), lang)
}


/** The key of a question: {@link spacedForm} without its spaces. */
export function questionKey(text: string, lang: BaseLanguage): string {
  return spacedForm(text, lang).replace(/ /g, '')
}
