/**
 * The manifest of a knowledge-base folder (`manifest.json`): a strict zod schema, the files a
 * base is made of, and the names the store gives to what it creates (so that it never touches
 * anything else in a folder). A manifest says which parts the base has (`parts`), and from that
 * exactly which files it must list; every parameter has a range; unknown keys anywhere are
 * refused. What the files themselves say (embedder, dimension, counts) is checked at load time
 * by `store.ts`.
 */
import { z } from 'zod'
import { RecordedEmbedderSchema } from '../embed/spec.js'
import { HnswParametersSchema } from '../retrieve/vector-index.js'

/** Version of the folder layout; bumped on any incompatible change (3: `parts`, `history`, strict schema; 5: `embedder.spec`). */
export const KB_FORMAT_VERSION = 5

/** The files of a generation folder. */
export const FILES = {
  entries: 'entries.jsonl',
  phrasings: 'phrasings.json',
  hnsw: 'vectors.hnsw',
  lexical: 'lexical.json',
  fields: 'fields.json',
  centroids: 'centroids.f32',
  embedder: 'embedder.json',
  calibration: 'calibration.json',
  calibrationSamples: 'calibration-samples.json',
  recipe: 'recipe.json',
  classifierFeatures: 'classifier.json',
  classifierWeights: 'classifier.f32',
} as const

/** The files every base has. */
export const CORE_FILES: readonly string[] = [FILES.entries, FILES.phrasings, FILES.hnsw, FILES.lexical, FILES.fields, FILES.centroids, FILES.embedder, FILES.calibration, FILES.calibrationSamples, FILES.recipe]
/** The files of the optional entry classifier (`parts.classifier`). */
export const CLASSIFIER_FILES: readonly string[] = [FILES.classifierFeatures, FILES.classifierWeights]

/** The files a base with these parts must have, no more, no fewer. */
export function filesFor(parts: { classifier: boolean }): string[] {
  return [...CORE_FILES, ...(parts.classifier ? CLASSIFIER_FILES : [])]
}

/** Name of a generation folder: `gen-<Date.now() base 36>-<8 hex>`. */
export const GENERATION_NAME = /^gen-[0-9a-z]{6,12}-[0-9a-f]{8}$/
/** Name of the temporary manifest a save writes before renaming it into place. */
export const TEMP_MANIFEST_NAME = /^\.manifest-gen-[0-9a-z]{6,12}-[0-9a-f]{8}\.tmp$/
/** The temporary manifest of a generation. */
export const tempManifestName = (generation: string) => `.manifest-${generation}.tmp`

/** Most generations a manifest's history lists. */
export const HISTORY_LIMIT = 8

const FileRecordSchema = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  bytes: z.number().int().nonnegative(),
})

const generationName = z.string().regex(GENERATION_NAME, 'must be a generation folder name (gen-<time>-<hex>)')

/** The embedder part of a manifest (also validated before a save writes anything). */
export const ManifestEmbedderSchema = z.strictObject({
  id: z.string().min(1).max(300),
  dimension: z.number().int().min(1).max(65_536),
  /** How to create the embedder again (kind, model, weights, pooling, prefixes, model folder). */
  spec: RecordedEmbedderSchema,
})
/** The HNSW parameters of a manifest (also validated before a save writes anything). */
export const ManifestHnswSchema = HnswParametersSchema

/** The strict manifest schema (format version {@link KB_FORMAT_VERSION}). */
export const ManifestSchema = z.strictObject({
  format: z.literal('kotae-kb'),
  formatVersion: z.literal(KB_FORMAT_VERSION),
  createdAt: z.iso.datetime(),
  generation: generationName,
  /** Generations named by earlier manifests of this folder that may still be on disk, newest first: the only folders a save may remove. */
  history: z.array(generationName).max(HISTORY_LIMIT),
  embedder: ManifestEmbedderSchema,
  hnsw: ManifestHnswSchema,
  counts: z.strictObject({ entries: z.number().int().positive(), phrasings: z.number().int().positive() }),
  /** The optional parts this base has; each implies its files. */
  parts: z.strictObject({ classifier: z.boolean() }),
  files: z.strictObject(Object.fromEntries(Object.values(FILES).map((name) => [name, FileRecordSchema.optional()])) as Record<(typeof FILES)[keyof typeof FILES], z.ZodOptional<typeof FileRecordSchema>>),
})

/** The manifest of a knowledge-base folder. */
export type Manifest = z.infer<typeof ManifestSchema>

/** Format a zod issue path as a manifest field name: `files["extra.bin"]`, `hnsw.efSearch`. */
export function fieldName(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(String(p)) ? `${i ? '.' : ''}${String(p)}` : `["${String(p)}"]`)).join('') || '(top level)'
}

/** Describe the zod issues of a manifest, each naming its field. */
export function describeIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `field ${fieldName([...issue.path, key])} is not a manifest field${issue.path[0] === 'files' ? ' (not a file of a kotae base)' : ''}`).join('; ')
      return `field ${fieldName(issue.path)}: ${issue.message}`
    })
    .join('; ')
}

/**
 * Check that the files a manifest lists are exactly those its parts imply; returns the
 * problems, each naming the field (empty when consistent).
 */
export function partsProblems(manifest: Manifest): string[] {
  const wanted = new Set(filesFor(manifest.parts))
  const listed = Object.keys(manifest.files).filter((name) => manifest.files[name as keyof Manifest['files']] !== undefined)
  const problems: string[] = []
  for (const name of wanted) {
    if (!listed.includes(name)) problems.push(`field files lacks "${name}"${CLASSIFIER_FILES.includes(name) ? ', which parts.classifier = true requires' : ', which every base has'}`)
  }
  for (const name of listed) if (!wanted.has(name)) problems.push(`field files["${name}"] is listed but parts.classifier is false`)
  return problems
}

/** What a save needs to know of the manifest it replaces, read leniently (any format version, even a damaged manifest). */
export interface PreviousManifest {
  /** The generation it names (kept by the save: readers may still be opening it). */
  generation: string | null
  /** Older generations it lists (removed by the save). */
  history: string[]
}

/** Read what a save needs from an existing manifest's JSON, or null when it is not a kotae manifest. */
export function previousManifestOf(raw: unknown): PreviousManifest | null {
  if (typeof raw !== 'object' || raw === null || (raw as { format?: unknown }).format !== 'kotae-kb') return null
  const { generation, history } = raw as { generation?: unknown; history?: unknown }
  return {
    generation: typeof generation === 'string' && GENERATION_NAME.test(generation) ? generation : null,
    history: Array.isArray(history) ? history.filter((g): g is string => typeof g === 'string' && GENERATION_NAME.test(g)) : [],
  }
}

/** Whether a folder entry is one the store creates (manifest, lock, generation, temp manifest). */
export function isStoreName(name: string): boolean {
  return name === 'manifest.json' || name === '.lock' || name === '.lock.takeover' || GENERATION_NAME.test(name) || TEMP_MANIFEST_NAME.test(name)
}
