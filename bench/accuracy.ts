/**
 * Accuracy benchmark: kotae against real peer libraries on every benchmark set
 * (`../shared/datasets/*` and `fixtures/shop-faq`), with the metrics of FORMAT.md computed by
 * `computeMetrics` (src/eval/metrics.ts), so the definitions are the engine's own.
 *
 *   npx tsx bench/accuracy.ts
 *
 * Systems, all scored on the same test queries of a set (queries.jsonl when the set has
 * calib.jsonl, else the half of queries.jsonl not drawn by `splitQueries(queries, 0.5, 1)`):
 * - kotae, self-calibrated: `buildKnowledgeBase(entries)`, no labelled data (out of the box).
 * - kotae, calibrated: the same self-calibrated build, then `kb.calibrate(calib, { targetPrecision: 0.95 })`
 *   on calib.jsonl or the other half of the queries (exactly what `evaluateSet` does).
 * - peers, one document per phrasing, hits aggregated to distinct entries (max score per entry):
 *   MiniSearch (default tokenizer, BM25), MiniSearch with a CJK-aware tokenizer (Intl.Segmenter
 *   words + CJK character bigrams), Orama (default tokenizer), and a character 3-gram TF-IDF
 *   cosine kNN. A peer answers its top entry when the raw score reaches a threshold fitted on the
 *   same calibration queries (lowest threshold with ≥ 95% correct answers there, out-of-scope
 *   answers counted wrong), else escalates; peers never clarify.
 *
 * Prints the tables and a targets check, and writes its section between
 * <!-- accuracy:start --> and <!-- accuracy:end --> in bench/RESULTS.md (other sections are kept).
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import MiniSearch from 'minisearch'
import { create, insertMultiple, search as oramaSearch } from '@orama/orama'
import { buildKnowledgeBase, phrasingsOf, type KnowledgeBase } from '../src/engine.js'
import { loadFaq, readLabelledQueries } from '../src/ingest/index.js'
import { splitQueries, scoreQueries } from '../src/eval/run.js'
import { computeMetrics, METRIC_NAMES, type Metrics, type ScoredQuery } from '../src/eval/metrics.js'
import type { FaqEntry, LabelledQuery } from '../src/schema.js'
import { environmentLine, RESULTS, ROOT, writeSection } from './results.js'

const TARGET_PRECISION = 0.95
const LANGS = ['ja', 'ko', 'en', 'zh'] as const

/** One benchmark set, loaded and split. */
interface BenchSet {
  name: string
  entries: FaqEntry[]
  calib: LabelledQuery[]
  test: LabelledQuery[]
  calibSource: string
}

/** One row of a result table. */
interface Row {
  system: string
  calibration: string
  metrics: Metrics
  byLanguage?: Record<string, number>
  note?: string
}

/** A peer: ranks distinct entries with a raw score for a query. */
interface Peer {
  name: string
  rank(query: string): Array<{ id: string; score: number }>
}

// ---------------------------------------------------------------- sets

function setDirs(): string[] {
  const shared = join(ROOT, '../shared/datasets')
  const dirs = existsSync(shared) ? readdirSync(shared).sort().map((d) => join(shared, d)) : []
  dirs.push(join(ROOT, 'fixtures/shop-faq'))
  return dirs.filter((dir) => existsSync(join(dir, 'faq.jsonl')) && existsSync(join(dir, 'queries.jsonl')))
}

async function loadSet(dir: string): Promise<BenchSet> {
  const name = dir.split('/').pop()!
  const entries = await loadFaq(join(dir, 'faq.jsonl'))
  const queries = await readLabelledQueries(join(dir, 'queries.jsonl'))
  if (existsSync(join(dir, 'calib.jsonl'))) {
    return { name, entries, calib: await readLabelledQueries(join(dir, 'calib.jsonl')), test: queries, calibSource: 'calib.jsonl' }
  }
  const { calib, test } = splitQueries(queries, 0.5, 1)
  return { name, entries, calib, test, calibSource: 'half of queries (splitQueries 0.5, seed 1)' }
}

// ---------------------------------------------------------------- kotae

async function kotaeRows(set: BenchSet): Promise<Row[]> {
  const t = performance.now()
  // One build, as `kotae eval` does it: self-calibrated first (what users get before labelling
  // anything), then calibrated on the labelled data.
  const kb = await buildKnowledgeBase(set.entries)
  const selfRow = await kotaeRow('kotae', 'self (no labelled data)', kb, set.test)
  await kb.calibrate(set.calib, { targetPrecision: TARGET_PRECISION })
  console.log(`  ${set.name}: kotae built and calibrated ${((performance.now() - t) / 1000).toFixed(1)} s`)
  return [selfRow, await kotaeRow('kotae', set.calibSource, kb, set.test)]
}

async function kotaeRow(system: string, calibration: string, kb: KnowledgeBase, test: LabelledQuery[]): Promise<Row> {
  const { scored } = await scoreQueries(kb, test)
  return { system, calibration, metrics: computeMetrics(scored), byLanguage: topOneByLanguage(scored, test) }
}

function topOneByLanguage(scored: ScoredQuery[], test: LabelledQuery[]): Record<string, number> | undefined {
  const langs = new Set(test.map((q) => q.lang?.slice(0, 2)).filter(Boolean))
  if (langs.size < 2) return undefined
  const out: Record<string, number> = {}
  for (const lang of LANGS) out[lang] = computeMetrics(scored.filter((_, i) => test[i].lang?.slice(0, 2) === lang)).top1
  return out
}

// ---------------------------------------------------------------- peers

/** One document per phrasing (question and each variant), with its entry id. */
function phrasingDocs(entries: FaqEntry[]): Array<{ id: number; text: string; entry: string }> {
  const { texts, entryOf } = phrasingsOf(entries)
  return texts.map((text, i) => ({ id: i, text, entry: entries[entryOf[i]].id }))
}

/** Max score per entry, best first, at most `k` entries. */
function aggregate(hits: Iterable<{ entry: string; score: number }>, k = 10): Array<{ id: string; score: number }> {
  const best = new Map<string, number>()
  for (const hit of hits) if (hit.score > (best.get(hit.entry) ?? -Infinity)) best.set(hit.entry, hit.score)
  return [...best].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score).slice(0, k)
}

const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/u
const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' })

/** Intl.Segmenter words, plus character bigrams of every CJK run (fair to MiniSearch on ja/ko/zh). */
function cjkTokenize(text: string): string[] {
  const tokens: string[] = []
  for (const { segment, isWordLike } of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!isWordLike) continue
    tokens.push(segment)
  }
  for (const run of text.normalize('NFKC').match(new RegExp(CJK_RUN.source, 'gu')) ?? []) {
    const chars = [...run]
    for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i] + chars[i + 1])
  }
  return tokens
}

function miniSearchPeer(entries: FaqEntry[], name: string, tokenize?: (text: string) => string[]): Peer {
  const index = new MiniSearch<{ id: number; text: string; entry: string }>({ fields: ['text'], storeFields: ['entry'], ...(tokenize ? { tokenize } : {}) })
  index.addAll(phrasingDocs(entries))
  return { name, rank: (query) => aggregate(index.search(query).map((r) => ({ entry: r.entry as string, score: r.score }))) }
}

async function oramaPeer(entries: FaqEntry[]): Promise<Peer> {
  const db = await create({ schema: { text: 'string', entry: 'string' } as const })
  await insertMultiple(db, phrasingDocs(entries).map((d) => ({ text: d.text, entry: d.entry })))
  const rankSync = (query: string) => {
    const result = oramaSearch(db, { term: query, properties: ['text'], limit: 200 })
    if (result instanceof Promise) throw new Error('Orama search returned a promise')
    return aggregate(result.hits.map((h) => ({ entry: h.document.entry as string, score: h.score })))
  }
  return { name: 'Orama (default tokenizer)', rank: rankSync }
}

/** Character 3-grams of the normalised text, padded with spaces. */
function charGrams(text: string): Map<string, number> {
  const chars = [...` ${text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim()} `]
  const grams = new Map<string, number>()
  for (let i = 0; i + 3 <= chars.length; i++) {
    const g = chars[i] + chars[i + 1] + chars[i + 2]
    grams.set(g, (grams.get(g) ?? 0) + 1)
  }
  return grams
}

/** Character 3-gram TF-IDF (sublinear tf, smoothed idf), cosine kNN over phrasings via an inverted index. */
function tfidfPeer(entries: FaqEntry[]): Peer {
  const docs = phrasingDocs(entries)
  const grams = docs.map((d) => charGrams(d.text))
  const df = new Map<string, number>()
  for (const g of grams) for (const key of g.keys()) df.set(key, (df.get(key) ?? 0) + 1)
  const idf = (key: string) => Math.log((1 + docs.length) / (1 + (df.get(key) ?? 0))) + 1
  const weigh = (g: Map<string, number>) => {
    const w = new Map<string, number>()
    let norm = 0
    for (const [key, tf] of g) {
      const v = (1 + Math.log(tf)) * idf(key)
      w.set(key, v)
      norm += v * v
    }
    norm = Math.sqrt(norm) || 1
    for (const [key, v] of w) w.set(key, v / norm)
    return w
  }
  const postings = new Map<string, Array<[number, number]>>()
  grams.forEach((g, doc) => {
    for (const [key, v] of weigh(g)) {
      let list = postings.get(key)
      if (!list) postings.set(key, (list = []))
      list.push([doc, v])
    }
  })
  const scores = new Float64Array(docs.length)
  return {
    name: 'char 3-gram TF-IDF kNN',
    rank(query) {
      scores.fill(0)
      const touched: number[] = []
      for (const [key, q] of weigh(charGrams(query))) {
        for (const [doc, v] of postings.get(key) ?? []) {
          if (scores[doc] === 0) touched.push(doc)
          scores[doc] += q * v
        }
      }
      return aggregate(touched.map((doc) => ({ entry: docs[doc].entry, score: scores[doc] })))
    },
  }
}

/** Lowest raw-score threshold whose answers on the calibration queries are ≥ 95% correct (Infinity: never answer). */
function fitThreshold(peer: Peer, calib: LabelledQuery[]): number {
  const answered = calib
    .map((q) => {
      const top = peer.rank(q.query)[0]
      return top ? { score: top.score, correct: q.expected !== null && top.id === q.expected } : undefined
    })
    .filter((a): a is { score: number; correct: boolean } => a !== undefined)
    .sort((a, b) => b.score - a.score)
  // Answering everything with score ≥ t: walk t down through the observed scores.
  let correct = 0
  let best = Infinity
  for (let i = 0; i < answered.length; i++) {
    if (answered[i].correct) correct++
    const tieNext = i + 1 < answered.length && answered[i + 1].score === answered[i].score
    if (!tieNext && correct / (i + 1) >= TARGET_PRECISION) best = answered[i].score
  }
  return best
}

function peerRow(peer: Peer, set: BenchSet): Row {
  const threshold = fitThreshold(peer, set.calib)
  let empty = 0
  const scored: ScoredQuery[] = set.test.map((q) => {
    const ranked = peer.rank(q.query)
    if (ranked.length === 0) empty++
    const answer = ranked.length > 0 && ranked[0].score >= threshold
    return { expected: q.expected, ranked: ranked.map((r) => r.id), decision: answer ? 'answer' : 'escalate', answerId: answer ? ranked[0].id : undefined }
  })
  const thresholdText = Number.isFinite(threshold) ? threshold.toPrecision(3) : 'none (never answers)'
  return {
    system: peer.name,
    calibration: `${set.calibSource}; threshold ${thresholdText}`,
    metrics: computeMetrics(scored),
    note: `${empty} of ${set.test.length} test queries got no hit at all`,
  }
}

async function peerRows(set: BenchSet): Promise<{ rows: Row[]; cjkDrop?: string }> {
  const peers = [
    miniSearchPeer(set.entries, 'MiniSearch (default tokenizer, BM25)'),
    miniSearchPeer(set.entries, 'MiniSearch (CJK tokenizer: Segmenter + bigrams)', cjkTokenize),
    await oramaPeer(set.entries),
    tfidfPeer(set.entries),
  ]
  const rows: Row[] = []
  for (const peer of peers) {
    const t = performance.now()
    rows.push(peerRow(peer, set))
    console.log(`  ${set.name}: ${peer.name} ${((performance.now() - t) / 1000).toFixed(1)} s`)
  }
  return { rows }
}

// ---------------------------------------------------------------- output

const fmt = (x: number) => x.toFixed(3)

function table(set: BenchSet, rows: Row[]): string {
  const withLang = rows.some((r) => r.byLanguage)
  const head = ['system', 'calibration', 'n', ...METRIC_NAMES, ...(withLang ? LANGS.map((l) => `top1 ${l}`) : [])]
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`]
  for (const r of rows) {
    const cells = [r.system, r.calibration, String(r.metrics.n), ...METRIC_NAMES.map((m) => fmt(r.metrics[m]))]
    if (withLang) cells.push(...LANGS.map((l) => (r.byLanguage ? fmt(r.byLanguage[l]) : '')))
    lines.push(`| ${cells.join(' | ')} |`)
  }
  const notes = rows.filter((r) => r.note).map((r) => `${r.system}: ${r.note}`)
  const summary = `${set.entries.length} entries, ${phrasingsOf(set.entries).texts.length} phrasings; ${set.test.length} test queries (${set.test.filter((q) => q.expected === null).length} out-of-scope); calibration: ${set.calibSource} (${set.calib.length} queries, ${set.calib.filter((q) => q.expected === null).length} out-of-scope).`
  return [`### ${set.name}`, '', summary, '', ...lines, '', `Peers with no hit: ${notes.join('; ')}.`, ''].join('\n')
}

/** Queries with some CJK character for which Orama's default tokenizer returns no hit, measured. */
function oramaCjkNote(sets: Array<{ set: BenchSet; rows: Row[] }>): string {
  const parts = sets.map(({ set, rows }) => `${set.name}: ${rows.find((r) => r.system.startsWith('Orama'))?.note}`)
  return `Orama's default tokenizer splits on non-Latin characters, so Japanese, Chinese and Korean text yields no (or almost no) terms: ${parts.join('; ')}.`
}

interface Target {
  set: string
  label: string
  value: string
  met: boolean
}

function targets(results: Array<{ set: BenchSet; rows: Row[] }>): Target[] {
  const out: Target[] = []
  const kotae = (name: string) => results.find((r) => r.set.name === name)?.rows[1]
  const add = (set: string, label: string, value: number | undefined, met: (v: number) => boolean) => {
    if (value !== undefined) out.push({ set, label, value: fmt(value), met: met(value) })
  }
  const clinc = kotae('clinc150-dev')?.metrics
  if (clinc) {
    add('clinc150-dev', 'top1 ≥ 0.90', clinc.top1, (v) => v >= 0.9)
    add('clinc150-dev', 'automation ≥ 0.60 with answerPrecision ≥ 0.95', clinc.automation, (v) => v >= 0.6 && clinc.answerPrecision >= 0.95)
    add('clinc150-dev', 'answerPrecision ≥ 0.95', clinc.answerPrecision, (v) => v >= 0.95)
    add('clinc150-dev', 'oosRecall ≥ 0.7', clinc.oosRecall, (v) => v >= 0.7)
  }
  const para = kotae('parakqc-ko-dev')?.metrics
  if (para) {
    add('parakqc-ko-dev', 'top1 ≥ 0.92', para.top1, (v) => v >= 0.92)
    add('parakqc-ko-dev', 'automation ≥ 0.60 with answerPrecision ≥ 0.95', para.automation, (v) => v >= 0.6 && para.answerPrecision >= 0.95)
    add('parakqc-ko-dev', 'answerPrecision ≥ 0.95', para.answerPrecision, (v) => v >= 0.95)
  }
  add('banking77-dev', 'top1 ≥ 0.88', kotae('banking77-dev')?.metrics.top1, (v) => v >= 0.88)
  const shop = results.find((r) => r.set.name === 'shop-faq')
  const shopRow = shop?.rows[1]
  if (shop && shopRow?.byLanguage) {
    for (const lang of LANGS) add('shop-faq', `top1 ${lang} ≥ 0.95`, shopRow.byLanguage[lang], (v) => v >= 0.95)
    const oos = shop.set.test.filter((q) => q.expected === null).length
    const wrongOos = Math.round(shopRow.metrics.nOutOfScope - shopRow.metrics.oosRecall * shopRow.metrics.nOutOfScope)
    out.push({ set: 'shop-faq', label: 'no answers on out-of-scope queries', value: `${wrongOos} of ${oos} answered`, met: wrongOos === 0 })
  }
  return out
}

function targetTable(list: Target[]): string {
  return ['| set | target (calibrated kotae) | value | met |', '|---|---|---|---|', ...list.map((t) => `| ${t.set} | ${t.label} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`)].join('\n')
}




// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const results: Array<{ set: BenchSet; rows: Row[] }> = []
  const started = performance.now()
  for (const dir of setDirs()) {
    const set = await loadSet(dir)
    const t0 = performance.now()
    const rows = [...(await kotaeRows(set)), ...(await peerRows(set)).rows]
    results.push({ set, rows })
    const text = table(set, rows)
    console.log(`${text}\n(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`)
  }
  if (!results.some((r) => r.set.name === 'shop-faq')) console.log('fixtures/shop-faq/faq.jsonl missing: shop-faq skipped.')
  const checks = targets(results)
  const targetText = targetTable(checks)
  console.log(targetText)
  const body = [
    '## Accuracy (`npx tsx bench/accuracy.ts`)',
    '',
    environmentLine(),
    `Total run time ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    '',
    'Metrics are FORMAT.md\'s, computed by `computeMetrics` (src/eval/metrics.ts). Every row of a set is scored on the same test queries: queries.jsonl when the set has calib.jsonl, else the half of queries.jsonl that `splitQueries(queries, 0.5, 1)` does not draw for calibration. ' +
      '"self" = `buildKnowledgeBase(entries)` with no labelled data; the calibrated kotae row is the same build, then `kb.calibrate(calib, { targetPrecision: 0.95 })`. ' +
      'Peers index one document per phrasing and keep the best score per entry; they answer their top entry when its raw score reaches the lowest threshold that gives ≥ 95% correct answers on the same calibration queries (out-of-scope answers count as wrong), else escalate; they never clarify. ' +
      'The CJK tokenizer is `Intl.Segmenter` words plus character bigrams of CJK runs.',
    '',
    ...results.map(({ set, rows }) => table(set, rows)),
    oramaCjkNote(results),
    '',
    '### Targets',
    '',
    targetText,
    results.some((r) => r.set.name === 'shop-faq') ? '' : '\nshop-faq was skipped: fixtures/shop-faq/faq.jsonl was missing.',
  ].join('\n')
  writeSection('accuracy', body)
  console.log(`\nWrote the accuracy section of ${RESULTS}.`)
}

await main()
