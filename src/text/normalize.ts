/**
 * Text normalisation shared by indexing and querying, so that both sides of every comparison
 * see the same characters: NFKC folds full-width forms (Ｑ＆Ａ → Q&A, ｶﾀｶﾅ → カタカナ),
 * case is folded and runs of whitespace collapse to one space.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim()
}
