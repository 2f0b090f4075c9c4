/**
 * The report page's sections, in the order a content team acts on them: summary, surges,
 * unanswered clusters, entries to improve, stale groups, merge candidates, pages, full tables,
 * definitions. Each takes the report data and returns HTML (all text escaped in kit.ts helpers).
 */
import type { OpsReport, SurgeReport } from './types.js'
import { DEFINITIONS, type DefinitionKey } from './definitions.js'
import { bars, channelAttr, COLORS, cut, day, def, escapeHtml, fmt, langAttr, pct, table, type EntryLabels, type Head } from './kit.js'

const IMPROVE_TEXT = { 'often-clarified': 'often clarified', 'not-helpful': 'marked not helpful', 'passed-over': 'often passed over' } as const

function trend(now: number, before: number, covered: boolean, kind: 'count' | 'rate'): string {
  if (!covered) return '<span class="trend meta">no earlier data</span>'
  if (kind === 'count') {
    if (before === 0) return `<span class="trend meta">previous: ${fmt(before)}</span>`
    const change = (now - before) / before
    return `<span class="trend meta">${change >= 0 ? '▲' : '▼'} ${pct(Math.abs(change))} vs ${fmt(before)}</span>`
  }
  const points = (now - before) * 100
  return `<span class="trend ${points >= 0 ? 'up' : 'down'}">${points >= 0 ? '▲' : '▼'} ${Math.abs(points).toFixed(1)} pts vs ${pct(before)}</span>`
}

function card(label: string, key: DefinitionKey, value: string, testid: string, extra = ''): string {
  return `<div class="card"><b data-testid="${testid}">${value}</b><span>${escapeHtml(label)} ${def(key)}</span>${extra}</div>`
}

function timeline(report: OpsReport): string {
  const pts = report.timeline.points
  const W = 1100
  const H = 220
  const padL = 50
  const padR = 30
  const padB = 30
  const padT = 10
  const max = Math.max(1, ...pts.map((p) => p.answer + p.clarify + p.escalate))
  const bw = (W - padL - padR) / Math.max(1, pts.length)
  const y = (v: number) => padT + (H - padT - padB) * (1 - v / max)
  const rects: string[] = []
  pts.forEach((p, i) => {
    let acc = 0
    for (const k of ['answer', 'clarify', 'escalate'] as const) {
      const v = p[k]
      if (v <= 0) continue
      const y0 = y(acc)
      const y1 = y(acc + v)
      acc += v
      rects.push(`<rect x="${(padL + i * bw).toFixed(1)}" y="${y1.toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${(y0 - y1).toFixed(1)}" fill="${COLORS[k]}"><title>${escapeHtml(p.start)} ${k}: ${v}</title></rect>`)
    }
  })
  const ticks = [0, 0.5, 1].map((f) => `<line x1="${padL}" x2="${W - padR}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#eceff1"/><text class="chart-label" x="${padL - 6}" y="${y(max * f) + 4}" text-anchor="end">${fmt(Math.round(max * f))}</text>`)
  const step = Math.max(1, Math.ceil(pts.length / 10))
  const labels = pts
    .map((p, i) => (i % step === 0 ? `<text class="chart-label" x="${(padL + i * bw + bw / 2).toFixed(1)}" y="${H - 10}" text-anchor="middle">${escapeHtml(report.timeline.bucketMs < 86_400_000 ? p.start.slice(5, 13).replace('T', ' ') + 'h' : p.start.slice(5, 10))}</text>` : ''))
    .join('')
  return `<svg class="chart timeline" viewBox="0 0 ${W} ${H}" role="img" aria-label="Volume and decisions over time">${ticks.join('')}${rects.join('')}${labels}</svg>
<div class="legend">${(['answer', 'clarify', 'escalate'] as const).map((k) => `<span><i style="background:${COLORS[k]}"></i>${k}</span>`).join('')}</div>`
}

/** Volume, automation, the decisions, the trend against the previous window, and the warnings. */
export function summarySection(report: OpsReport): string {
  const t = report.totals
  const p = report.previous
  const c = p.covered
  return `<h2 id="summary">Summary</h2>
${report.warnings.map((w) => `<p class="warn" data-testid="warning">${escapeHtml(w)}</p>`).join('')}
<div class="cards">
${card('questions', 'questions', fmt(t.events), 'total-events', trend(t.events, p.events, c, 'count'))}
${card('automation rate', 'automation-rate', pct(t.automationRate), 'automation-rate', trend(t.automationRate, p.automationRate, c, 'rate'))}
${card('answer rate', 'answer-rate', pct(t.answerRate), 'answer-rate', trend(t.answerRate, p.answerRate, c, 'rate'))}
${card('answered', 'answered', fmt(t.answer), 'total-answer', `<span class="meta">${pct(t.answerRate)}</span>`)}
${card('clarified', 'clarified', fmt(t.clarify), 'total-clarify', `<span class="meta">${pct(t.clarifyRate)}</span>`)}
${card('escalated', 'escalated', fmt(t.escalate), 'total-escalate', `<span class="meta">${pct(t.escalateRate)}</span>`)}
</div>
<p class="meta">Trend ${def('trend')}: against ${escapeHtml(day(p.from))} – ${escapeHtml(day(p.to))}, the ${report.window.days} days before this window.</p>
${timeline(report)}`
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

/** Surge alerts and the watch list, with the rule in plain words. */
export function surgeSection(report: OpsReport, labels: EntryLabels): string {
  const alerts = report.surges.alerts
  const minutes = Math.round(report.surges.windowMs / 60000)
  const head: Head[] = ['what', ['recent', 'recent'], ['baseline mean', 'baseline-mean'], ['ratio', 'ratio'], ['p', 'p'], 'weeks → now']
  const rows = (list: SurgeReport[]) => list.map((s) => [s.kind === 'entry' ? labels.html(s.key) : `<span class="q"><span>${escapeHtml(s.label)}</span></span> <small class="id">cluster</small>`, `<b>${fmt(s.count)}</b>`, s.expected.toFixed(1), Number.isFinite(s.ratio) ? `${s.ratio.toFixed(1)}×` : 'new', s.pValue.toExponential(1), surgeChart(s)])
  const clusterChannels = new Map(report.unanswered.clusters.map((c) => [c.id, Object.keys(c.channels)]))
  const attrs = (list: SurgeReport[]) => list.map((s) => (s.kind === 'entry' ? labels.attrs(s.key) : channelAttr(clusterChannels.get(s.key) ?? [])))
  return `<h2 id="surges">Surge alerts ${def('surge')}</h2>
${alerts.length ? `<p class="alert" data-testid="surge-count">${alerts.length} surge alert(s) in the last ${minutes} minutes</p>` : `<p class="ok" data-testid="surge-count">No surge in the last ${minutes} minutes</p>`}
${alerts.length ? table(head, rows(alerts), 'surges', attrs(alerts)) : ''}
${report.surges.watch.length ? `<h3>Watch list (p &lt; 0.05, not flagged)</h3>${table(head, rows(report.surges.watch.slice(0, 10)), 'watch', attrs(report.surges.watch.slice(0, 10)))}` : ''}
<p class="meta rule">Rule: ${escapeHtml(report.surges.rule)}</p>`
}

/** Unanswered clusters: examples, counts, the engine's nearest entry, and a draft entry to copy. */
export function unansweredSection(report: OpsReport, labels: EntryLabels): string {
  const u = report.unanswered
  const clusters = u.clusters.slice(0, 30)
  const items = clusters.map((c) => {
    const langs = Object.keys(c.languages)
    const nearest = c.nearestEntry
      ? `${labels.html(c.nearestEntry.id, c.nearestEntry.question)} <span class="meta">top candidate of ${pct(c.nearestEntry.share)} of them, mean confidence ${c.nearestEntry.confidence.toFixed(2)}</span>`
      : '<span class="empty">none: the engine found no candidate</span>'
    const draft = JSON.stringify({ id: '', lang: c.draft.lang, question: c.draft.question, variants: c.draft.variants, answer: '' })
    return `<article class="cluster"${langAttr(langs)}${channelAttr(Object.keys(c.channels))} data-testid="cluster">
<h3><span class="count">${fmt(c.count)}</span> × “${escapeHtml(cut(c.representatives[0]?.query ?? c.id, 120))}”</h3>
<p class="meta">${fmt(c.distinct)} distinct wording(s) · ${langs.map((l) => `${escapeHtml(l)} ${fmt(c.languages[l])}`).join(', ')} · ${fmt(c.recent)} in the last surge window · first ${escapeHtml(day(new Date(c.firstSeen).toISOString()))}, last ${escapeHtml(day(new Date(c.lastSeen).toISOString()))}${c.settled ? ` · ${fmt(c.settled)} resolved since ${def('settled')}` : ''}</p>
<ul class="examples">${c.representatives.map((r) => `<li${channelAttr(r.channels)}>${escapeHtml(r.query)} <span class="meta">×${fmt(r.count)}${r.channels.length ? ` · ${r.channels.map(escapeHtml).join(', ')}` : ''}</span></li>`).join('')}</ul>
<p>Engine’s nearest entry ${def('nearest-entry')}: ${nearest}</p>
<details class="draft" open><summary>Draft entry (copy into the FAQ file, write the answer)</summary><pre class="draft-json">${escapeHtml(draft)}</pre></details>
</article>`
  })
  return `<h2 id="unanswered">Unanswered clusters ${def('cluster')}</h2>
<p><span data-testid="unanswered-total">${fmt(u.total)}</span> unanswered ${def('unanswered')} questions${u.hashed ? ` (${fmt(u.hashed)} stored as hashes, not clustered)` : ''} in ${fmt(u.clusters.length)} cluster(s)${u.resolvedClusters ? `; <span data-testid="resolved-clusters">${fmt(u.resolvedClusters)}</span> more were resolved since and are not listed` : ''}. Each is a draft for a new entry, or for variants of the nearest one.</p>
${bars(clusters.slice(0, 12).map((c) => ({ label: c.representatives[0]?.query ?? c.id, value: c.count, lang: Object.keys(c.languages), channels: Object.keys(c.channels) })), COLORS.escalate, 'Unanswered clusters by size')}
${items.join('\n') || '<p class="empty">None.</p>'}`
}

/** Entries clarified more than answered, marked not helpful, or passed over. */
export function improveSection(report: OpsReport, labels: EntryLabels): string {
  const list = report.improve.slice(0, 40)
  return `<h2 id="improve">Entries to improve</h2>
<p>Entries whose wording competes with another (${def('often-clarified')} often clarified), whose answer did not help (${def('not-helpful')}), or that were offered and not chosen (${def('passed-over')}). Reword the question, add variants, or fix the answer.</p>
${table(
  ['entry', 'why', ['offered', 'offered'], ['answered', 'answered'], ['picked', 'picked'], ['passed over', 'passed-over'], ['not helpful', 'not-helpful']],
  list.map((x) => [labels.html(x.id), x.reasons.map((r) => IMPROVE_TEXT[r]).join(', '), x.offered, x.answers, x.picked, x.passedOver, x.notHelpful]),
  'improve',
  list.map((x) => labels.attrs(x.id)),
)}`
}

/** Stale translation groups: every language without hits. */
export function staleSection(report: OpsReport, labels: EntryLabels): string {
  const s = report.stale
  const groups = s.groups.slice(0, 60)
  return `<h2 id="stale">Stale entries ${def('stale')}</h2>
<p><b data-testid="stale-group-count">${fmt(s.groups.length)}</b> translation group(s) had fewer than ${s.minHits} hit(s) ${def('hits')} in every language (<b data-testid="stale-count">${fmt(s.entries.length)}</b> entries are stale on their own; a group with a used language is kept). Prune with <code>kotae prune &lt;kb&gt; --min-hits ${s.minHits} --since ${Math.round(report.window.days)}d -o pruned.jsonl</code> (writes a new file; nothing is deleted in place).</p>
${table(
  ['group', 'entries (question, language, updated)', ['last hit', 'last-hit']],
  groups.map((g) => [`${escapeHtml(g.key)}${g.grouped ? '' : ' <small class="meta">(no group)</small>'}`, g.entries.map((e) => `${labels.html(e.id, e.question)} <span class="meta">${escapeHtml(e.lang ?? '')} · ${escapeHtml(day(e.updatedAt))}</span>`).join('<br>'), escapeHtml(day(g.lastHit))]),
  'stale',
  groups.map((g) => langAttr(g.entries.map((e) => e.lang)) + channelAttr(g.entries.flatMap((e) => labels.channels(e.id)))),
)}`
}

/** Merge candidates: both questions, the queries behind them, and why. */
export function mergeSection(report: OpsReport, labels: EntryLabels): string {
  const list = report.mergeCandidates.slice(0, 30)
  return `<h2 id="merge">Merge candidates</h2>
<p>Pairs of entries that may say the same thing: they keep coming back as a close top two ${def('co-ranked')} and their phrasings are alike ${def('similarity')}, or their phrasings are near-identical. Pairs that only compete for unrelated questions are left out.</p>
${table(
  ['entry A', 'entry B', 'why', 'closest phrasings', 'what people asked, then chose'],
  list.map((m) => [
    labels.html(m.a, m.questionA),
    labels.html(m.b, m.questionB),
    m.why.map((w) => (w === 'co-ranked' ? `co-ranked ${fmt(m.coRanked)} times (${pct(m.share)} ${def('share')})` : 'near-identical phrasings')).join('; ') + ` · topic similarity ${m.topicSimilarity.toFixed(2)} ${def('topic-similarity')}`,
    `“${escapeHtml(m.phrasingA)}”<br>“${escapeHtml(m.phrasingB)}”`,
    m.sharedQueries.length ? m.sharedQueries.map((q) => `${escapeHtml(q.query)} <span class="meta">→ ${escapeHtml(q.entryId)} ×${fmt(q.count)}</span>`).join('<br>') : '<span class="empty">no picks or resolutions yet</span>',
  ]),
  'merge',
  list.map((m) => labels.attrs(m.a, m.b)),
)}`
}

/** What people ask from each page. */
export function pagesSection(report: OpsReport, labels: EntryLabels): string {
  if (!report.pages.length) return `<h2 id="pages">Questions per page</h2>\n<p class="empty">No question in the window came with a page (pass <code>page</code> in the ask context).</p>`
  return `<h2 id="pages">Questions per page</h2>
<p>What people ask on the <b data-testid="page-count">${report.pages.length}</b> page(s) with the most questions: the entries to offer there before they ask (proactive FAQ prompts), and the share the bot could not answer. Pages are shown as the hit log stores them: without query string, redacted like questions.</p>
${table(
  ['page', ['questions', 'questions'], ['unanswered', 'page-unanswered'], ['top entries (share of the page’s questions)', 'page-share']],
  report.pages.map((p) => [
    `<code>${escapeHtml(p.page)}</code>`,
    p.questions,
    pct(p.unansweredShare),
    p.entries.length ? p.entries.map((e) => `${labels.html(e.id, e.question)} <span class="meta">×${fmt(e.count)} (${pct(e.share)})</span>`).join('<br>') : '<span class="empty">none answered</span>',
  ]),
  'pages',
)}`
}

/** The full tables, collapsed. */
export function tablesSection(report: OpsReport, labels: EntryLabels): string {
  const top = report.entries.filter((e) => e.hits > 0).slice(0, 15)
  const fold = (title: string, body: string, cls = '') => `<details class="full ${cls}"><summary>${escapeHtml(title)}</summary>${body}</details>`
  return `<h2 id="tables">Full tables</h2>
${fold(`Top entries (${top.length})`, bars(top.map((e) => ({ label: e.question ?? e.id, html: labels.html(e.id), value: e.hits, lang: [e.lang ?? ''], channels: Object.keys(e.channels) })), COLORS.bar, 'Top entries by hits'))}
${fold(
  `All entries (${report.entries.length})`,
  table(
    ['entry', 'lang', 'group', ['answers', 'answered'], ['offered', 'offered'], ['picked', 'picked'], ['resolved', 'resolved'], ['not helpful', 'not-helpful'], ['hits', 'hits'], ['hit rate', 'hit-rate'], ['last hit', 'last-hit']],
    report.entries.map((e) => [labels.html(e.id), escapeHtml(e.lang ?? ''), escapeHtml(e.group ?? ''), e.answers, e.offered, e.picked, e.resolved, e.notHelpful, e.hits, pct(e.hitRate), escapeHtml(day(e.lastHit))]),
    'entries',
    report.entries.map((e) => langAttr([e.lang]) + channelAttr(Object.keys(e.channels))),
  ),
)}
${report.groups.length ? fold(`Translation groups (${report.groups.length})`, table(['group', 'entries', ['answers', 'answered'], ['offered', 'offered'], ['picked', 'picked'], ['not helpful', 'not-helpful'], ['hits', 'hits'], ['hit rate', 'hit-rate'], ['last hit', 'last-hit']], report.groups.map((g) => [escapeHtml(g.key), g.entries, g.answers, g.offered, g.picked, g.notHelpful, g.hits, pct(g.hitRate), escapeHtml(day(g.lastHit))]), 'groups')) : ''}
${report.languages.length ? fold(`Languages (${report.languages.length})`, table(['language', 'entries', ['answers', 'answered'], ['offered', 'offered'], ['picked', 'picked'], ['not helpful', 'not-helpful'], ['hits', 'hits'], ['hit rate', 'hit-rate']], report.languages.map((g) => [escapeHtml(g.key), g.entries, g.answers, g.offered, g.picked, g.notHelpful, g.hits, pct(g.hitRate)]), 'languages', report.languages.map((g) => langAttr([g.key])))) : ''}
${fold(`Why questions were answered, clarified or escalated (${report.reasons.length} reasons)`, table([['reason', 'reason'], ['questions', 'questions'], ['share', 'reason-share']], report.reasons.map((r) => [escapeHtml(r.reason), r.count, pct(report.totals.events ? r.count / report.totals.events : 0)]), 'reasons'), 'reasons')}
${fold(`Stale entries, one by one (${report.stale.entries.length})`, table(['entry', 'lang', ['hits', 'hits'], ['group hits', 'group-hits'], 'updated'], report.stale.entries.slice(0, 200).map((e) => [labels.html(e.id), escapeHtml(e.lang ?? ''), e.hits, e.groupHits ?? '—', escapeHtml(day(e.updatedAt))]), 'stale-entries', report.stale.entries.slice(0, 200).map((e) => langAttr([e.lang]) + channelAttr(Object.keys(e.channels)))))}
${report.stale.oldestUpdated.length ? fold('Oldest content', table(['entry', 'updated', ['hits', 'hits']], report.stale.oldestUpdated.map((e) => [labels.html(e.id), escapeHtml(day(e.updatedAt)), e.hits]), 'oldest', report.stale.oldestUpdated.map((e) => labels.attrs(e.id)))) : ''}
${fold(`Co-ranked pairs, unfiltered (${report.nearDuplicates.coRanked.length})`, table(['entry A', 'entry B', ['close top-two', 'co-ranked'], ['share', 'share']], report.nearDuplicates.coRanked.slice(0, 100).map((p) => [labels.html(p.a), labels.html(p.b), p.count, pct(p.share)]), 'co-ranked', report.nearDuplicates.coRanked.slice(0, 100).map((p) => channelAttr([...labels.channels(p.a), ...labels.channels(p.b)]))))}`
}

/** Every figure's definition, the target of the page's "?" links. */
export function definitionsSection(): string {
  return `<h2 id="definitions">Definitions</h2>
<dl class="definitions">${Object.entries(DEFINITIONS)
    .map(([key, [term, text]]) => `<dt id="def-${key}">${escapeHtml(term)}</dt><dd>${escapeHtml(text)}</dd>`)
    .join('')}</dl>`
}
