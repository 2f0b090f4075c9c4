/**
 * The report page: one self-contained HTML file (inline CSS, SVG and a few lines of script for
 * the language choice and filter; no network) that can be mailed or opened from disk. Sections
 * come in the order a content team acts on them (see sections.ts); every figure links to its
 * definition. Without script the page still reads: every entry in its own language, nothing hidden.
 */
import type { OpsReport } from './types.js'
import { def, EntryLabels, escapeHtml } from './kit.js'
import { definitionsSection, improveSection, mergeSection, pagesSection, staleSection, summarySection, surgeSection, tablesSection, unansweredSection } from './sections.js'

export { escapeHtml } from './kit.js'

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP","Noto Sans CJK KR","Noto Sans CJK SC",sans-serif;margin:24px auto;max-width:1180px;color:#263238;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #cfd8dc;padding-bottom:4px}h3{font-size:15px;margin:12px 0 4px}
.meta{color:#607d8b}.controls{display:flex;gap:18px;flex-wrap:wrap;margin:10px 0;padding:8px 12px;background:#f5f7f8;border-radius:6px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.card{border:1px solid #cfd8dc;border-radius:6px;padding:8px 14px;min-width:140px}
.card b{display:block;font-size:22px}.card span{display:block}.trend{font-size:12px}.trend.up{color:#2e7d32}.trend.down{color:#c62828}
.chart{width:100%;font-size:12px}svg.chart{height:auto;fill:#455a64}.spark{width:160px;height:40px}
.bars{display:flex;flex-direction:column;gap:3px;margin:8px 0}.bar-row{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:8px;align-items:center}
.bar-label{text-align:right;overflow-wrap:anywhere;word-break:break-word;min-width:0}.bar-track{display:flex;align-items:center;gap:6px;min-width:0}
.bar{display:inline-block;height:14px;min-width:1px;flex:none}.bar-value{flex:none;white-space:nowrap}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eceff1;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f5f7f8;overflow-wrap:normal}.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.alert{background:#ffebee;border-left:4px solid #c62828;padding:8px 12px}.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:8px 12px}
.warn{background:#fff8e1;border-left:4px solid #f9a825;padding:6px 12px;margin:4px 0}.empty{color:#90a4ae}code{background:#eceff1;padding:1px 4px;overflow-wrap:anywhere}
small.id{color:#90a4ae;font-size:11px}a.def{font-size:11px;color:#1565c0;text-decoration:none;border:1px solid #90caf9;border-radius:50%;padding:0 4px;margin-left:2px}
.cluster{border:1px solid #eceff1;border-radius:6px;padding:6px 12px;margin:10px 0}.cluster .count{color:#c62828}.examples{margin:4px 0;padding-left:20px}
pre.draft-json{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f7f8;padding:6px 8px;user-select:all;margin:4px 0}
details.full{margin:6px 0}details.full>summary{cursor:pointer;font-weight:600}dl.definitions dt{font-weight:600;margin-top:6px}dl.definitions dd{margin:0 0 0 16px}
[hidden]{display:none!important}
`

// The page's only script: the language in which questions are shown, and the language and
// channel filters (a row is shown when it passes both; a row without the attribute always passes).
// It reads nothing but the page's own attributes and fetches nothing.
const SCRIPT = `
const all = (s) => [...document.querySelectorAll(s)]
const view = document.getElementById('view-lang')
const only = document.getElementById('filter-lang')
const channel = document.getElementById('filter-channel')
function showIn(lang) {
  for (const q of all('.q')) {
    const spans = [...q.children]
    const pick = spans.find((s) => s.lang === lang) ?? spans[0]
    for (const s of spans) s.hidden = s !== pick
  }
}
function filter() {
  const lang = only.value
  const ch = channel.value === '' ? '' : encodeURIComponent(channel.value)
  for (const el of all('[data-lang], [data-channel]')) {
    const langOk = lang === '' || el.dataset.lang === undefined || el.dataset.lang.split(' ').includes(lang)
    const channelOk = ch === '' || el.dataset.channel === undefined || el.dataset.channel.split(' ').includes(ch)
    el.hidden = !(langOk && channelOk)
  }
}
view.addEventListener('change', () => showIn(view.value))
only.addEventListener('change', () => {
  filter()
  if (only.value) (view.value = only.value), showIn(only.value)
})
channel.addEventListener('change', filter)
`

/** Render a report as one self-contained HTML page (inline CSS, SVG and a small script; no network). */
export function renderReportHtml(report: OpsReport, options: { title?: string } = {}): string {
  const title = options.title ?? 'kotae content report'
  const labels = new EntryLabels(report)
  const langs = report.languagesSeen
  const option = (l: string) => `<option value="${escapeHtml(l)}">${escapeHtml(l)}</option>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Window ${escapeHtml(report.window.from.slice(0, 10))} – ${escapeHtml(report.window.to.slice(0, 10))} (${report.window.days} days) · log ${escapeHtml(report.coverage.firstEvent?.slice(0, 10) ?? '—')} – ${escapeHtml(report.coverage.lastEvent?.slice(0, 10) ?? '—')} · generated ${escapeHtml(report.generatedAt)} · <a href="#definitions">definitions</a></p>
<div class="controls">
<label>Show questions in <select id="view-lang"><option value="">each entry’s own language</option>${langs.map(option).join('')}</select></label>
<label>Only rows in <select id="filter-lang"><option value="">all languages</option>${langs.map(option).join('')}</select></label>
<label>Only rows in channel <select id="filter-channel"><option value="">all channels</option>${report.channelsSeen.map(option).join('')}</select> ${def('channel-filter')}</label>
</div>
${summarySection(report)}
${surgeSection(report, labels)}
${unansweredSection(report, labels)}
${improveSection(report, labels)}
${staleSection(report, labels)}
${mergeSection(report, labels)}
${pagesSection(report, labels)}
${tablesSection(report, labels)}
${definitionsSection()}
<script>${SCRIPT}</script>
</body></html>
`
}
