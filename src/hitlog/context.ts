/**
 * What the hit log keeps of an ask's context besides the query: the page it was asked from and
 * the conversation before it. Both are customer data: a page path may carry an order number or
 * an e-mail address in its query string, a turn anything the customer typed. This module bounds
 * and normalises them (no redaction here: `redaction.ts` does that, like for the query), so the
 * writer stores, and the queries look up, pages in one form.
 */
import { AskPlaceSchema, baseLanguage, parseOptions, type AskPlace, type PlaceSuggestion, type Turn } from '../schema.js'
import { PlaceQueryOptionsSchema, type PlaceQueryOptions, type ResolvedHitLogOptions } from './options.js'

/** Longest page path kept (the limit of `AskPlace.page`). */
export const MAX_PAGE_LENGTH = 2000
/**
 * Characters read past `maxChars` before a turn is redacted: a phone number or an e-mail
 * address that straddles the cut is still seen whole by the detectors (an e-mail address is at
 * most 320 characters), so no half of one is stored unmasked.
 */
export const REDACTION_MARGIN = 400

/**
 * A page as stored and looked up: trimmed, without its query string and fragment (`?id=…`,
 * `#…`: where personal data in a URL usually sits, and never part of where the customer is), and
 * without a trailing slash (`/checkout/` is `/checkout`; `/` stays). Null when nothing is left.
 * Redaction comes after this, like for queries.
 */
export function normalisePage(page: unknown): string | null {
  if (typeof page !== 'string') return null
  let path = page.trim()
  const cut = path.search(/[?#]/)
  if (cut >= 0) path = path.slice(0, cut)
  path = path.trim().slice(0, MAX_PAGE_LENGTH)
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1)
  return path === '' ? null : path
}

/**
 * A page to look up: one page (`/checkout/payment`), or a page family written with a final
 * `/*` (`/products/*`: `/products` and every page under it, such as `/products/123`; not
 * `/products-old`). Null when no page is given.
 */
export interface PageLookup {
  /** The normalised page (the family's root for a family; `` for `/*`, every page). */
  page: string
  family: boolean
}

/** Parse a page to look up (see {@link PageLookup}). */
export function pageLookup(page: string | undefined): PageLookup | null {
  if (page === undefined) return null
  const trimmed = page.trim()
  if (trimmed === '/*' || trimmed === '*') return { page: '', family: true }
  if (trimmed.endsWith('/*')) {
    const root = normalisePage(trimmed.slice(0, -2))
    return root === null ? null : { page: root === '/' ? '' : root, family: true }
  }
  const exact = normalisePage(trimmed)
  return exact === null ? null : { page: exact, family: false }
}

/** A call of `entriesAskedFrom` parsed once, for either hit log: the page to look up, the filters, the window and a cache key. */
export interface PlaceQuery {
  lookup: PageLookup | null
  lang: string | undefined
  channel: string | undefined
  limit: number
  minSupport: number
  windowMs: number
  /** The same for two calls that must get the same answer. */
  key: string
}

/** Validate and parse the arguments of `entriesAskedFrom` (`INVALID_OPTIONS` for a malformed place or options). */
export function placeQuery(place: AskPlace, options: PlaceQueryOptions, defaultWindowMs: number): PlaceQuery {
  const where = parseOptions(AskPlaceSchema, place, 'entriesAskedFrom')
  const opts = parseOptions(PlaceQueryOptionsSchema, options, 'entriesAskedFrom')
  const lookup = pageLookup(where.page)
  const lang = where.lang === undefined ? undefined : baseLanguage(where.lang)
  const windowMs = opts.windowMs ?? defaultWindowMs
  const key = JSON.stringify([lookup, lang ?? null, where.channel ?? null, opts.limit, opts.minSupport, windowMs])
  return { lookup, lang, channel: where.channel, limit: opts.limit, minSupport: opts.minSupport, windowMs, key }
}

/**
 * A place's most asked entries as suggestions: none when the place has fewer than `minSupport`
 * questions; otherwise the first `limit` entries with at least `minSupport` each, with their share.
 */
export function placeSuggestions(counts: { questions: number; entries: { entryId: string; count: number }[] }, query: Pick<PlaceQuery, 'limit' | 'minSupport'>, source: PlaceSuggestion['source']): PlaceSuggestion[] {
  if (counts.questions < query.minSupport) return []
  return counts.entries
    .filter((e) => e.count >= query.minSupport)
    .slice(0, query.limit)
    .map((e) => ({ entryId: e.entryId, count: e.count, share: Math.round((e.count / counts.questions) * 10_000) / 10_000, source }))
}

/** One turn, bounded but not yet redacted. */
export interface BoundedTurn {
  role: string
  /** The start of the text: `maxChars` plus {@link REDACTION_MARGIN} characters at most. */
  text: string
  /** Characters of the text not read (beyond the margin). */
  unread: number
  /** The turn's time, ms since epoch; null when not given or not a date. */
  at: number | null
}

/** One turn as stored: redacted and cut to `maxChars`. */
export interface StoredTurn {
  role: string
  /** The redacted text (null in `hash` mode). */
  text: string | null
  /** `hash` mode: the salted hash of the masked text. */
  hash: string | null
  at: number | null
  /** Characters of the turn left out (of its redacted text). */
  cut: number
}

/** The turns to store: the last `max` well-formed turns, and how many were left out. Null when the context has no turns. */
export function boundTurns(turns: unknown, limits: ResolvedHitLogOptions['turns']): { turns: BoundedTurn[]; omitted: number } | null {
  if (!Array.isArray(turns)) return null
  const wellFormed = turns.filter((t): t is Turn => typeof t === 'object' && t !== null && typeof (t as Turn).text === 'string' && typeof (t as Turn).role === 'string')
  const kept = limits.max === 0 ? [] : wellFormed.slice(-limits.max)
  const read = limits.maxChars + REDACTION_MARGIN
  return {
    omitted: turns.length - kept.length,
    turns: kept.map((t) => ({ role: t.role.slice(0, 16), text: t.text.slice(0, read), unread: Math.max(0, t.text.length - read), at: turnTime(t.at) })),
  }
}

/** A turn's time in ms, from an ISO date-time (a number or a Date are taken too); null otherwise. */
function turnTime(at: unknown): number | null {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN
  return Number.isFinite(ms) ? Math.round(ms) : null
}

/** Redacted text cut to `maxChars` (never leaving half of a surrogate pair), and the characters cut. */
export function cutText(text: string, maxChars: number): { text: string; cut: number } {
  if (text.length <= maxChars) return { text, cut: 0 }
  let end = maxChars
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return { text: text.slice(0, end), cut: text.length - end }
}
