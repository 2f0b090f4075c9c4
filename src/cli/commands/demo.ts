/** `kotae demo`: build the shipped multilingual shop FAQ, save and load it, and answer its sample questions, then play one short conversation. */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { buildKnowledgeBase, loadKnowledgeBase, type KnowledgeBase } from '../../engine.js'
import type { AskResult } from '../../schema.js'
import { loadFaqEntries } from '../../ingest/index.js'
import { formatAskResult } from '../format.js'
import { progressBar } from '../progress.js'

/** Register `demo` on the program; `packageRoot` is where the shipped fixtures are. */
export function registerDemo(program: Command, packageRoot: string): void {
  program
    .command('demo')
    .description('build the shipped multilingual shop FAQ, answer a dozen sample questions and play one conversation')
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
      await showConversation(kb)
      if (!opts.keep) await rm(dir, { recursive: true, force: true })
    })
}

/** One short conversation: a vague question clarified, the customer's pick, a follow-up read with the previous entry, and the handoff a person would get. */
async function showConversation(kb: KnowledgeBase): Promise<void> {
  const chat = kb.conversation({ sessionId: 'demo-1', customer: { id: 'M-1029', name: '佐藤', tier: 'gold' }, context: { page: '/orders/8812', channel: 'line' } })
  console.log('One conversation (session demo-1, customer M-1029, page /orders/8812, channel line):')
  for (const text of ['注文したやつ、ちょっと変えたいとこがあって', '最初の', 'じゃあキャンセルは？', '発送済みだったら？']) {
    const result = await chat.ask(text)
    console.log(`  customer: ${text}`)
    console.log(`  bot:      ${replyLine(result)}  [${chat.turns.at(-1)!.reading}]`)
  }
  const handoff = chat.handoff()
  console.log(`  handoff (if the customer asks for a person): session ${handoff.sessionId}, customer ${handoff.customer?.id} (${handoff.customer?.name}, ${handoff.customer?.tier}), page ${handoff.page}, channel ${handoff.channel}, ${handoff.turns?.length} turns: ${handoff.turns?.map((t) => `${t.decision}/${t.reason}`).join(', ')}`)
  console.log('')
}

/** One line for the bot's reply. */
function replyLine(result: AskResult): string {
  const confidence = result.confidence.toFixed(2)
  if (result.decision === 'answer') return `answer ${result.answer.id} (${result.reason}, ${confidence}): ${[...result.answer.text].slice(0, 40).join('')}…`
  if (result.decision === 'clarify') return `clarify (${result.reason}): ${result.options.map((o, i) => `${i + 1}. ${o.question}`).join('  ')}`
  return `escalate (${result.reason}, ${confidence})`
}
