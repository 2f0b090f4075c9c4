/**
 * Folding for redaction: NFKC per code point, remembering where each folded code unit came from,
 * so detection runs on the folded text (full-width forms look like ASCII) while the stored text is
 * the customer's original with only the sensitive spans replaced. Also how a custom pattern is
 * matched on the folded text and its mask written over the original spans.
 */

/** Counts the work done, in character visits (see `redactionCost`). */
export interface Meter {
  units: number
}

/** A text after NFKC folding, with where each folded code unit came from. */
export interface Folded {
  /** The folded text. */
  text: string
  /** For each code unit of `text` (and one past the end), the index in the original of the code point it came from. */
  origin: Int32Array
}

const foldCache = new Map<number, string | null>()
/** For BMP code points: 0 not yet seen, 1 unchanged by NFKC, 2 changed (see `foldCache`). */
const bmpFold = new Uint8Array(0x10000)

/** NFKC of one code point, or null when it is unchanged. Skips the big ranges NFKC leaves alone. */
function foldCodePoint(cp: number): string | null {
  if (cp < 0xa0) return null
  if (cp < 0x10000) {
    const st = bmpFold[cp]
    if (st === 1) return null
    if (st === 2) return foldCache.get(cp) ?? null
  }
  let f = foldCache.get(cp)
  if (f === undefined) {
    const s = String.fromCodePoint(cp)
    const n = s.normalize('NFKC')
    f = n === s ? null : n
    if (cp < 0x10000) {
      bmpFold[cp] = f === null ? 1 : 2
      if (f !== null) foldCache.set(cp, f)
    } else if (foldCache.size < 65_536) foldCache.set(cp, f)
  }
  return f
}

/** NFKC-fold a text one code point at a time, remembering the origin of every folded code unit (linear in the length). */
export function fold(text: string, meter: Meter): Folded {
  const n = text.length
  let origin = new Int32Array(n + 1)
  let parts: string[] | null = null
  let flushed = 0
  let out = 0
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i)
    let cp = c
    let len = 1
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000
        len = 2
      }
    }
    const f = foldCodePoint(cp)
    if (f === null) {
      origin[out++] = i
      if (len === 2) origin[out++] = i
      i += len
      continue
    }
    // Room for this expansion and for the rest of the text unchanged.
    const need = out + f.length + (n - i - len) + 1
    if (need > origin.length) {
      const grown = new Int32Array(Math.max(need, origin.length * 2))
      grown.set(origin.subarray(0, out))
      origin = grown
    }
    parts ??= []
    if (flushed < i) parts.push(text.slice(flushed, i))
    parts.push(f)
    for (let k = 0; k < f.length; k++) origin[out++] = i
    i += len
    flushed = i
  }
  meter.units += n
  origin[out] = n
  let folded = text
  if (parts !== null) {
    if (flushed < n) parts.push(text.slice(flushed))
    folded = parts.join('')
  }
  return { text: folded, origin: origin.length === out + 1 ? origin : origin.subarray(0, out + 1) }
}

/** End (exclusive, in the original) of the code point starting at original index `o`. */
export function originalEnd(original: string, o: number): number {
  const c = original.charCodeAt(o)
  if (c >= 0xd800 && c <= 0xdbff && o + 1 < original.length) {
    const d = original.charCodeAt(o + 1)
    if (d >= 0xdc00 && d <= 0xdfff) return o + 2
  }
  return o + 1
}

/** Applies one custom pattern to the folded text and writes its mask over the original spans; null when nothing matched. */
export function applyPattern(text: string, re: RegExp, mask: string): string | null {
  const fo = fold(text, { units: 0 })
  const parts: string[] = []
  let cursor = 0
  let hit = false
  for (const m of fo.text.matchAll(re)) {
    if (m[0].length === 0) continue
    const s = m.index
    const os = fo.origin[s]
    const oe = originalEnd(text, fo.origin[s + m[0].length - 1])
    if (os >= cursor) {
      parts.push(text.slice(cursor, os), mask)
    }
    cursor = Math.max(cursor, oe)
    hit = true
  }
  if (!hit) return null
  parts.push(text.slice(cursor))
  return parts.join('')
}
