/**
 * The scan state the built-in detectors share (`detect.ts`, `address.ts`): which positions of the
 * folded text are masked or kept, the spans to write, and the character tests every scanner uses.
 */
import type { Meter } from './fold.js'

/** Cover of a folded position: not claimed by any pass. */
export const NONE = 0
/** Cover of a folded position: inside a masked span (later passes skip it and treat it as a boundary). */
export const MASKED = 1
/** Cover of a folded position: a date or postcode that is not masked (the digit runs leave it alone). */
export const KEPT = 2

/** An ASCII digit. */
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
/** An ASCII letter. */
export const isAsciiLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
/** A hyphen or dash of any kind people type between the parts of a postcode or a block number (- ‐ ‑ ‒ – — ― − ー). */
export const isDashLike = (c: number): boolean => c === 0x2d || (c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0x30fc

/** The state of one query's scan: which folded positions are masked or kept, and the spans to write. */
export class Scan {
  readonly n: number
  /** NONE, MASKED (inside a span: later passes skip it) or KEPT (a date or postcode: not masked). */
  readonly cover: Uint8Array
  /** At a span's start: its end (exclusive); 0 elsewhere. */
  readonly spanEnd: Int32Array
  readonly spanKind: Uint8Array
  /** Bit set of the kinds masked so far (bit `kind`). */
  found = 0

  constructor(
    readonly f: string,
    readonly meter: Meter,
  ) {
    this.n = f.length
    this.cover = new Uint8Array(this.n)
    this.spanEnd = new Int32Array(this.n)
    this.spanKind = new Uint8Array(this.n)
  }

  /** Masks [s, e) as `kind`. */
  mask(s: number, e: number, kind: number): void {
    this.spanEnd[s] = e
    this.spanKind[s] = kind
    this.cover.fill(MASKED, s, e)
    this.found |= 1 << kind
    this.meter.units += e - s
  }

  /** Keeps [s, e) (not masked, and not looked at by the digit runs). */
  keep(s: number, e: number): void {
    for (let k = s; k < e; k++) if (this.cover[k] === NONE) this.cover[k] = KEPT
    this.meter.units += e - s
  }

  /** The code unit at i, or -1 outside the text. */
  code(i: number): number {
    return i >= 0 && i < this.n ? this.f.charCodeAt(i) : -1
  }
}
