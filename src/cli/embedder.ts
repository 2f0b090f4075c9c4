/**
 * The embedder flags (`--embedder`, `--model`, `--model-dir`, `--cache-dir`, `--online`, `--fp32`)
 * and loading a knowledge base with the embedder it was built with. A base built with a
 * transformers.js model names that model and its weights; only where to find them (and whether
 * the hub may be contacted) comes from the flags.
 */
import { Option, type Command } from 'commander'
import { createError, isKotaeError } from '../errors.js'
import { createEmbedder, DEFAULT_TRANSFORMERS_MODEL, type EmbedderSpec } from '../embed/index.js'
import type { Embedder } from '../embed/embedder.js'
import { readManifest } from '../kb/store.js'
import { loadKnowledgeBase } from '../engine.js'
import type { KnowledgeBase } from '../engine.js'

/** Add the embedder flags shared by build, ask, eval and context. */
export function withEmbedderOptions(command: Command): Command {
  return command
    .addOption(new Option('--embedder <kind>', 'embedder: builtin (no weights) or transformers (ONNX model)').choices(['builtin', 'transformers']).default('builtin'))
    .option('--model <id>', 'transformers.js model id', DEFAULT_TRANSFORMERS_MODEL)
    .option('--model-dir <dir>', 'folder holding <model-id>/ (config.json, tokenizer.json, onnx/)')
    .option('--cache-dir <dir>', 'transformers.js cache folder')
    .option('--online', 'allow downloading the model from the hub (off by default)')
    .option('--fp32', 'use onnx/model.onnx instead of the quantised onnx/model_quantized.onnx')
}

/** The embedder spec the flags of {@link withEmbedderOptions} ask for. */
export function embedderSpec(opts: Record<string, unknown>): EmbedderSpec {
  if (opts.embedder !== 'transformers') return { kind: 'builtin' }
  return {
    kind: 'transformers',
    model: opts.model as string,
    modelDir: opts.modelDir as string | undefined,
    cacheDir: opts.cacheDir as string | undefined,
    offline: !opts.online,
    dtype: opts.fp32 ? 'fp32' : 'q8',
  }
}

/** The embedder the flags ask for. */
export async function embedderFromFlags(opts: Record<string, unknown>): Promise<Embedder> {
  return withCliHints(() => createEmbedder(embedderSpec(opts)))
}

/**
 * Load the base in `kbDir` with the embedder its manifest records: the built-in one as it was, or
 * the same transformers.js model (weights, pooling, prefixes), looked for where it was found at
 * build time unless `--model-dir` / `--cache-dir` say where it is now, downloaded only with
 * `--online`. `--model` and `--fp32` do not apply: the base says which model it needs.
 */
export async function loadWithEmbedder(kbDir: string, opts: Record<string, unknown>): Promise<KnowledgeBase> {
  const { id, spec } = (await readManifest(kbDir)).embedder
  if (opts.embedder === 'transformers' && spec.kind !== 'transformers') {
    const built = `"${id}" (${spec.kind === 'builtin' ? 'the built-in one' : "the caller's own"})`
    throw createError('EMBEDDER_MISMATCH', { dir: kbDir, built, given: 'a transformers.js model (--embedder transformers)', hint: 'drop --embedder, or rebuild the base with it' })
  }
  const model = { modelDir: opts.modelDir as string | undefined, cacheDir: opts.cacheDir as string | undefined, offline: !opts.online }
  return withCliHints(() => loadKnowledgeBase(kbDir, { model }))
}

/**
 * The library's embedder errors name both the option and the flag (`modelDir: '<dir>' (CLI:
 * --model-dir <dir>)`); on the command line only the flag means anything, so keep just that.
 */
export function cliHint(text: string): string {
  return text
    .replace(/\b\w+: (?:'[^']*'|\w+) \(CLI: ([^)]+)\)/g, '$1')
    .replace(/pass \w+: (?:'[^']*'|\w+) to use it, CLI: (--[\w-]+)\)/g, 'pass $1 to use it)')
    .replace(/ \/ \w+: (?:'[^']*'|\w+)\)/g, ')')
}

/** Run `load`, rewriting an EMBEDDER_UNAVAILABLE error's reason and hint with {@link cliHint}. */
async function withCliHints<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (!isKotaeError(error, 'EMBEDDER_UNAVAILABLE')) throw error
    const { details } = error
    throw createError('EMBEDDER_UNAVAILABLE', { ...details, reason: cliHint(details.reason), hint: cliHint(details.hint) }, { cause: error.cause ?? error })
  }
}
