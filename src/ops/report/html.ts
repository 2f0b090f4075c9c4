/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no script, no network) that
 * can be mailed or opened from disk. Charts are generated here as SVG so nothing is fetched.
 */
import type { OpsReport, SurgeReport } from './build.js'

const COLORS = { answer: '#2e7d32', clarify: '#f9a825', escalate: '#c62828', bar: '#1565c0', muted: '#90a4ae' }

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

const fmt = (n: number) => n.toLocaleString('en-US')
const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const day = (s: string | null) => (s ? s.slice(0, 10) : '—')

function stackedTimeline(report: OpsReport): string {
  const pts = report.timeline.points
  const W = 900
  const H = 240
  const padL = 50
  const padB = 30
  const padT = 10
  const max = Math.max(1, ...pts.map((p) => p.answer + p.clarify + p.escalate))
  const bw = (W - padL - 10) / Math.max(1, pts.length)
  const y = (v: number) => padT + (H - padT - padB) * (1 - v / max)
  const bars: string[] = []
  pts.forEach((p, i) => {
    let acc = 0
    for (const k of ['answer', 'clarify', 'escalate'] as const) {
      const v = p[k]
      if (v <= 0) continue
      const y0 = y(acc)
      const y1 = y(acc + v)
      acc += v
      bars.push(`<rect x="${(padL + i * bw).toFixed(1)}" y="${y1.toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${(y0 - y1).toFixed(1)}" fill="${COLORS[k]}"><title>${escapeHtml(p.start)} ${k}: ${v}</title></rect>`)
    }
  })
  const ticks = [0, 0.5, 1].map((f) => `<text x="${padL - 6}" y="${y(max * f) + 4}" text-anchor="end">${fmt(Math.round(max * f))}</text><line x1="${padL}" x2="${W - 10}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#eceff1"/>`)
  const step = Math.max(1, Math.ceil(pts.length / 8))
  const labels = pts
    .map((p, i) => (i % step === 0 ? `<text x="${(padL + i * bw + bw / 2).toFixed(1)}" y="${H - 10}" text-anchor="middle">${escapeHtml(report.timeline.bucketMs < 86_400_000 ? p.start.slice(5, 13).replace('T', ' ') + 'h' : p.start.slice(5, 10))}</text>` : ''))
    .join('')
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="Volume and decisions over time">${ticks.join('')}${bars.join('')}${labels}</svg>
<div class="legend">${(['answer', 'clarify', 'escalate'] as const).map((k) => `<span><i style="background:${COLORS[k]}"></i>${k}</span>`).join('')}</div>`
}

function hbar(items: { label: string; value: number; title?: string }[], color = COLORS.bar, aria = 'bar chart'): string {
  if (items.length === 0) return '<p class="empty">Nothing to show.</p>'
  const W = 900
  const rowH = 22
  const labelW = 330
  const max = Math.max(1, ...items.map((i) => i.value))
  const H = items.length * rowH + 6
  const rows = items.map((it, i) => {
    const w = ((W - labelW - 70) * it.value) / max
    const label = it.label.length > 48 ? it.label.slice(0, 47) + '…' : it.label
    return `<text x="${labelW - 6}" y="${i * rowH + 16}" text-anchor="end">${escapeHtml(label)}</text><rect x="${labelW}" y="${i * rowH + 4}" width="${Math.max(1, w).toFixed(1)}" height="${rowH - 8}" fill="${color}"><title>${escapeHtml(it.title ?? it.label)}: ${it.value}</title></rect><text x="${(labelW + w + 6).toFixed(1)}" y="${i * rowH + 16}">${fmt(it.value)}</text>`
  })
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(aria)}">${rows.join('')}</svg>`
}

function surgeChart(s: SurgeReport): string {
  const vals = [...s.baseline].reverse().concat([s.count])
  const W = 160
  const H = 40
  const max = Math.max(1, ...vals)
  const bw = W / vals.length
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" role="img" aria-label="baseline weeks and recent window">${vals
    .map((v, i) => {
      const h = (H - 4) * (v / max)
      return `<rect x="${(i * bw + 1).toFixed(1)}" y="${(H - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${i === vals.length - 1 ? COLORS.escalate : COLORS.muted}"><title>${i === vals.length - 1 ? 'recent' : `${vals.length - 1 - i} week(s) before`}: ${v}</title></rect>`
    })
    .join('')}</svg>`
}

function table(head: string[], rows: (string | number)[][], cls = ''): string {
  if (rows.length === 0) return '<p class="empty">None.</p>'
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? fmt(c) : c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`
}

/** Render a report as one self-contained HTML page (inline SVG charts, no script, no network). */
export function renderReportHtml(report: OpsReport, options: { title?: string } = {}): string {
  const title = options.title ?? 'kotae content report'
  const t = report.totals
  const topEntries = report.entries.filter((e) => e.hits > 0).slice(0, 15)
  const alerts = report.surges.alerts
  const surgeRows = (list: SurgeReport[]) =>
    list.map((s) => [escapeHtml(s.kind), escapeHtml(s.label), `<b>${fmt(s.count)}</b>`, s.expected.toFixed(1), Number.isFinite(s.ratio) ? `${s.ratio.toFixed(1)}×` : 'new', s.pValue.toExponential(1), escapeHtml(s.basis), surgeChart(s)])
  const summary = [
    ['events', t.events, 'total-events'],
    ['answered', t.answer, 'total-answer'],
    ['clarified', t.clarify, 'total-clarify'],
    ['escalated', t.escalate, 'total-escalate'],
  ] as const
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:24px auto;max-width:980px;color:#263238;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #cfd8dc;padding-bottom:4px}
.meta{color:#607d8b}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.card{border:1px solid #cfd8dc;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:22px}.chart{width:100%;height:auto;font-size:11px;fill:#455a64}.spark{width:160px;height:40px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eceff1;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f5f7f8}.legend span{margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
.alert{background:#ffebee;border-left:4px solid #c62828;padding:8px 12px}.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:8px 12px}
.warn{background:#fff8e1;border-left:4px solid #f9a825;padding:6px 12px;margin:4px 0}.empty{color:#90a4ae}code{background:#eceff1;padding:1px 4px}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">Window ${escapeHtml(day(report.window.from))} – ${escapeHtml(day(report.window.to))} (${report.window.days} days) · log ${escapeHtml(day(report.coverage.firstEvent))} – ${escapeHtml(day(report.coverage.lastEvent))} · generated ${escapeHtml(report.generatedAt)}</p>
${report.warnings.map((w) => `<p class="warn">${escapeHtml(w)}</p>`).join('')}
<div class="cards">${summary.map(([label, n, id]) => `<div class="card"><b data-testid="${id}">${fmt(n)}</b>${label}</div>`).join('')}<div class="card"><b data-testid="answer-rate">${pct(t.answerRate)}</b>answer rate</div></div>

<h2 id="surges">Surge alerts</h2>
${alerts.length ? `<p class="alert" data-testid="surge-count">${alerts.length} surge alert(s) in the last ${Math.round(report.surges.windowMs / 60000)} minutes</p>` : `<p class="ok" data-testid="surge-count">No surge in the last ${Math.round(report.surges.windowMs / 60000)} minutes</p>`}
${table(['kind', 'what', 'recent', 'baseline mean', 'ratio', 'p', 'baseline', 'weeks → now'], surgeRows(alerts), 'surges')}
${report.surges.watch.length ? `<h3>Watch list (p &lt; 0.05, not flagged)</h3>${table(['kind', 'what', 'recent', 'baseline mean', 'ratio', 'p', 'baseline', 'weeks → now'], surgeRows(report.surges.watch.slice(0, 10)))}` : ''}
<p class="meta">Rule: ${escapeHtml(report.surges.rule)}</p>

<h2 id="volume">Volume and decisions over time</h2>
${stackedTimeline(report)}

<h2 id="top">Top entries</h2>
${hbar(topEntries.map((e) => ({ label: e.question ? `${e.id} · ${e.question}` : e.id, value: e.hits })), COLORS.bar, 'Top entries by hits')}
${table(
  ['entry', 'lang', 'group', 'answers', 'offered', 'picked', 'resolved', 'not helpful', 'hit rate', 'last hit'],
  report.entries.slice(0, 50).map((e) => [escapeHtml(e.id) + (e.inKb ? '' : ' <i>(not in FAQ)</i>'), escapeHtml(e.lang ?? ''), escapeHtml(e.group ?? ''), e.answers, e.offered, e.picked, e.resolved, e.notHelpful, pct(e.hitRate), escapeHtml(day(e.lastHit))]),
  'entries',
)}
${report.groups.length ? `<h3>Translation groups</h3>${table(['group', 'entries', 'answers', 'offered', 'picked', 'not helpful', 'hits', 'hit rate', 'last hit'], report.groups.slice(0, 50).map((g) => [escapeHtml(g.key), g.entries, g.answers, g.offered, g.picked, g.notHelpful, g.hits, pct(g.hitRate), escapeHtml(day(g.lastHit))]))}` : ''}
${report.languages.length ? `<h3>Languages</h3>${table(['language', 'entries', 'answers', 'offered', 'picked', 'not helpful', 'hits', 'hit rate'], report.languages.map((g) => [escapeHtml(g.key), g.entries, g.answers, g.offered, g.picked, g.notHelpful, g.hits, pct(g.hitRate)]))}` : ''}

<h2 id="pages">Questions per page</h2>
${report.pages.length ? `<p>What people ask on the <b data-testid="page-count">${report.pages.length}</b> page(s) with the most questions: the entries to offer there before they ask (proactive FAQ prompts), and the share the bot could not answer. Pages are shown as the hit log stores them: without query string, redacted like questions.</p>
${table(
  ['page', 'questions', 'unanswered', 'top entries (questions, share)'],
  report.pages.map((p) => [
    `<code>${escapeHtml(p.page)}</code>`,
    p.questions,
    pct(p.unansweredShare),
    p.entries.length ? p.entries.map((e) => `${escapeHtml(e.id)}${e.question ? ` · ${escapeHtml(e.question)}` : ''} <span class="meta">×${fmt(e.count)} (${pct(e.share)})</span>`).join('<br>') : '<span class="empty">none answered</span>',
  ]),
  'pages',
)}` : '<p class="empty">No question in the window came with a page (pass <code>page</code> in the ask context).</p>'}

<h2 id="reasons">Why questions were answered, clarified or escalated</h2>
${table(['reason', 'questions', 'share'], report.reasons.map((r) => [escapeHtml(r.reason), r.count, pct(report.totals.events ? r.count / report.totals.events : 0)]), 'reasons')}

<h2 id="unanswered">Unanswered clusters</h2>
<p><span data-testid="unanswered-total">${fmt(report.unanswered.total)}</span> escalated or low-confidence questions${report.unanswered.hashed ? ` (${fmt(report.unanswered.hashed)} stored as hashes, not clustered)` : ''}. Each cluster is a draft for a new entry.</p>
${hbar(report.unanswered.clusters.slice(0, 12).map((c) => ({ label: c.representatives[0]?.query ?? c.id, value: c.count })), COLORS.escalate, 'Unanswered clusters by size')}
${table(
  ['cluster', 'questions', 'last hour', 'representative queries', 'nearest entry'],
  report.unanswered.clusters.slice(0, 30).map((c) => [escapeHtml(c.id), c.count, c.recent, c.representatives.map((r) => `${escapeHtml(r.query)} <span class="meta">×${r.count}</span>`).join('<br>'), c.nearestEntry ? `${escapeHtml(c.nearestEntry.id)}${c.nearestEntry.similarity !== null ? ` <span class="meta">(${c.nearestEntry.similarity})</span>` : ''}` : '—']),
  'clusters',
)}

<h2 id="stale">Stale entries</h2>
<p>Entries with fewer than ${report.stale.minHits} hit(s) in the window: <b data-testid="stale-count">${report.stale.entries.length}</b>. Prune with <code>kotae prune &lt;kb&gt; --min-hits ${report.stale.minHits} --since ${Math.round(report.window.days)}d -o pruned.jsonl</code> (writes a new file; nothing is deleted in place).</p>
${hbar(report.stale.entries.slice(0, 15).map((e) => ({ label: e.id, value: e.groupHits ?? 0, title: `${e.id}: hits of its translation group` })), COLORS.muted, 'Stale entries: hits of their translation group')}
${table(['entry', 'lang', 'hits', 'group hits', 'updated', 'question'], report.stale.entries.slice(0, 100).map((e) => [escapeHtml(e.id), escapeHtml(e.lang ?? ''), e.hits, e.groupHits ?? '—', escapeHtml(day(e.updatedAt)), escapeHtml(e.question ?? '')]), 'stale')}
${report.stale.oldestUpdated.length ? `<h3>Oldest content</h3>${table(['entry', 'updated', 'hits'], report.stale.oldestUpdated.map((e) => [escapeHtml(e.id), escapeHtml(day(e.updatedAt)), e.hits]))}` : ''}

<h2 id="duplicates">Near-duplicates (merge candidates)</h2>
${table(['entry A', 'entry B', 'close top-two events', 'share'], report.nearDuplicates.coRanked.slice(0, 30).map((p) => [escapeHtml(p.a), escapeHtml(p.b), p.count, pct(p.share)]))}
${report.nearDuplicates.similarPhrasings.length ? `<h3>Near-identical phrasings</h3>${table(['entry A', 'entry B', 'similarity', 'phrasing A', 'phrasing B'], report.nearDuplicates.similarPhrasings.slice(0, 30).map((p) => [escapeHtml(p.a), escapeHtml(p.b), p.similarity.toFixed(2), escapeHtml(p.phrasingA), escapeHtml(p.phrasingB)]))}` : ''}
</body></html>
`
}
