/**
 * Ask latency of one checkout, in process, on a dev set: for comparing two commits on the same
 * machine in the same minutes (the speed bench's figure moves with the machine's state).
 *
 *   git worktree add /tmp/wt-old <commit> && ln -s "$PWD/node_modules" /tmp/wt-old/node_modules
 *   npx tsx bench/ask-latency-ab.mts /tmp/wt-old && npx tsx bench/ask-latency-ab.mts "$PWD"   # repeat, alternating
 *
 * Builds the set's FAQ with the built-in defaults, asks every query once to warm up, then 5
 * rounds; prints p50 and p99 in ms. Set: `--set <folder>` (default ../shared/datasets/clinc150-dev).
 */
import { readFileSync } from 'node:fs'
const root = process.argv[2]
const setFlag = process.argv.indexOf('--set')
const set = setFlag >= 0 ? process.argv[setFlag + 1]! : new URL('../../shared/datasets/clinc150-dev', import.meta.url).pathname
const { buildKnowledgeBase } = await import(root + '/src/index.ts')
const faq = readFileSync(set + '/faq.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
const qs = readFileSync(set + '/queries.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).query)
const kb = await buildKnowledgeBase(faq)
for (const q of qs) await kb.ask(q)
const times: number[] = []
for (let r = 0; r < 5; r++) for (const q of qs) { const t = performance.now(); await kb.ask(q); times.push(performance.now() - t) }
times.sort((a, b) => a - b)
console.log(root, 'p50', times[Math.floor(times.length / 2)].toFixed(3), 'p99', times[Math.floor(times.length * 0.99)].toFixed(3))
