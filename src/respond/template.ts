/**
 * Answer templates: `{{customer.name}}`, `{{order.shipDate | date}}`, `{{points | number}}`,
 * `{{customer.name | default: "お客様"}}`. A small parser (no eval, no Function, no expression
 * language): a placeholder is a dotted path of plain names and a few fixed filters, so a
 * template can only ever read values, never run code. Values are read from own properties only
 * (never `__proto__`, `constructor` or a prototype's), formatted for the entry's language and
 * escaped for the channel. A placeholder without data is reported as missing, never rendered
 * as a hole.
 */

/** Most placeholders a template may hold (an answer is at most 20,000 characters anyway). */
export const MAX_PLACEHOLDERS = 100
/** Most characters of one inserted value; longer values are cut with `…`. */
export const MAX_VALUE_CHARS = 1000
/** Deepest path a placeholder may read (`order.items.first.name` is 4). */
const MAX_PATH_DEPTH = 8

/** The filters a placeholder may use. */
export const TEMPLATE_FILTERS = ['date', 'datetime', 'number', 'currency', 'upper', 'lower', 'default'] as const
/** One of {@link TEMPLATE_FILTERS}. */
export type TemplateFilter = (typeof TEMPLATE_FILTERS)[number]

/** How rendered text is escaped for the channel (see `AskOptions.format`). */
export type OutputFormat = 'text' | 'html' | 'markdown'

/** One `{{ … }}` of a template. */
export interface Placeholder {
  /** The variable's dotted path, split (`['order', 'shipDate']`). */
  path: string[]
  filters: Array<{ name: TemplateFilter; arg?: string }>
  /** The placeholder as written, for messages. */
  source: string
}

/** A parsed template: literal text and placeholders in order. */
export interface Template {
  parts: Array<string | Placeholder>
}

/** A template that cannot be parsed: what is wrong and where. */
export class TemplateSyntaxError extends Error {}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

/** Whether an answer is a template (holds a `{{`). */
export function isTemplate(text: string): boolean {
  return text.includes('{{')
}

/** Parse a template; throws {@link TemplateSyntaxError} naming the placeholder that is wrong. Linear in the text's length. */
export function parseTemplate(text: string): Template {
  const parts: Template['parts'] = []
  let at = 0
  let count = 0
  while (at < text.length) {
    const open = text.indexOf('{{', at)
    if (open < 0) break
    if (open > at) parts.push(text.slice(at, open))
    const close = text.indexOf('}}', open + 2)
    if (close < 0) throw new TemplateSyntaxError(`"${text.slice(open, open + 30)}" opens a variable with {{ but never closes it with }}`)
    if (++count > MAX_PLACEHOLDERS) throw new TemplateSyntaxError(`more than ${MAX_PLACEHOLDERS} variables in one answer`)
    parts.push(parsePlaceholder(text.slice(open, close + 2)))
    at = close + 2
  }
  if (at < text.length) parts.push(text.slice(at))
  return { parts }
}

function parsePlaceholder(source: string): Placeholder {
  const inner = source.slice(2, -2)
  if (inner.includes('{{')) throw new TemplateSyntaxError(`${source}: a variable cannot contain {{`)
  const [pathText, ...filterTexts] = inner.split('|')
  const path = pathText!.trim().split('.')
  if (path.length > MAX_PATH_DEPTH || !path.every((name) => NAME.test(name) && !FORBIDDEN.has(name))) {
    throw new TemplateSyntaxError(`${source}: a variable is a dotted path of plain names (letters, digits, _), such as {{customer.name}} or {{order.shipDate | date}}`)
  }
  const filters = filterTexts.map((filterText) => {
    const match = /^\s*([a-z]+)\s*(?::\s*(?:"([^"]{0,200})"|'([^']{0,200})'|([A-Za-z0-9_/+-]{1,64})))?\s*$/.exec(filterText)
    const name = match?.[1] as TemplateFilter | undefined
    if (!match || !name || !TEMPLATE_FILTERS.includes(name)) {
      throw new TemplateSyntaxError(`${source}: "${filterText.trim()}" is not a filter; use ${TEMPLATE_FILTERS.join(', ')} (e.g. {{order.shipDate | date}}, {{customer.name | default: "お客様"}})`)
    }
    const arg = match[2] ?? match[3] ?? match[4]
    return arg === undefined ? { name } : { name, arg }
  })
  return { path, filters, source }
}

/** The variables a template needs data for: those without a `default` filter, as dotted paths. */
export function requiredVariables(template: Template): string[] {
  const needed = template.parts.filter((p): p is Placeholder => typeof p !== 'string' && !p.filters.some((f) => f.name === 'default'))
  return [...new Set(needed.map((p) => p.path.join('.')))]
}

/** What a render needs besides the data: the entry's language (for dates and numbers) and the channel's format. */
export interface RenderOptions {
  /** The entry's language tag (`ja`, `zh-TW`): dates and numbers are written its way. */
  lang: string
  format: OutputFormat
  /** IANA time zone for date-times (default: the runtime's); dates without a time are never shifted. */
  timeZone?: string
}

/** A render: the text, or the variables that had no usable data (then there is no text). */
export type Rendered = { text: string; missing?: never } | { text?: never; missing: string[] }

/** Render a template with data. Any placeholder without usable data makes the whole render `missing`: never a text with holes. */
export function renderTemplate(template: Template, data: Record<string, unknown>, options: RenderOptions): Rendered {
  const out: string[] = []
  const missing: string[] = []
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out.push(options.format === 'html' ? escapeHtml(part) : part)
      continue
    }
    const value = formatted(part, data, options)
    if (value === undefined) missing.push(part.path.join('.'))
    else out.push(escapeValue(value, options.format))
  }
  return missing.length > 0 ? { missing: [...new Set(missing)] } : { text: out.join('') }
}

/** The literal text of a template up to its first placeholder that has no data (for an option preview that must not show a hole). */
export function renderUntilMissing(template: Template, data: Record<string, unknown>, options: RenderOptions): { text: string; complete: boolean } {
  const out: string[] = []
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out.push(part)
      continue
    }
    const value = formatted(part, data, options)
    if (value === undefined) return { text: out.join(''), complete: false }
    out.push(escapeValue(value, 'text'))
  }
  return { text: out.join(''), complete: true }
}

/** A value read along a path of own properties; undefined for anything else. */
function lookup(data: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = data
  for (const name of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, name)) return undefined
    value = (value as Record<string, unknown>)[name]
  }
  return value
}

/** The placeholder's value as text after its filters; undefined when there is no usable value. */
function formatted(placeholder: Placeholder, data: Record<string, unknown>, options: RenderOptions): string | undefined {
  let value: unknown = lookup(data, placeholder.path)
  let text: string | undefined = plain(value)
  for (const filter of placeholder.filters) {
    if (filter.name === 'default') {
      if (text === undefined || text.trim() === '') ((value = filter.arg ?? ''), (text = filter.arg ?? ''))
      continue
    }
    if (text === undefined) return undefined
    const next = applyFilter(filter.name, filter.arg, value, text, options)
    if (next === undefined) return undefined
    value = next
    text = next
  }
  return text === undefined || text.trim() === '' ? undefined : text
}

/** A scalar as text; objects, arrays, functions and empty values are no data. */
function plain(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
  return undefined
}

const LOCALES: Record<string, string> = { ja: 'ja-JP', ko: 'ko-KR', zh: 'zh-CN', en: 'en-US' }
const localeOf = (lang: string) => (lang.length > 2 ? lang : (LOCALES[lang.toLowerCase()] ?? 'en-US'))

function applyFilter(name: Exclude<TemplateFilter, 'default'>, arg: string | undefined, value: unknown, text: string, options: RenderOptions): string | undefined {
  const locale = localeOf(options.lang)
  try {
    switch (name) {
      case 'upper':
        return text.toLocaleUpperCase(locale)
      case 'lower':
        return text.toLocaleLowerCase(locale)
      case 'number': {
        const n = typeof value === 'number' ? value : Number(text)
        return Number.isFinite(n) ? new Intl.NumberFormat(locale).format(n) : undefined
      }
      case 'currency': {
        const n = typeof value === 'number' ? value : Number(text)
        if (!Number.isFinite(n) || !arg || !/^[A-Za-z]{3}$/.test(arg)) return undefined
        return new Intl.NumberFormat(locale, { style: 'currency', currency: arg.toUpperCase() }).format(n)
      }
      case 'date':
      case 'datetime': {
        const dateOnly = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.trim())
        const time = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(text)
        if (!Number.isFinite(time)) return undefined
        const style = arg === 'short' || arg === 'medium' || arg === 'long' || arg === 'full' ? arg : 'long'
        const timeZone = dateOnly ? 'UTC' : options.timeZone
        return new Intl.DateTimeFormat(locale, name === 'date' ? { dateStyle: style, timeZone } : { dateStyle: style, timeStyle: 'short', timeZone }).format(time)
      }
    }
  } catch {
    return undefined
  }
}

const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g

/** An inserted value made safe for the channel: never markup, never a template, never a control or bidi character; at most {@link MAX_VALUE_CHARS}. */
export function escapeValue(value: string, format: OutputFormat): string {
  let text = value.replace(CONTROL, '').replace(/[\r\n\t]+/g, ' ')
  if ([...text].length > MAX_VALUE_CHARS) text = [...text].slice(0, MAX_VALUE_CHARS - 1).join('') + '…'
  text = text.replace(/\{\{/g, '{ {').replace(/\}\}/g, '} }')
  if (format === 'html') return escapeHtml(text)
  if (format === 'markdown') return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`)
  return text.replace(/</g, '＜').replace(/>/g, '＞')
}

/** HTML-escape a text (the five characters that matter in content and attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}
