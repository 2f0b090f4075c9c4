/**
 * The build recipe: everything a rebuild needs to make the same kind of base from new entries
 * (`suggest --accept`, a content update), saved with the base so nothing falls back silently to
 * defaults: the options the base was built with and the labelled calibration it was fitted on.
 */
import { z } from 'zod'
import { LabelledQuerySchema } from '../schema.js'

/** How a knowledge base was built and calibrated. */
export const BuildRecipeSchema = z.strictObject({
  /** Embedder id the base was built with (a rebuild uses the same embedder). */
  embedder: z.string().min(1),
  /** HNSW parameters the caller set (the rest chosen by size). */
  hnsw: z.strictObject({ M: z.number().int().positive().optional(), efConstruction: z.number().int().positive().optional(), efSearch: z.number().int().positive().optional() }),
  /** Entry-classifier options the caller set, or false when the base must never train one. */
  classifier: z.union([z.literal(false), z.record(z.string(), z.number())]),
  /** Whether the build self-calibrated. */
  selfCalibrate: z.boolean(),
  /** Target answer precision of the build. */
  targetPrecision: z.number().gt(0).lt(1),
  /** The labelled calibration applied after the build (`kb.calibrate`), replayed by every rebuild; null when none. */
  labelled: z.strictObject({ queries: z.array(LabelledQuerySchema), targetPrecision: z.number().gt(0).lt(1) }).nullable(),
  /**
   * Variants added by accepting suggestions (`kotae suggest --accept`): part of the base's
   * content, so `kotae build` from the source FAQ into this folder merges them back.
   */
  accepted: z.array(z.strictObject({ entryId: z.string().min(1), variant: z.string().min(1) })),
})
/** How a knowledge base was built and calibrated (see {@link BuildRecipeSchema}). */
export type BuildRecipe = z.infer<typeof BuildRecipeSchema>
