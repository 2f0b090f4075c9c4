/**
 * Text normalisation shared by indexing and querying, so that both sides of every comparison
 * see the same characters: NFKC folds full-width forms (Ｑ＆Ａ → Q&A, ｶﾀｶﾅ → カタカナ),
 * case is folded and runs of whitespace collapse to one space.
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim()
}

/**
 * What is left of a text to match on: the normalised text with everything but letters and
 * digits removed. Two texts with the same key differ only in punctuation, spacing, width or
 * case (「送料はいくらですか？」 and 「送料はいくらですか」); an empty key means the text has
 * nothing to search for (emoji, punctuation, spaces).
 */
export function contentKey(text: string): string {
  return normalizeText(text).replace(/[^\p{L}\p{N}]+/gu, '')
}
