/**
 * Content-operations benchmark: logging overhead on `ask`, 1,000,000 synthetic events (four
 * months, 300 entries, daily and weekly rhythm, an injected surge), report time, database size,
 * and whether the surge rule flags the surge without false alerts.
 *
 *   npx tsx bench/ops.ts            (EVENTS=200000 npx tsx bench/ops.ts for a quicker run)
 *   npx tsx bench/ops.ts --overhead (only the logging overhead on ask; ASKS, BLOCK, LOAD tune it)
 *
 * Writes its section between <!-- ops:start --> and <!-- ops:end --> in bench/RESULTS.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildKnowledgeBase } from '../src/engine.js'
import { FaqEntrySchema, type AskResult, type FaqEntry, type FaqEntryInput } from '../src/schema.js'
import { buildReport, clusterQueries, detectSurges, openHitLog } from '../src/ops/index.js'
import { countWindow } from '../src/ops/surge.js'
import { mulberry32 } from '../src/random.js'
import { RESULTS, writeSection } from './results.js'
import { DAY, HOUR } from '../test/ops/helpers.js'
import { poisson } from '../test/ops/synthetic.js'

const EVENTS = Number(process.env.EVENTS ?? 1_000_000)
/** `--overhead`: measure only the logging overhead on ask (about a minute) and rewrite only that part of the results. */
const OVERHEAD_ONLY = process.argv.includes('--overhead')
const OVERHEAD_SECTION = 'ops-overhead'
const ENTRIES = 300
const DAYS = 120
const END = Date.parse('2026-04-07T15:00:00Z') // a Tuesday afternoon
const START = END - DAYS * DAY
const SURGE_ENTRY = 'entry-042'
const SURGE_HOURS = 2
const SURGE_RATE = 30 // extra questions per hour on the entry, and on a new unanswered topic

const rand = mulberry32(42)
function rhythm(t: number): number {
  const d = new Date(t)
  const h = d.getUTCHours()
  const daily = h < 7 ? 0.1 : h < 9 ? 0.8 : h < 18 ? 2.2 : h < 22 ? 1.2 : 0.3
  const dow = d.getUTCDay()
  return daily * (dow === 0 || dow === 6 ? 0.5 : 1.1)
}
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}
const ms = (x: number) => `${x.toFixed(3)} ms`
/** CPU time (user + system) of a `process.cpuUsage` difference, ms. */
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000

// ---------------------------------------------------------------- 1. logging overhead on ask
/**
 * Logging overhead as traffic sees it. `ask` never yields to the event loop, so a tight loop of
 * awaited asks would keep the log's timer from ever running and measure nothing. Here asks arrive
 * open-loop at a fixed rate (LOAD, default 0.25 of what one core answers in the warm-up: a
 * higher load turns any slowdown from other processes into an ever-growing backlog), the
 * driver idles on the event loop between arrivals (timers and immediates run, as between real
 * requests), and latency is arrival → answer: a write delays every ask that arrives while it runs.
 * Logging off and on alternate in short blocks of BLOCK asks in the same run (same knowledge base,
 * queries and warm JIT, and the same neighbours on a shared machine); a logged block goes on
 * until its events are written, so every write and the asks it delays fall in the logged sample.
 * The hit log uses its default options (written every 1 s or 256 events).
 */
async function askOverhead(dir: string) {
  const faqPath = join(import.meta.dirname, '../fixtures/shop-faq/faq.jsonl')
  const queriesPath = join(import.meta.dirname, '../fixtures/shop-faq/queries.jsonl')
  const entries: FaqEntryInput[] = readFileSync(faqPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
  const queries: string[] = existsSync(queriesPath)
    ? readFileSync(queriesPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).query as string)
    : entries.flatMap((e) => e.variants ?? [])
  const kb = await buildKnowledgeBase(entries)
  const log = openHitLog(join(dir, 'overhead.sqlite'))
  // Time every write of the log (its timer, immediate and inline writes all call flush).
  const writes: number[] = []
  const writesCpu: number[] = []
  const flush = log.flush.bind(log)
  log.flush = () => {
    const before = log.stats().written
    const t = performance.now()
    const c = process.cpuUsage()
    const ok = flush()
    if (log.stats().written > before) {
      writes.push(performance.now() - t)
      writesCpu.push(cpuMs(process.cpuUsage(c)))
    }
    return ok
  }
  const asksPerMode = Number(process.env.ASKS ?? 6000)
  const blockSize = Number(process.env.BLOCK ?? 250)
  const load = Number(process.env.LOAD ?? 0.25)
  let q = 0
  const ask = () => kb.ask(queries[q++ % queries.length], { sessionId: `s${q % 97}`, channel: 'web' })
  const service: number[] = []
  for (let i = 0; i < 500; i++) {
    const t = performance.now()
    await ask()
    if (i >= 200) service.push(performance.now() - t)
  }
  const gapMs = service.reduce((a, b) => a + b, 0) / service.length / load
  const idle = () => new Promise<void>((resolve) => setImmediate(resolve))
  const samples = { off: { latency: [] as number[], service: [] as number[], cpu: [] as number[] }, on: { latency: [] as number[], service: [] as number[], cpu: [] as number[] } }
  for (let done = { off: 0, on: 0 }, logging = false; done.off < asksPerMode || done.on < asksPerMode; logging = !logging) {
    const mode = logging ? 'on' : 'off'
    if (done[mode] >= asksPerMode) continue
    kb.useLogger(logging ? log : null)
    const t0 = performance.now()
    let draining = false
    for (let i = 0; ; i++) {
      const arrival = t0 + i * gapMs
      while (performance.now() < arrival) await idle()
      if (i >= blockSize) {
        if (!logging) break
        // A logged block ends once its events are written (by the log's own immediate or timer)
        // and the asks that arrived during that write are answered: those are not logged, so no
        // event is left to be written during the next block without logging.
        if (!draining && log.stats().queued === 0) {
          draining = true
          kb.useLogger(null)
        }
        if (draining && (performance.now() - arrival < gapMs / 2 || i >= 2 * blockSize + 2 * 256)) break
      }
      const started = performance.now()
      const cpu = process.cpuUsage()
      await ask()
      const end = performance.now()
      samples[mode].cpu.push(cpuMs(process.cpuUsage(cpu)))
      samples[mode].latency.push(end - arrival)
      samples[mode].service.push(end - started)
      done[mode]++
    }
    kb.useLogger(null)
  }
  const writtenBeforeClose = log.stats().written
  log.close()
  const pct = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b)
    return { p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] ?? 0 }
  }
  return {
    asks: { off: samples.off.latency.length, on: samples.on.latency.length },
    blockSize,
    load,
    gapMs,
    queries: queries.length,
    entries: entries.length,
    off: pct(samples.off.latency),
    on: pct(samples.on.latency),
    serviceOff: pct(samples.off.service),
    serviceOn: pct(samples.on.service),
    cpuOff: pct(samples.off.cpu),
    cpuOn: pct(samples.on.cpu),
    writes: { count: writes.length, ...pct(writes) },
    writesCpu: pct(writesCpu),
    writeCpuPerLoggedAsk: writesCpu.reduce((a, b) => a + b, 0) / Math.max(1, log.stats().written),
    writtenBeforeClose,
    stats: log.stats(),
    loadAverage: loadavg()[0],
  }
}

// ---------------------------------------------------------------- 2. one million synthetic events
const UNANSWERED_TOPICS = [
  ['do you sell gift cards for restaurants', 'restaurant gift card', 'can I buy a dining voucher'],
  ['is there a student discount', 'student discount code', 'discount for students?'],
  ['can I pick up in store', 'store pickup', 'collect my order at the shop'],
  ['do you have a mobile app', 'is there an app', 'iphone app download'],
  ['ペットは同伴できますか', 'ペット連れて行ける?', '犬と一緒に入店できますか'],
  ['영업시간이 어떻게 되나요', '몇 시에 문 닫아요', '주말 영업시간'],
  ['你们有实体店吗', '线下门店在哪里', '实体店地址'],
  ['can I change the language of emails', 'emails in english please', 'newsletter language'],
]
const SURGE_TOPIC = ['my order has not arrived', 'order has not arrived yet', 'my order still has not arrived', 'order not arrived after a week']

function synthesizeEntries(): FaqEntry[] {
  const langs = ['ja', 'ko', 'en', 'zh'] as const
  return Array.from({ length: ENTRIES }, (_, i) => {
    const id = `entry-${String(i).padStart(3, '0')}`
    const lang = langs[i % 4]
    return FaqEntrySchema.parse({
      id,
      lang,
      question: `question number ${i} about topic ${Math.floor(i / 4)}`,
      variants: [`variant ${i} a`, `variant ${i} b`],
      answer: `answer ${i}`,
      updatedAt: new Date(START - (i % 50) * 7 * DAY).toISOString().slice(0, 10),
      metadata: { group: `topic-${Math.floor(i / 4)}` },
    })
  })
}

function askResult(entryIdx: number, decision: AskResult['decision'], query: string, second: number): AskResult {
  const id = `entry-${String(entryIdx).padStart(3, '0')}`
  const id2 = `entry-${String(second).padStart(3, '0')}`
  const c1 = decision === 'answer' ? 0.85 + rand() * 0.14 : decision === 'clarify' ? 0.4 + rand() * 0.2 : rand() * 0.25
  const c2 = decision === 'clarify' ? c1 - rand() * 0.08 : c1 * rand() * 0.3
  const cand = (cid: string, c: number) => ({ id: cid, lang: 'en', question: cid, matched: cid, answerPreview: '', score: c, vectorScore: c, lexicalScore: c, confidence: c })
  const candidates = [cand(id, c1), cand(id2, c2), cand(`entry-${String((second + 7) % ENTRIES).padStart(3, '0')}`, c2 / 3)]
  const common = { confidence: c1, query, lang: 'en' as const, candidates, latencyMs: 2 + rand() * 3 }
  if (decision === 'answer') return { ...common, decision, reason: 'confident', answer: { id, text: '' } }
  if (decision === 'clarify') return { ...common, decision, reason: 'ambiguous', options: candidates.slice(0, 2) }
  return { ...common, decision, reason: 'low-confidence', handoff: { query, lang: 'en', reason: 'low-confidence', candidates, transcript: [] } }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kotae-bench-ops-'))
  try {
    console.log('1/4 ask overhead (shop-faq, open-loop arrivals, logging off/on in alternating blocks)…')
    const overhead = await askOverhead(dir)
    console.log(overhead)
    if (OVERHEAD_ONLY) {
      writeOverhead(overhead)
      return
    }

    console.log(`2/4 logging ${EVENTS.toLocaleString('en-US')} synthetic events…`)
    const entries = synthesizeEntries()
    // Zipf-like popularity; calibrate the base rate so the total is about EVENTS.
    const weights = entries.map((_, i) => 1 / Math.pow(i + 1, 0.9))
    const wsum = weights.reduce((a, b) => a + b, 0)
    let rhythmSum = 0
    for (let h = START; h < END; h += HOUR) rhythmSum += rhythm(h)
    const perHour = EVENTS / rhythmSum
    const shuffle = entries.map((_, i) => i).sort(() => rand() - 0.5)
    // Keep the surge entry mid-popular (about 2 questions an hour at peak).
    const surgeIdx = Number(SURGE_ENTRY.slice(-3))
    const rankOf = new Map(shuffle.map((e, r) => [e, r]))
    const logPath = join(dir, 'hits.sqlite')
    const log = openHitLog(logPath, { batchSize: 10_000, flushIntervalMs: 60_000, maxQueue: 2_000_000 })
    const surgeStart = END - SURGE_HOURS * HOUR
    let written = 0
    const tLog = performance.now()
    for (let h = START; h < END; h += HOUR) {
      const f = rhythm(h)
      const n = poisson(perHour * f, rand)
      const batch: { t: number; r: AskResult }[] = []
      for (let k = 0; k < n; k++) {
        // Pick an entry by popularity.
        let x = rand() * wsum
        let rank = 0
        while (rank < ENTRIES - 1 && (x -= weights[rank]) > 0) rank++
        const e = shuffle[rank]
        const u = rand()
        const decision = u < 0.7 ? 'answer' : u < 0.82 ? 'clarify' : 'escalate'
        let query = `variant ${e} ${rand() < 0.5 ? 'a' : 'b'}`
        if (decision === 'escalate' && rand() < 0.6) {
          const topic = UNANSWERED_TOPICS[Math.floor(rand() * UNANSWERED_TOPICS.length)]
          query = topic[Math.floor(rand() * topic.length)]
        }
        batch.push({ t: h + Math.floor(rand() * HOUR), r: askResult(e, decision, query, shuffle[(rank + 1) % ENTRIES]) })
      }
      if (h >= surgeStart) {
        for (let k = poisson(SURGE_RATE, rand); k > 0; k--) batch.push({ t: h + Math.floor(rand() * HOUR), r: askResult(surgeIdx, 'answer', `variant ${surgeIdx} a`, 1) })
        for (let k = poisson(SURGE_RATE, rand); k > 0; k--) batch.push({ t: h + Math.floor(rand() * HOUR), r: askResult(surgeIdx, 'escalate', SURGE_TOPIC[Math.floor(rand() * SURGE_TOPIC.length)], 1) })
      }
      batch.sort((a, b) => a.t - b.t)
      for (const b of batch) log.record(b.r, { at: b.t, sessionId: `s${Math.floor(rand() * 1e6)}`, channel: 'web' })
      written += batch.length
      if (log.stats().queued >= 10_000) log.flush()
    }
    log.flush()
    const logSeconds = (performance.now() - tLog) / 1000
    const stats = log.stats()
    console.log(`  ${written.toLocaleString('en-US')} events in ${logSeconds.toFixed(1)} s`, stats)
    const surgeRank = rankOf.get(surgeIdx)!

    console.log('3/4 report (30 days)…')
    const tRep = performance.now()
    const report = await buildReport(log, { since: '30d', now: END, entries })
    const reportSeconds = (performance.now() - tRep) / 1000
    const dbBytes = [logPath, `${logPath}-wal`].filter(existsSync).reduce((s, p) => s + statSync(p).size, 0)
    const reportAlerts = report.surges.alerts.map((a) => `${a.kind}:${a.kind === 'entry' ? a.key : a.label}`)
    console.log(`  report in ${reportSeconds.toFixed(2)} s; alerts: ${reportAlerts.join(', ') || 'none'}`)

    console.log('4/4 hourly surge sweep over the last 14 days…')
    const sweepFrom = END - 14 * DAY + HOUR
    const coverage = log.coverage()
    let entryFalse = 0
    let entryTrue = 0
    let entryTests = 0
    for (let now = sweepFrom; now <= END; now += HOUR) {
      for (const s of await detectSurges((a, b) => log.topCounts(a, b), { now, historyStart: coverage.first! })) {
        entryTests++
        if (!s.flagged) continue
        if (s.key === SURGE_ENTRY && now > surgeStart) entryTrue++
        else entryFalse++
      }
    }
    const rows = log.unanswered(sweepFrom - HOUR - 4 * 7 * DAY, END, 0.3)
    const { clusters } = await clusterQueries(rows.filter((r) => r.query).map((r) => ({ query: r.query!, time: r.time })), { entries })
    const surgeCluster = clusters.find((c) => c.representatives.some((r) => SURGE_TOPIC.includes(r.query)))
    const counter = countWindow(clusters.flatMap((c) => c.times.map((time) => ({ key: c.id, time }))))
    let clusterFalse = 0
    let clusterTrue = 0
    for (let now = sweepFrom; now <= END; now += HOUR) {
      for (const s of await detectSurges(counter, { now, historyStart: coverage.first! })) {
        if (!s.flagged) continue
        if (s.key === surgeCluster?.id && now > surgeStart) clusterTrue++
        else clusterFalse++
      }
    }
    log.close()
    const firstHourFlagged = report.surges.alerts.some((a) => a.key === SURGE_ENTRY) // the report at END covers the last surge hour
    const result = {
      events: written,
      overhead,
      logSeconds,
      eventsPerSecond: written / logSeconds,
      reportSeconds,
      dbBytes,
      reportAlerts,
      sweep: { hours: 14 * 24, entryTests, entryTrue, entryFalse, clusters: clusters.length, clusterTrue, clusterFalse },
      surgeRank,
      firstHourFlagged,
    }
    console.log(JSON.stringify(result, null, 2))
    writeResults(result)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function writeResults(r: {
  events: number
  overhead: Awaited<ReturnType<typeof askOverhead>>
  logSeconds: number
  eventsPerSecond: number
  reportSeconds: number
  dbBytes: number
  reportAlerts: string[]
  sweep: { hours: number; entryTests: number; entryTrue: number; entryFalse: number; clusters: number; clusterTrue: number; clusterFalse: number }
  surgeRank: number
}) {
  const o = r.overhead
  const section = `## Content operations (\`npx tsx bench/ops.ts\`)

Run ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}. Synthetic log: ${r.events.toLocaleString('en-US')} events over ${DAYS} days, ${ENTRIES} entries (Zipf popularity), office-hours and weekend rhythm, 70% answer / 12% clarify / 18% escalate; injected surge in the last ${SURGE_HOURS} hours: +${SURGE_RATE}/h on \`${SURGE_ENTRY}\` (popularity rank ${r.surgeRank + 1}) and +${SURGE_RATE}/h of a new unanswered question ("my order has not arrived").

${overheadBlock(o)}

| measure | value |
|---|---|
| logging throughput (record + batched writes) | ${Math.round(r.eventsPerSecond).toLocaleString('en-US')} events/s (${r.logSeconds.toFixed(1)} s total) |
| database size | ${(r.dbBytes / 1e6).toFixed(1)} MB (${Math.round(r.dbBytes / r.events)} bytes/event) |
| report time (30-day window, clusters + surges) | ${r.reportSeconds.toFixed(2)} s |
| surge alerts in the report at the end | ${r.reportAlerts.map((a) => `\`${a}\``).join(', ') || 'none'} |
| hourly sweep, last 14 days, entries: surge flagged / false alerts | ${r.sweep.entryTrue} of ${SURGE_HOURS} surge hours / ${r.sweep.entryFalse} false (of ${r.sweep.entryTests.toLocaleString('en-US')} tests) |
| hourly sweep, last 14 days, ${r.sweep.clusters} unanswered clusters: surge flagged / false alerts | ${r.sweep.clusterTrue} of ${SURGE_HOURS} surge hours / ${r.sweep.clusterFalse} false |

Surge rule: last hour vs the same hour of the week in the 4 previous weeks; exact conditional test for equal Poisson rates, P[Binomial(k+Σb, 1/5) ≥ k] < 0.001, with k ≥ 8 and k ≥ 1.5 × baseline mean (see \`src/ops/surge.ts\`).`
  writeSection('ops', section)
  console.log(`updated ${RESULTS}`)
}

/** The logging-overhead part of the section, between its own markers so that `--overhead` can rewrite it alone. */
function overheadBlock(o: Awaited<ReturnType<typeof askOverhead>>): string {
  const row = (label: string, d: { p50: number; p99: number; max: number }) => `| ${label} | ${ms(d.p50)} | ${ms(d.p99)} | ${ms(d.max)} |`
  return `<!-- ${OVERHEAD_SECTION}:start -->
### Logging overhead on \`ask\` (\`npx tsx bench/ops.ts --overhead\` runs this part alone)

Run ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}, load average ${o.loadAverage.toFixed(1)} at the end (other processes share the cores: the tails move with it); shop-faq (${o.entries} entries, ${o.queries} queries). One run: ${o.asks.off.toLocaleString('en-US')} asks without and ${o.asks.on.toLocaleString('en-US')} with the hit log (default options: written every 1 s or 256 events), in alternating blocks of about ${o.blockSize} (a logged block goes on until its events are written, and the asks delayed by that write count as logged: ${o.stats.recorded.toLocaleString('en-US')} events); asks arrive open-loop every ${o.gapMs.toFixed(3)} ms (${Math.round(o.load * 100)}% of one core) and the event loop runs between them, as between real requests. Latency is arrival → answer, so a write delays the asks that arrive while it runs; service time is the \`ask\` call alone.

| | p50 | p99 | max |
|---|---|---|---|
${row('ask latency without logging', o.off)}
${row('ask latency with logging', o.on)}
${row('ask service time without logging', o.serviceOff)}
${row('ask service time with logging', o.serviceOn)}
${row('ask CPU time without logging', o.cpuOff)}
${row('ask CPU time with logging', o.cpuOn)}
${row(`hit-log write, wall (${o.writes.count} transactions)`, o.writes)}
${row('hit-log write, CPU', o.writesCpu)}

CPU time (\`process.cpuUsage\`, this process) does not grow when other processes take the cores, so it is the steadier comparison on a shared machine; the writes add ${(o.writeCpuPerLoggedAsk * 1000).toFixed(1)} µs of CPU per logged ask on top of the ask's own. Events written before \`close()\`: ${o.writtenBeforeClose.toLocaleString('en-US')} of ${o.stats.recorded.toLocaleString('en-US')} (${o.stats.dropped} dropped).
<!-- ${OVERHEAD_SECTION}:end -->`
}

/** `--overhead`: rewrite only the overhead part of the section (it must exist: run the whole benchmark once first). */
function writeOverhead(o: Awaited<ReturnType<typeof askOverhead>>): void {
  if (!existsSync(RESULTS) || !readFileSync(RESULTS, 'utf8').includes(`<!-- ${OVERHEAD_SECTION}:start -->`)) {
    console.log(`no ${OVERHEAD_SECTION} part in ${RESULTS} yet: run \`npx tsx bench/ops.ts\` once to write the whole section`)
    return
  }
  writeSection(OVERHEAD_SECTION, overheadBlock(o).replace(`<!-- ${OVERHEAD_SECTION}:start -->`, '').replace(`<!-- ${OVERHEAD_SECTION}:end -->`, ''))
  console.log(`updated the logging-overhead part of ${RESULTS}`)
}

await main()
