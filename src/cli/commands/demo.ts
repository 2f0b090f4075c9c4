/** `kotae demo`: build the shipped multilingual shop FAQ, save and load it, and answer its sample questions. */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { buildKnowledgeBase, loadKnowledgeBase } from '../../engine.js'
import { loadFaqEntries } from '../../ingest/index.js'
import { formatAskResult } from '../format.js'
import { progressBar } from '../progress.js'

/** Register `demo` on the program; `packageRoot` is where the shipped fixtures are. */
export function registerDemo(program: Command, packageRoot: string): void {
  program
    .command('demo')
    .description('build the shipped multilingual shop FAQ and answer a dozen sample questions')
    .option('--keep <dir>', 'keep the knowledge base in this folder')
    .action(async (opts) => {
      const setDir = join(packageRoot, 'fixtures', 'shop-faq')
      const entries = await loadFaqEntries(join(setDir, 'faq.jsonl'))
      const questions = JSON.parse(await readFile(join(setDir, 'demo-questions.json'), 'utf8')) as Array<{ query: string; note?: string }>
      const dir = opts.keep ?? (await mkdtemp(join(tmpdir(), 'kotae-demo-')))
      const progress = progressBar()
      const started = performance.now()
      const built = await buildKnowledgeBase(entries, { onProgress: progress.onProgress })
      progress.stop()
      await built.save(dir)
      const kb = await loadKnowledgeBase(dir)
      console.log(`kotae demo: ${kb.entries.length} FAQ entries (${kb.phrasings.texts.length} phrasings, ja/ko/en/zh) built, saved to ${dir} and loaded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
      for (const q of questions) {
        const result = await kb.ask(q.query, { channel: 'demo' })
        console.log(formatAskResult(result))
        if (q.note) console.log(`  (expected: ${q.note})`)
        console.log('')
      }
      if (!opts.keep) await rm(dir, { recursive: true, force: true })
    })
}
