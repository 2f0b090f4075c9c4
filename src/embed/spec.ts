/**
 * Which embedder, as plain data: one schema per kind, with its defaults. The same spec is what a
 * caller (or a CLI flag) asks for and, minus the run-time choices (where to look, whether to go
 * online, batch size), what a knowledge base records in its manifest, so a saved base can load
 * its own embedder again without being told which one it was.
 */
import { z } from 'zod'

/** Default transformers.js model: small, multilingual (ja/ko/zh/en...), 384 dimensions, e5 query/passage prefixes. */
export const DEFAULT_TRANSFORMERS_MODEL = 'Xenova/multilingual-e5-small'

/** The built-in, weight-free embedder (see `embed/builtin.ts`). */
export const BuiltinSpecSchema = z.strictObject({
  kind: z.literal('builtin'),
  /** Vector length; more dimensions mean fewer hash collisions and more memory. */
  dimension: z.number().int().min(16).max(4096).default(256),
})

/** The parts of a transformers.js spec that decide the vectors: recorded with a base. */
const transformersIdentity = {
  kind: z.literal('transformers'),
  /** Hugging Face model id (or a path to a model folder). */
  model: z.string().min(1).default(DEFAULT_TRANSFORMERS_MODEL),
  /** Weights variant: `q8` → onnx/model_quantized.onnx, `fp32` → onnx/model.onnx. */
  dtype: z.enum(['q8', 'fp32']).default('q8'),
  /** How token vectors become one vector: mask-aware mean, or the first ([CLS]) token. */
  pooling: z.enum(['mean', 'cls']).default('mean'),
  /** Prepended to queries; default `'query: '` for e5 models (id contains "e5"), `''` otherwise. */
  queryPrefix: z.string().optional(),
  /** Prepended to passages; default `'passage: '` for e5 models, `''` otherwise. */
  passagePrefix: z.string().optional(),
}

/** A transformers.js (ONNX) sentence-embedding model. */
export const TransformersSpecSchema = z.strictObject({
  ...transformersIdentity,
  /** Folder containing `<model>/` (config.json, tokenizer.json, tokenizer_config.json, onnx/model*.onnx). CLI: `--model-dir`. */
  modelDir: z.string().min(1).optional(),
  /** transformers.js file cache (`<cacheDir>/<model>/...`); also searched when offline. */
  cacheDir: z.string().min(1).optional(),
  /** Never contact the Hugging Face hub (default); false downloads a missing model. CLI: `--online`. */
  offline: z.boolean().default(true),
  /** Texts per forward pass. */
  batchSize: z.number().int().min(1).max(4096).default(16),
})

/** Which embedder to use, as plain data (see {@link createEmbedder}). */
export const EmbedderSpecSchema = z.discriminatedUnion('kind', [BuiltinSpecSchema, TransformersSpecSchema])
/** Which embedder to use, as a caller writes it (defaults not applied). */
export type EmbedderSpec = z.input<typeof EmbedderSpecSchema>
/** A complete embedder spec (defaults applied). */
export type ResolvedEmbedderSpec = z.output<typeof EmbedderSpecSchema>
/** A transformers.js spec as a caller writes it. */
export type TransformersSpec = z.input<typeof TransformersSpecSchema>

/**
 * What a knowledge base records about its embedder: for the two built-in kinds everything that
 * decides the vectors (and the folder a transformers model was loaded from, so the base finds it
 * again); `custom` for an embedder the caller wrote, which the caller must pass again on load.
 */
export const RecordedEmbedderSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('builtin'), dimension: z.number().int().min(16).max(4096) }),
  z.strictObject({
    kind: z.literal('transformers'),
    model: z.string().min(1).max(500),
    dtype: z.enum(['q8', 'fp32']),
    pooling: z.enum(['mean', 'cls']),
    queryPrefix: z.string().max(200),
    passagePrefix: z.string().max(200),
    /** Absolute folder holding `<model>/` where it was found at build time; null when it came from the hub cache. */
    modelDir: z.string().max(4096).nullable(),
  }),
  z.strictObject({ kind: z.literal('custom') }),
])
/** What a knowledge base records about its embedder. */
export type RecordedEmbedder = z.infer<typeof RecordedEmbedderSchema>

/** Where to look for a recorded transformers model and whether to go online: the run-time part of a spec. */
export const ModelLocationSchema = TransformersSpecSchema.pick({ modelDir: true, cacheDir: true, offline: true, batchSize: true }).partial()
/** Where to look for a recorded transformers model (see {@link ModelLocationSchema}). */
export type ModelLocation = z.input<typeof ModelLocationSchema>
