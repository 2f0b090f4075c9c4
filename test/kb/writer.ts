/**
 * A writer process for the store tests and bench/faults.ts: builds two small bases (the mini FAQ
 * and its first 12 entries) and saves them alternately into a folder, `rounds` times, printing
 * one line per save. Run: `node --import tsx test/kb/writer.ts <dir> <rounds>`.
 */
import { BuiltinEmbedder, buildKnowledgeBase } from '../../src/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'

const [dir, roundsArg] = process.argv.slice(2)
const rounds = Number(roundsArg ?? 20)
const bases = [await buildKnowledgeBase(MINI_FAQ, { embedder: new BuiltinEmbedder({ dimension: 128 }) }), await buildKnowledgeBase(MINI_FAQ.slice(0, 12), { embedder: new BuiltinEmbedder({ dimension: 128 }) })]
for (let i = 0; i < rounds; i++) {
  await bases[i % 2].save(dir, { lockTimeoutMs: 30_000 })
  console.log(`saved ${i + 1}`)
}
