/** Unicode script classes the analyser and the language detector care about. */
export type ScriptClass = 'hangul' | 'kana' | 'han' | 'latin' | 'digit' | 'other' | 'space'

const HANGUL = /[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]/u
const KANA = /[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]/u
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{2ffff}\u3005]/u
const LETTER = /\p{L}/u
const DIGIT = /\p{N}/u

/** The script class of one character (one code point). */
export function scriptOf(char: string): ScriptClass {
  const code = char.codePointAt(0) ?? 0
  if (code < 0x80) {
    if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) return 'latin'
    if (code >= 0x30 && code <= 0x39) return 'digit'
    if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) return 'space'
    return 'other'
  }
  if (HANGUL.test(char)) return 'hangul'
  if (KANA.test(char) || char === 'ー') return 'kana'
  if (HAN.test(char)) return 'han'
  if (LETTER.test(char)) return 'latin'
  if (DIGIT.test(char)) return 'digit'
  if (/\s/u.test(char)) return 'space'
  return 'other'
}

/**
 * Whether a character is written in a CJK script: Han (with 々), kana (with ー) or Hangul, as
 * {@link scriptOf} classifies it. The one definition of "CJK" for every stage (the analyser's
 * script runs and the n-gram similarity of the content reports agree on it).
 */
export function isCjkChar(char: string): boolean {
  const script = scriptOf(char)
  return script === 'han' || script === 'kana' || script === 'hangul'
}

/** A maximal run of characters of one script class. */
export interface ScriptRun {
  script: ScriptClass
  text: string
}

/**
 * Split text into runs of one script class. Kana and Han are kept in one `cjk` run for Japanese
 * by the caller when it needs words; here they stay separate so that counts are exact.
 */
export function scriptRuns(text: string): ScriptRun[] {
  const runs: ScriptRun[] = []
  let current: ScriptRun | undefined
  for (const char of text) {
    const script = scriptOf(char)
    if (current && current.script === script) current.text += char
    else {
      current = { script, text: char }
      runs.push(current)
    }
  }
  return runs
}
