/** The text stage: normalise, detect language, analyse into terms and features. */
export { normalizeText } from './normalize.js'
export { detectLanguage, hanStatistics, type HanLanguageStats } from './language.js'
export { analyze, lexicalTerms, segmentWords, stemEnglish, type AnalyzedText } from './analyze.js'
