/**
 * Building blocks of the report page: escaping, number formats, tables, bar charts sized to
 * their labels, definition links and entry labels in the viewer's language. Every piece of
 * text from the log or the FAQ goes through {@link escapeHtml} here.
 */
import { DEFINITIONS, type DefinitionKey } from './definitions.js'
import type { EntryReport, OpsReport } from './types.js'

/** Chart and decision colours. */
export const COLORS = { answer: '#2e7d32', clarify: '#f9a825', escalate: '#c62828', bar: '#1565c0', muted: '#90a4ae' }

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** A whole number with thousands separators. */
export const fmt = (n: number) => n.toLocaleString('en-US')
/** A ratio as a percentage with one decimal. */
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`
/** The date part of an ISO time ('—' for none). */
export const day = (s: string | null) => (s ? s.slice(0, 10) : '—')

/** A small "?" link to a figure's definition. */
export function def(key: DefinitionKey): string {
  return `<a class="def" href="#def-${key}" title="${escapeHtml(DEFINITIONS[key][1])}">?</a>`
}

/** A column header: text, and the link to its definition. */
export type Head = string | [string, DefinitionKey]

/** A table (cells are HTML already escaped; numbers are formatted); `rowAttrs` adds attributes per row (e.g. `data-lang`). */
export function table(head: Head[], rows: (string | number)[][], cls = '', rowAttrs: string[] = []): string {
  if (rows.length === 0) return '<p class="empty">None.</p>'
  const th = head.map((h) => (typeof h === 'string' ? `<th>${escapeHtml(h)}</th>` : `<th>${escapeHtml(h[0])} ${def(h[1])}</th>`)).join('')
  return `<div class="table-wrap"><table class="${cls}"><thead><tr>${th}</tr></thead><tbody>${rows
    .map((r, i) => `<tr${rowAttrs[i] ?? ''}>${r.map((c) => `<td>${typeof c === 'number' ? fmt(c) : c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`
}

/** ` data-lang="…"` for the language filter (base codes, space-separated). */
export function langAttr(langs: (string | null | undefined)[]): string {
  const set = [...new Set(langs.filter((l): l is string => !!l).map((l) => l.slice(0, 2).toLowerCase()))]
  return set.length ? ` data-lang="${escapeHtml(set.join(' '))}"` : ''
}

/**
 * ` data-channel="…"` for the channel filter: each channel URI-encoded (so one with a space stays
 * one), space-separated; nothing for a row with no channel, which the filter never hides.
 */
export function channelAttr(channels: Iterable<string>): string {
  const set = [...new Set(channels)].sort()
  return set.length ? ` data-channel="${escapeHtml(set.map(encodeURIComponent).join(' '))}"` : ''
}

/** Cut a label to `max` characters (the full text goes in a title attribute). */
export function cut(text: string, max = 80): string {
  const chars = [...text]
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text
}

/**
 * A horizontal bar chart in HTML: labels wrap inside their column (never clipped, long ones cut
 * with the full text as a title), bars are sized to what is left beside the value.
 */
export function bars(items: { label: string; html?: string; value: number; title?: string; lang?: string[]; channels?: string[] }[], color: string, aria: string): string {
  if (items.length === 0) return '<p class="empty">Nothing to show.</p>'
  const max = Math.max(1, ...items.map((i) => i.value))
  const rows = items.map((it) => {
    const f = it.value / max
    const label = it.html ?? escapeHtml(cut(it.label))
    return `<div class="bar-row"${langAttr(it.lang ?? [])}${channelAttr(it.channels ?? [])}><div class="bar-label chart-label" title="${escapeHtml(it.title ?? it.label)}">${label}</div><div class="bar-track"><span class="bar" style="width:calc((100% - 4.5em) * ${f.toFixed(4)});background:${color}"></span><span class="bar-value chart-label">${fmt(it.value)}</span></div></div>`
  })
  return `<div class="chart bars" role="img" aria-label="${escapeHtml(aria)}">${rows.join('')}</div>`
}

/**
 * Shows entries by their question in the viewer's chosen language: the entry's own question,
 * and its translation group's questions in other languages (hidden until chosen), its id small.
 */
export class EntryLabels {
  private readonly byId: Map<string, EntryReport>
  constructor(private readonly report: OpsReport) {
    this.byId = new Map(report.entries.map((e) => [e.id, e]))
  }

  /** The entry's language (base code), when known. */
  lang(id: string): string | null {
    const l = this.byId.get(id)?.lang
    return l ? l.slice(0, 2).toLowerCase() : null
  }

  /** The channels the entry took part in during the window (see {@link EntryReport.channels}). */
  channels(id: string): string[] {
    return Object.keys(this.byId.get(id)?.channels ?? {})
  }

  /** The row attributes of the language and channel filters for rows about these entries. */
  attrs(...ids: string[]): string {
    return langAttr(ids.map((id) => this.lang(id))) + channelAttr(ids.flatMap((id) => this.channels(id)))
  }

  /** The entry's question (in its own language), or null. */
  question(id: string): string | null {
    return this.byId.get(id)?.question ?? null
  }

  /** HTML: the question (switchable by language), then the id, small. */
  html(id: string, fallback: string | null = null): string {
    const e = this.byId.get(id)
    const own = e?.question ?? fallback
    const idHtml = `<small class="id">${escapeHtml(id)}</small>`
    if (!own) return `<span class="q"><span>${escapeHtml(id)}</span></span>${e && !e.inKb ? ' <i>(not in FAQ)</i>' : ''}`
    const ownLang = e?.lang ? e.lang.slice(0, 2).toLowerCase() : ''
    const others = e?.group ? Object.entries(this.report.translations[e.group] ?? {}).filter(([l]) => l !== ownLang) : []
    const spans = [`<span${ownLang ? ` lang="${escapeHtml(ownLang)}"` : ''}>${escapeHtml(own)}</span>`, ...others.map(([l, q]) => `<span lang="${escapeHtml(l)}" hidden>${escapeHtml(q)}</span>`)]
    return `<span class="q">${spans.join('')}</span> ${idHtml}${e && !e.inKb ? ' <i>(not in FAQ)</i>' : ''}`
  }
}
