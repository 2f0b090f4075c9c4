/**
 * Text as PostgreSQL stores it: a `text` value cannot hold U+0000, and `jsonb` refuses a lone
 * surrogate (JSON.stringify writes one as an escape). Both become U+FFFD before they are sent,
 * so one odd character a customer pasted never fails a batch of events or a conversation turn.
 */

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** The text with U+0000 and lone surrogates replaced by U+FFFD (null stays null). */
export function storable(text: string): string
export function storable(text: string | null): string | null
export function storable(text: string | null): string | null {
  return text === null ? null : text.replace(UNSTORABLE, '\uFFFD')
}
