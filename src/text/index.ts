/** The text stage: normalise, detect language, analyse into terms and features; n-gram similarity for the content reports. */
export { contentKey, normalizeText } from './normalize.js'
export { detectLanguage, hanStatistics, type HanLanguageStats } from './language.js'
export { analyze, classifierTerms, fieldTerms, indexTerms, lexicalTerms, segmentWords, sentences, stemEnglish, type AnalyzedText, type CjkGram } from './analyze.js'
export { questionKey } from './question-key.js'
export { comparableText, cosine, denseCosine, ngramVector, NgramIndex, type NgramVector } from './similarity.js'
