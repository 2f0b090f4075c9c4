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
 *   cosine kNN;
 * - MiniSearch over question + answer: one document per entry, its phrasings in a `question` field
 *   (boosted 2×) and its answer in an `answer` field, CJK-aware tokenizer;
 * - nlp.js (`node-nlp` NlpManager, @nlpjs/lang-all tokenizers and stemmers): every phrasing is a
 *   training utterance of an intent named by the entry id, in the entry's language; entries are
 *   ranked by its intent classification scores. It is the only peer given the query's labelled
 *   language, because it keeps one model per language and must be told which one to ask.
 * Every peer answers its top entry when the raw score reaches a threshold fitted on the same
 * calibration queries (lowest threshold with ≥ 95% correct answers there, out-of-scope answers
 * counted wrong), else escalates; peers never clarify. Multilingual sets also get a per-language table.
 *
 * Prints the tables and a targets check, and writes its section between
 * <!-- accuracy:start --> and <!-- accuracy:end --> in bench/RESULTS.md (other sections are kept).
 */
import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import MiniSearch from 'minisearch'
import { create, insertMultiple, search as oramaSearch } from '@orama/orama'
import { buildKnowledgeBase, type KnowledgeBase } from '../src/engine.js'
import { phrasingsOf } from '../src/kb/parts.js'
import { loadFaqEntries, readLabelledQueries } from '../src/ingest/index.js'
import { splitQueries, scoreQueries } from '../src/eval/run.js'
import { computeMetrics, METRIC_NAMES, type Metrics, type ScoredQuery } from '../src/eval/metrics.js'
import { baseLanguage, type FaqEntry, type LabelledQuery } from '../src/schema.js'
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

/** One row of a result table, with the scored test queries (in `set.test` order) behind it. */
interface Row {
  system: string
  calibration: string
  scored: ScoredQuery[]
  metrics: Metrics
  note?: string
}

/** Distinct entries with a peer's raw score, best first. */
type Ranking = Array<{ id: string; score: number }>

/** A peer: ranks distinct entries with a raw score for a query. */
interface Peer {
  name: string
  /** `lang` is the query's labelled language; only nlp.js reads it (see the header). */
  rank(query: string, lang: string | undefined): Ranking | Promise<Ranking>
  /** What the table should say about how the peer was built. */
  note?: string
}

// ---------------------------------------------------------------- sets

/** Every benchmark set folder: ../shared/datasets/* and fixtures/shop-faq, those with faq.jsonl and queries.jsonl. */
function setDirs(): string[] {
  const shared = join(ROOT, '../shared/datasets')
  const dirs = existsSync(shared) ? readdirSync(shared).sort().map((d) => join(shared, d)) : []
  dirs.push(join(ROOT, 'fixtures/shop-faq'))
  return dirs.filter((dir) => existsSync(join(dir, 'faq.jsonl')) && existsSync(join(dir, 'queries.jsonl')))
}

/** Load a set and split it into calibration and test queries (calib.jsonl, or a seeded half of the queries). */
async function loadSet(dir: string): Promise<BenchSet> {
  const name = dir.split('/').pop()!
  const entries = await loadFaqEntries(join(dir, 'faq.jsonl'))
  const queries = await readLabelledQueries(join(dir, 'queries.jsonl'))
  if (existsSync(join(dir, 'calib.jsonl'))) {
    return { name, entries, calib: await readLabelledQueries(join(dir, 'calib.jsonl')), test: queries, calibSource: 'calib.jsonl' }
  }
  const { calib, test } = splitQueries(queries, 0.5, 1)
  return { name, entries, calib, test, calibSource: 'half of queries (splitQueries 0.5, seed 1)' }
}

// ---------------------------------------------------------------- kotae

/** The self-calibrated and the calibrated kotae rows, from one build. */
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

/** One kotae row: ask every test query of the knowledge base as it is now. */
async function kotaeRow(system: string, calibration: string, kb: KnowledgeBase, test: LabelledQuery[]): Promise<Row> {
  const { scored } = await scoreQueries(kb, test)
  return { system, calibration, scored, metrics: computeMetrics(scored) }
}

/** The base languages of the test queries, in LANGS order (a set is multilingual when there are several). */
function languagesOf(test: LabelledQuery[]): string[] {
  const present = new Set(test.map((q) => q.lang && baseLanguage(q.lang)))
  return LANGS.filter((lang) => present.has(lang))
}

/** Metrics of a row's scored queries per base language of the test queries; undefined for single-language sets. */
function metricsByLanguage(scored: ScoredQuery[], test: LabelledQuery[]): Map<string, Metrics> | undefined {
  const langs = languagesOf(test)
  if (langs.length < 2) return undefined
  return new Map(langs.map((lang) => [lang, computeMetrics(scored.filter((_, i) => test[i].lang && baseLanguage(test[i].lang) === lang))]))
}

/** Share of all queries the user gets the right entry for: correct answers plus clarify decisions offering the expected entry. */
function rightEntryShare(scored: ScoredQuery[]): number {
  const right = scored.filter((q) =>
    q.expected !== null && (q.decision === 'answer' ? q.answerId === q.expected : q.decision === 'clarify' && (q.optionIds ?? []).includes(q.expected)),
  ).length
  return scored.length === 0 ? 0 : right / scored.length
}

// ---------------------------------------------------------------- peers

/** One document per phrasing (question and each variant), with its entry id. */
function phrasingDocs(entries: FaqEntry[]): Array<{ id: number; text: string; entry: string }> {
  const { texts, entryOf } = phrasingsOf(entries)
  return texts.map((text, i) => ({ id: i, text, entry: entries[entryOf[i]].id }))
}

/** Max score per entry, best first, at most `k` entries. */
function aggregate(hits: Iterable<{ entry: string; score: number }>, k = 10): Ranking {
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

/** MiniSearch (BM25) over one document per phrasing, with its default or the given tokenizer. */
function miniSearchPeer(entries: FaqEntry[], name: string, tokenize?: (text: string) => string[]): Peer {
  const index = new MiniSearch<{ id: number; text: string; entry: string }>({ fields: ['text'], storeFields: ['entry'], ...(tokenize ? { tokenize } : {}) })
  index.addAll(phrasingDocs(entries))
  return { name, rank: (query) => aggregate(index.search(query).map((r) => ({ entry: r.entry as string, score: r.score }))) }
}

/** MiniSearch over one document per entry: its phrasings joined in `question` (boosted 2×) and its `answer`, CJK tokenizer. */
function miniSearchQuestionAnswerPeer(entries: FaqEntry[]): Peer {
  const index = new MiniSearch<{ id: string; question: string; answer: string }>({ fields: ['question', 'answer'], tokenize: cjkTokenize, searchOptions: { boost: { question: 2 } } })
  index.addAll(entries.map((e) => ({ id: e.id, question: [e.question, ...e.variants].join('\n'), answer: e.answer })))
  return { name: 'MiniSearch question + answer (CJK tokenizer, question boost 2)', rank: (query) => aggregate(index.search(query).map((r) => ({ entry: r.id as string, score: r.score }))) }
}

/** The part of node-nlp's NlpManager the bench uses (the package ships no types). */
interface NlpManager {
  addDocument(locale: string, utterance: string, intent: string): void
  train(): Promise<unknown>
  classify(locale: string, utterance: string): Promise<{ classifications: Array<{ intent: string; score: number }> }>
  guessLanguage(text: string): string
}
const { NlpManager } = createRequire(import.meta.url)('node-nlp') as { NlpManager: new (settings: object) => NlpManager }

/** Run `fn` with console.log muted: nlp.js's Chinese tokenizer prints "Compiling dictionary" when it first loads. */
async function withoutConsoleLog<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log
  console.log = () => {}
  try {
    return await fn()
  } finally {
    console.log = log
  }
}

/**
 * nlp.js trained in memory on every phrasing (intent = entry id, locale = entry language), ranking
 * entries by its intent scores (its "None" intent dropped). The query goes to the model of its
 * labelled language (nlp.js's own guess when unlabelled); the note says how often nlp.js's own
 * guess would have agreed, on multilingual sets.
 */
async function nlpJsPeer(set: BenchSet): Promise<Peer> {
  const t = performance.now()
  const languages = [...new Set(set.entries.map((e) => baseLanguage(e.lang)))]
  const manager = new NlpManager({ languages, nlu: { log: false }, autoSave: false, autoLoad: false })
  const { texts, entryOf } = phrasingsOf(set.entries)
  texts.forEach((text, i) => manager.addDocument(baseLanguage(set.entries[entryOf[i]].lang), text, set.entries[entryOf[i]].id))
  await withoutConsoleLog(() => manager.train())
  const seconds = (performance.now() - t) / 1000
  console.log(`  ${set.name}: nlp.js trained on ${texts.length} phrasings in ${seconds.toFixed(1)} s`)
  const notes = [`trained on all ${texts.length} phrasings (${languages.join(', ')}) in ${seconds.toFixed(1)} s`]
  if (languagesOf(set.test).length > 1) {
    const agree = set.test.filter((q) => q.lang && manager.guessLanguage(q.query) === baseLanguage(q.lang)).length
    notes.push(`queries sent to the model of their labelled language; nlp.js's own guessLanguage agrees with the label on ${agree} of ${set.test.length} test queries`)
  }
  return {
    name: 'nlp.js (node-nlp NlpManager)',
    note: notes.join('; '),
    async rank(query, lang) {
      const { classifications } = await manager.classify(lang ? baseLanguage(lang) : manager.guessLanguage(query), query)
      return aggregate(classifications.filter((c) => c.intent !== 'None' && c.score > 0).map((c) => ({ entry: c.intent, score: c.score })))
    },
  }
}

/** Orama (default tokenizer) over one document per phrasing. */
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
async function fitThreshold(peer: Peer, calib: LabelledQuery[]): Promise<number> {
  const answered: Array<{ score: number; correct: boolean }> = []
  for (const q of calib) {
    const top = (await peer.rank(q.query, q.lang))[0]
    if (top) answered.push({ score: top.score, correct: q.expected !== null && top.id === q.expected })
  }
  answered.sort((a, b) => b.score - a.score)
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

/** A peer's row: fit its threshold on the calibration queries, then answer or escalate every test query. */
async function peerRow(peer: Peer, set: BenchSet): Promise<Row> {
  const threshold = await fitThreshold(peer, set.calib)
  const empty: LabelledQuery[] = []
  const scored: ScoredQuery[] = []
  for (const q of set.test) {
    const ranked = await peer.rank(q.query, q.lang)
    if (ranked.length === 0) empty.push(q)
    const answer = ranked.length > 0 && ranked[0].score >= threshold
    scored.push({ expected: q.expected, ranked: ranked.map((r) => r.id), decision: answer ? 'answer' : 'escalate', answerId: answer ? ranked[0].id : undefined })
  }
  const thresholdText = Number.isFinite(threshold) ? threshold.toPrecision(3) : 'none (never answers)'
  const langs = languagesOf(set.test)
  const perLanguage = langs.length > 1 ? ` (${langs.map((l) => `${l} ${empty.filter((q) => q.lang && baseLanguage(q.lang) === l).length}`).join(', ')})` : ''
  return {
    system: peer.name,
    calibration: `${set.calibSource}; threshold ${thresholdText}`,
    scored,
    metrics: computeMetrics(scored),
    note: [`${empty.length} of ${set.test.length} test queries got no hit at all${perLanguage}`, ...(peer.note ? [peer.note] : [])].join('; '),
  }
}

/** Every peer's row on a set, timing each (build + threshold fit + test queries). */
async function peerRows(set: BenchSet): Promise<Row[]> {
  const factories: Array<() => Peer | Promise<Peer>> = [
    () => miniSearchPeer(set.entries, 'MiniSearch (default tokenizer, BM25)'),
    () => miniSearchPeer(set.entries, 'MiniSearch (CJK tokenizer: Segmenter + bigrams)', cjkTokenize),
    () => miniSearchQuestionAnswerPeer(set.entries),
    () => oramaPeer(set.entries),
    () => tfidfPeer(set.entries),
    () => nlpJsPeer(set),
  ]
  const rows: Row[] = []
  for (const factory of factories) {
    const t = performance.now()
    const peer = await factory()
    rows.push(await peerRow(peer, set))
    console.log(`  ${set.name}: ${peer.name} ${((performance.now() - t) / 1000).toFixed(1)} s`)
  }
  return rows
}

// ---------------------------------------------------------------- output

const fmt = (x: number) => x.toFixed(3)

/** A markdown table: header cells, then one line of cells per row. */
function markdownTable(head: string[], body: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((cells) => `| ${cells.join(' | ')} |`)]
}

/** The metrics shown per language on multilingual sets. */
const LANGUAGE_METRICS = ['top1', 'recall3', 'answerPrecision', 'automation', 'wrongAnswerRate'] as const

/** A set's section: summary, the metrics table, the per-language table on multilingual sets, and the peers' notes. */
function table(set: BenchSet, rows: Row[]): string {
  const lines = markdownTable(
    ['system', 'calibration', 'n', ...METRIC_NAMES],
    rows.map((r) => [r.system, r.calibration, String(r.metrics.n), ...METRIC_NAMES.map((m) => fmt(r.metrics[m]))]),
  )
  const perLanguage = rows.map((r) => metricsByLanguage(r.scored, set.test))
  const languageLines = perLanguage.every((m) => m !== undefined)
    ? ['', 'Per language (same rows, same thresholds):', '', ...markdownTable(
        ['lang', 'system', 'calibration', 'n', ...LANGUAGE_METRICS],
        languagesOf(set.test).flatMap((lang) => rows.map((r, i) => {
          const m = perLanguage[i].get(lang)!
          return [lang, r.system, r.calibration, String(m.n), ...LANGUAGE_METRICS.map((name) => fmt(m[name]))]
        })),
      )]
    : []
  const notes = rows.filter((r) => r.note).map((r) => `${r.system}: ${r.note}`)
  const summary = `${set.entries.length} entries, ${phrasingsOf(set.entries).texts.length} phrasings; ${set.test.length} test queries (${set.test.filter((q) => q.expected === null).length} out-of-scope); calibration: ${set.calibSource} (${set.calib.length} queries, ${set.calib.filter((q) => q.expected === null).length} out-of-scope).`
  return [`### ${set.name}`, '', summary, '', ...lines, ...languageLines, '', `Notes: ${notes.join('; ')}.`, ''].join('\n')
}

/** Queries for which Orama's default tokenizer returns no hit, measured per set (its CJK blind spot). */
function oramaCjkNote(sets: Array<{ set: BenchSet; rows: Row[] }>): string {
  const parts = sets.map(({ set, rows }) => `${set.name}: ${rows.find((r) => r.system.startsWith('Orama'))?.note}`)
  return `Orama's default tokenizer splits on non-Latin characters, so Japanese, Chinese and Korean text yields no (or almost no) terms: ${parts.join('; ')}.`
}

/** One target check of the calibrated kotae row, with the measured value. */
interface Target {
  set: string
  label: string
  value: string
  met: boolean
}

/** The targets, checked against the calibrated kotae row (`rows[1]`) of each set that was run. */
function targets(results: Array<{ set: BenchSet; rows: Row[] }>): Target[] {
  const out: Target[] = []
  const kotae = (name: string) => results.find((r) => r.set.name === name)?.rows[1]
  const add = (set: string, label: string, value: number | undefined, met: (v: number) => boolean, shown?: string) => {
    if (value !== undefined) out.push({ set, label, value: shown ?? fmt(value), met: met(value) })
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
  for (const { set, rows } of results) {
    if (set.entries.some((e) => e.variants.length > 0)) continue
    const best = rows.filter((r) => r.system !== 'kotae').reduce((a, b) => (b.metrics.top1 > a.metrics.top1 ? b : a))
    const top1 = rows[1].metrics.top1
    add(set.name, `top1 ≥ best peer top1 + 0.05 (no variants; best peer ${best.system} ${fmt(best.metrics.top1)})`, top1, (v) => v >= best.metrics.top1 + 0.05, `${fmt(top1)} (${top1 >= best.metrics.top1 ? '+' : ''}${((top1 - best.metrics.top1) * 100).toFixed(1)} points)`)
  }
  const airline = results.find((r) => r.set.name === 'airline-4lang-dev')
  if (airline) {
    const row = airline.rows[1]
    for (const [lang, m] of metricsByLanguage(row.scored, airline.set.test) ?? []) {
      add(airline.set.name, `top1 ${lang} ≥ 0.65`, m.top1, (v) => v >= 0.65)
      add(airline.set.name, `recall3 ${lang} ≥ 0.85`, m.recall3, (v) => v >= 0.85)
    }
    const { automation, wrongAnswerRate } = row.metrics
    add(airline.set.name, 'automation ≥ 0.25 with wrongAnswerRate ≤ 0.03', automation, (v) => v >= 0.25 && wrongAnswerRate <= 0.03, `${fmt(automation)} (wrongAnswerRate ${fmt(wrongAnswerRate)})`)
    add(airline.set.name, 'correct answers + clarify decisions offering the right entry, share of all queries ≥ 0.60', rightEntryShare(row.scored), (v) => v >= 0.6)
  }
  const shop = results.find((r) => r.set.name === 'shop-faq')
  const shopRow = shop?.rows[1]
  const shopLanguages = shop && shopRow && metricsByLanguage(shopRow.scored, shop.set.test)
  if (shop && shopRow && shopLanguages) {
    for (const [lang, m] of shopLanguages) add('shop-faq', `top1 ${lang} ≥ 0.95`, m.top1, (v) => v >= 0.95)
    const oos = shop.set.test.filter((q) => q.expected === null).length
    const wrongOos = Math.round(shopRow.metrics.nOutOfScope - shopRow.metrics.oosRecall * shopRow.metrics.nOutOfScope)
    out.push({ set: 'shop-faq', label: 'no answers on out-of-scope queries', value: `${wrongOos} of ${oos} answered`, met: wrongOos === 0 })
  }
  return out
}

/** The targets as a markdown table. */
function targetTable(list: Target[]): string {
  return ['| set | target (calibrated kotae) | value | met |', '|---|---|---|---|', ...list.map((t) => `| ${t.set} | ${t.label} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`)].join('\n')
}

// ---------------------------------------------------------------- main

/** Run every set, print the tables and targets, and write the accuracy section of RESULTS.md. */
async function main(): Promise<void> {
  const results: Array<{ set: BenchSet; rows: Row[] }> = []
  const started = performance.now()
  for (const dir of setDirs()) {
    const set = await loadSet(dir)
    const t0 = performance.now()
    const rows = [...(await kotaeRows(set)), ...(await peerRows(set))]
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
    environmentLine(['kotae', 'minisearch', '@orama/orama', 'node-nlp', 'hnswlib-node']),
    `Total run time ${((performance.now() - started) / 1000).toFixed(0)} s.`,
    '',
    'Metrics are FORMAT.md\'s, computed by `computeMetrics` (src/eval/metrics.ts). Every row of a set is scored on the same test queries: queries.jsonl when the set has calib.jsonl, else the half of queries.jsonl that `splitQueries(queries, 0.5, 1)` does not draw for calibration. ' +
      '"self" = `buildKnowledgeBase(entries)` with no labelled data; the calibrated kotae row is the same build, then `kb.calibrate(calib, { targetPrecision: 0.95 })`. ' +
      'Peers index one document per phrasing and keep the best score per entry, except "MiniSearch question + answer" (one document per entry: its phrasings in a `question` field boosted 2×, its answer in an `answer` field) and nlp.js (an in-memory `NlpManager` trained with every phrasing as an utterance of the intent named by its entry id, in the entry\'s language; entries ranked by its intent scores; it is the only peer given the query\'s labelled language, since it keeps one model per language). ' +
      'Peers answer their top entry when its raw score reaches the lowest threshold that gives ≥ 95% correct answers on the same calibration queries (out-of-scope answers count as wrong), else escalate; they never clarify. ' +
      'The CJK tokenizer is `Intl.Segmenter` words plus character bigrams of CJK runs. Multilingual sets also show every row per language.',
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
