/**
 * The embed stage: one interface, two embedders. `createEmbedder` builds either from a plain
 * spec (what the CLI flags and a knowledge-base manifest describe). transformers.js is loaded
 * only when asked for, so the default path starts fast and never touches onnxruntime.
 */
import { z } from 'zod'
import { KotaeError } from '../errors.js'
import { BuiltinEmbedder } from './builtin.js'
import type { Embedder } from './embedder.js'

export type { Embedder, EmbedKind } from './embedder.js'
export { BuiltinEmbedder, type BuiltinEmbedderOptions } from './builtin.js'
export type { TransformersEmbedderOptions } from './transformers.js'

/** Which embedder to use, as plain data. */
export const EmbedderSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), dimension: z.number().int().min(16).max(4096).optional() }),
  z.object({
    kind: z.literal('transformers'),
    model: z.string().optional(),
    localModelPath: z.string().optional(),
    cacheDir: z.string().optional(),
    offline: z.boolean().optional(),
    quantized: z.boolean().optional(),
    batchSize: z.number().int().positive().optional(),
  }),
])
/** Which embedder to use, as plain data. */
export type EmbedderSpec = z.infer<typeof EmbedderSpecSchema>

/** Create an embedder from a spec; a transformers.js model that cannot load is an error, never a fallback. */
export async function createEmbedder(spec: EmbedderSpec = { kind: 'builtin' }): Promise<Embedder> {
  const parsed = EmbedderSpecSchema.safeParse(spec)
  if (!parsed.success) throw new KotaeError('INVALID_INPUT', `embedder: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  const value = parsed.data
  if (value.kind === 'builtin') return new BuiltinEmbedder({ dimension: value.dimension })
  const { createTransformersEmbedder } = await import('./transformers.js')
  const { kind: _kind, ...options } = value
  return createTransformersEmbedder(options)
}
