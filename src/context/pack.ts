/**
 * LLM-ready context: the best entries of a question packed into one prompt block that fits a
 * token budget, for teams that compose answers with their own LLM. Tokens are counted with
 * tiktoken (`cl100k_base` by default), the tokenizer most hosted models bill by or close to it.
 */
import { get_encoding, type Tiktoken, type TiktokenEncoding } from 'tiktoken'
import { z } from 'zod'
import { createError } from '../errors.js'
import { parseOptions, type AskResult, type FaqEntry } from '../schema.js'

/** Options of `kb.context` (and {@link packContext}). */
export const ContextOptionsSchema = z.strictObject({
  /** Token budget of the whole block (required: it depends on the model and the rest of the prompt). */
  maxTokens: z.number().int().positive(),
  /** Most entries to include (default 5: more rarely helps an LLM choose and costs tokens). */
  maxEntries: z.number().int().positive().default(5),
  /** tiktoken encoding the budget is counted in (default cl100k_base, what most hosted models bill by or close to it). */
  encoding: z.enum(['cl100k_base', 'o200k_base', 'p50k_base', 'r50k_base']).default('cl100k_base'),
})
/** Options of `kb.context`, as a caller writes them. */
export type ContextOptions = z.input<typeof ContextOptionsSchema>
/** The defaults of the context options (every option but the required `maxTokens`). */
export const DEFAULT_CONTEXT_OPTIONS: Readonly<Omit<z.output<typeof ContextOptionsSchema>, 'maxTokens'>> = Object.freeze(ContextOptionsSchema.omit({ maxTokens: true }).parse({}))

/** The packed block and what went into it. */
export interface ContextBlock {
  /** The prompt text. */
  text: string
  /** Its length in tokens, as counted by the chosen encoding. */
  tokens: number
  /** Ids of the entries included, best first. */
  entryIds: string[]
  /** Entries that did not fit the budget. */
  omitted: string[]
  /** The engine's decision for the question, for the caller's own routing. */
  result: AskResult
}

const encoders = new Map<string, Tiktoken>()
function encoder(name: TiktokenEncoding): Tiktoken {
  let enc = encoders.get(name)
  if (!enc) encoders.set(name, (enc = get_encoding(name)))
  return enc
}

/** Count tokens of a text with a tiktoken encoding. */
export function countTokens(text: string, encoding: TiktokenEncoding = 'cl100k_base'): number {
  // Special-token text such as <|endoftext|> in a customer's question or an answer is counted as
  // the ordinary text it is (tiktoken would otherwise throw on it).
  return encoder(encoding).encode(text, [], []).length
}

/**
 * Pack the ranked candidates of `result` into a block of at most `maxTokens` tokens: a header,
 * then one section per entry (question, answer, confidence), best first; an entry that does not
 * fit whole is left out (never cut mid-answer) and listed in `omitted`. Throws `INVALID_OPTIONS`
 * for bad options and `CONTEXT_BUDGET` when even the header does not fit.
 */
export function packContext(result: AskResult, entryById: (id: string) => FaqEntry | undefined, options: ContextOptions): ContextBlock {
  const { maxTokens, maxEntries, encoding } = parseOptions(ContextOptionsSchema, options, 'context')
  const header = `FAQ entries relevant to the customer's question (best first). Question: ${result.query}\n`
  let text = header
  let tokens = countTokens(text, encoding)
  if (tokens > maxTokens) throw createError('CONTEXT_BUDGET', { maxTokens, headerTokens: tokens })
  const entryIds: string[] = []
  const omitted: string[] = []
  for (const candidate of result.candidates.slice(0, maxEntries)) {
    const entry = entryById(candidate.id)
    if (!entry) continue
    const section = `\n[${entry.id}] (${entry.lang}, confidence ${candidate.confidence.toFixed(2)})\nQ: ${entry.question}\nA: ${entry.answer}\n`
    // Count the whole candidate block: BPE merges across the seam can differ from a sum of parts.
    const candidateTokens = countTokens(text + section, encoding)
    if (candidateTokens > maxTokens) {
      omitted.push(entry.id)
      continue
    }
    text += section
    tokens = candidateTokens
    entryIds.push(entry.id)
  }
  return { text, tokens, entryIds, omitted, result }
}
