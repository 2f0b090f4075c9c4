/** Six English phrasings of three entries (two each), shared by the retrieval-stage tests. */
import { analyze, lexicalTerms, normalizeText } from '../../src/text/index.js'

/** The phrasings, two per entry. */
export const PHRASINGS = [
  'how long does delivery take',
  'when will my parcel arrive',
  'can i return an item',
  'how do i send an item back',
  'what payment methods do you accept',
  'can i pay with a credit card',
]
/** The entry of each phrasing. */
export const ENTRY_OF = Int32Array.from([0, 0, 1, 1, 2, 2])
/** The lexical terms of an English text, as the engine indexes them. */
export const terms = (text: string) => lexicalTerms(analyze(normalizeText(text), 'en'))
/** The lexical terms of phrasing `p`. */
export const termsOf = (p: number) => terms(PHRASINGS[p])
