/**
 * Language detection for short queries in ja / ko / en / zh. Scripts decide most cases:
 * Hangul → ko, any kana → ja, Latin → en. Han-only text is the hard case (「配送料」 is both
 * Japanese and Chinese): the knowledge base's own phrasings break the tie, through a table of
 * how often each Han character occurs in its Japanese and its Chinese phrasings.
 */
import type { BaseLanguage } from '../schema.js'
import { scriptOf } from './script.js'

/** Per-character counts in the knowledge base's ja and zh phrasings, used to split Han-only text. */
export interface HanLanguageStats {
  ja: Map<string, number>
  zh: Map<string, number>
  jaTotal: number
  zhTotal: number
}

/** Characters written only in Simplified Chinese (a small, high-frequency sample). */
const SIMPLIFIED_ONLY = new Set(
  '们这个说么还没为发货订单吗呢吧哪谁过问题时间运费换账码邮优积购买请该对应关两边让给样钱银认识设删'.split(''),
)
/** Characters written only in Japanese shinjitai (not in Simplified or Traditional Chinese). */
const JAPANESE_ONLY = new Set('払届発帰駅円気変込様図続読売済戻渡労営検証権価県単'.split(''))

/** Build the Han character statistics from phrasings whose language is known. */
export function hanStatistics(phrasings: Array<{ text: string; lang: BaseLanguage }>): HanLanguageStats {
  const stats: HanLanguageStats = { ja: new Map(), zh: new Map(), jaTotal: 0, zhTotal: 0 }
  for (const { text, lang } of phrasings) {
    if (lang !== 'ja' && lang !== 'zh') continue
    const table = stats[lang]
    for (const char of text) {
      if (scriptOf(char) !== 'han') continue
      table.set(char, (table.get(char) ?? 0) + 1)
      if (lang === 'ja') stats.jaTotal++
      else stats.zhTotal++
    }
  }
  return stats
}

/**
 * Detect the base language of a (normalised or raw) text. `stats` comes from the knowledge
 * base and only matters for Han-only text; without it, Han-only text is Chinese unless it
 * holds a Japanese-only character.
 */
export function detectLanguage(text: string, stats?: HanLanguageStats): BaseLanguage {
  let hangul = 0
  let kana = 0
  let latin = 0
  const han: string[] = []
  for (const char of text) {
    const script = scriptOf(char)
    if (script === 'hangul') hangul++
    else if (script === 'kana') kana++
    else if (script === 'han') han.push(char)
    else if (script === 'latin') latin++
  }
  if (hangul > 0 && hangul >= kana) return 'ko'
  if (kana > 0) return 'ja'
  if (han.length === 0) return 'en'
  if (latin > han.length * 3) return 'en'
  return splitHan(han, stats)
}

function splitHan(han: string[], stats?: HanLanguageStats): BaseLanguage {
  let evidence = 0 // > 0 leans Japanese, < 0 leans Chinese
  for (const char of han) {
    if (JAPANESE_ONLY.has(char)) evidence += 3
    if (SIMPLIFIED_ONLY.has(char)) evidence -= 3
  }
  if (stats && stats.jaTotal + stats.zhTotal > 0) {
    // Naive Bayes over characters with add-one smoothing, prior from the base's own mix.
    const vocabulary = new Set([...stats.ja.keys(), ...stats.zh.keys()]).size + 1
    evidence += Math.log((stats.jaTotal + 1) / (stats.zhTotal + 1)) * 0.5
    for (const char of han) {
      const pJa = ((stats.ja.get(char) ?? 0) + 1) / (stats.jaTotal + vocabulary)
      const pZh = ((stats.zh.get(char) ?? 0) + 1) / (stats.zhTotal + vocabulary)
      evidence += Math.log(pJa / pZh)
    }
  }
  return evidence > 0 ? 'ja' : 'zh'
}
