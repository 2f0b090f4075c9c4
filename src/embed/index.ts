/**
 * The embed stage: one interface, two embedders. `createEmbedder` builds either from a plain
 * spec (what the CLI flags and a knowledge-base manifest describe). transformers.js is loaded
 * only when asked for, so the default path starts fast and never touches onnxruntime.
 */
import { createError } from '../errors.js'
import { parseOptions } from '../schema.js'
import { BuiltinEmbedder } from './builtin.js'
import type { Embedder } from './embedder.js'
import { EmbedderSpecSchema, ModelLocationSchema, type EmbedderSpec, type ModelLocation, type RecordedEmbedder } from './spec.js'

export type { Embedder, EmbedKind } from './embedder.js'
export { BuiltinEmbedder, type BuiltinEmbedderOptions, type BuiltinEmbedderState } from './builtin.js'
export type { TransformersEmbedderOptions } from './transformers.js'
export {
  EmbedderSpecSchema,
  BuiltinSpecSchema,
  TransformersSpecSchema,
  RecordedEmbedderSchema,
  ModelLocationSchema,
  DEFAULT_TRANSFORMERS_MODEL,
  type EmbedderSpec,
  type ResolvedEmbedderSpec,
  type TransformersSpec,
  type RecordedEmbedder,
  type ModelLocation,
} from './spec.js'

/** Create an embedder from a spec; a transformers.js model that cannot load is an error, never a fallback. */
export async function createEmbedder(spec: EmbedderSpec = { kind: 'builtin' }): Promise<Embedder> {
  const value = parseOptions(EmbedderSpecSchema, spec, 'createEmbedder')
  if (value.kind === 'builtin') return new BuiltinEmbedder({ dimension: value.dimension })
  const { createTransformersEmbedder } = await import('./transformers.js')
  const { kind: _kind, ...options } = value
  return createTransformersEmbedder(options)
}

/**
 * The embedder a knowledge base recorded, created again: the built-in one as it was, a
 * transformers model with the same model, weights, pooling and prefixes, looked for where it was
 * found at build time unless `location` says where (a base moved to another machine). A base
 * built with the caller's own embedder cannot be re-created: pass that embedder instead.
 */
export async function recreateEmbedder(recorded: RecordedEmbedder, id: string, where: string, location: ModelLocation = {}): Promise<Embedder> {
  const place = parseOptions(ModelLocationSchema, location, 'model location')
  if (recorded.kind === 'builtin') return new BuiltinEmbedder({ dimension: recorded.dimension })
  if (recorded.kind === 'custom') {
    throw createError('EMBEDDER_MISMATCH', { dir: where, built: `"${id}" (the caller's own embedder)`, given: 'none', hint: 'pass that embedder to loadKnowledgeBase({ embedder })' })
  }
  const { kind: _kind, modelDir, ...identity } = recorded
  return createEmbedder({ kind: 'transformers', ...identity, modelDir: place.modelDir ?? modelDir ?? undefined, cacheDir: place.cacheDir, offline: place.offline, batchSize: place.batchSize })
}
