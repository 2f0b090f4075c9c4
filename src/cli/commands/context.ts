/** `kotae context <kb> <question> --max-tokens <n>`: the LLM-ready context block for a question, within a token budget. */
import type { Command } from 'commander'
import { loadWithEmbedder, withEmbedderOptions } from '../embedder.js'
import { flagParsers } from '../options.js'

/** Register `context` on the program. */
export function registerContext(program: Command): void {
  const flags = flagParsers('context')
  withEmbedderOptions(
    program
      .command('context')
      .description('print the LLM-ready context block for a question, within a token budget')
      .argument('<kb>', 'knowledge-base folder')
      .argument('<question>', 'the question')
      .requiredOption('--max-tokens <n>', 'token budget (tiktoken cl100k_base)', flags.wholeNumber('--max-tokens', 1, 1_000_000)),
  ).action(async (kbDir: string, question: string, opts) => {
    const kb = await loadWithEmbedder(kbDir, opts)
    const block = await kb.context(question, { maxTokens: opts.maxTokens })
    console.log(block.text)
    console.error(`(${block.tokens} tokens; entries ${block.entryIds.join(', ') || 'none'}${block.omitted.length ? `; omitted ${block.omitted.join(', ')}` : ''})`)
  })
}
