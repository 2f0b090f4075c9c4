/**
 * The embedder flags (`--embedder`, `--model`, `--model-dir`, `--cache-dir`, `--online`, `--fp32`)
 * and loading a knowledge base with the embedder it was built with. A base built with a
 * transformers.js model names that model and its weights; only where to find them (and whether
 * the hub may be contacted) comes from the flags.
 */
import { Option, type Command } from 'commander'
import { createError } from '../errors.js'
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
  return createEmbedder(embedderSpec(opts))
}

/** Load the base in `kbDir` with the embedder its manifest records (a transformers model found through the flags). */
export async function loadWithEmbedder(kbDir: string, opts: Record<string, unknown>): Promise<KnowledgeBase> {
  const manifest = await readManifest(kbDir)
  // A base built with transformers.js names its model and weights: load exactly those
  // (`transformers:<model>:<q8|fp32>:<pooling>`); only where to find them comes from the flags.
  const recorded = /^transformers:(.+):(q8|fp32):(mean|cls)$/.exec(manifest.embedder.id)
  if (!recorded) {
    if (opts.embedder === 'transformers') {
      throw createError('EMBEDDER_MISMATCH', { dir: kbDir, built: `"${manifest.embedder.id}"`, given: 'a transformers.js model (--embedder transformers)', hint: 'drop --embedder, or rebuild the base with it' })
    }
    return loadKnowledgeBase(kbDir)
  }
  const embedder = await createEmbedder({ ...embedderSpec({ ...opts, embedder: 'transformers' }), model: recorded[1]!, dtype: recorded[2] as 'q8' | 'fp32' } as EmbedderSpec)
  return loadKnowledgeBase(kbDir, { embedder })
}
