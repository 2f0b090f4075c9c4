/**
 * The knowledge base on disk. A folder holds `manifest.json` and one generation folder
 * (`gen-<time>/`) with the entries, the HNSW index, the lexical index, the centroids, the
 * embedder state and the calibration. A save writes a whole new generation first, then swaps
 * the manifest atomically (temp file + rename), then removes old generations: a crash at any
 * point leaves either the old or the new base, both complete. `load` verifies the format
 * version, the embedder identity and dimension, and every file's SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { KotaeError } from '../errors.js'
import { FaqEntrySchema } from '../schema.js'
import { CalibrationSchema } from '../decide/index.js'
import { DEFAULT_HNSW, EntryClassifier, FieldIndex, LexicalIndex, VectorIndex, type FieldIndexData, type LexicalIndexData } from '../retrieve/index.js'
import { BuiltinEmbedder } from '../embed/builtin.js'
import type { Embedder } from '../embed/embedder.js'
import { KnowledgeBase } from '../engine.js'

/** Version of the folder layout; bumped on any incompatible change. */
export const KB_FORMAT_VERSION = 2

const FILES = {
  entries: 'entries.jsonl',
  phrasings: 'phrasings.json',
  hnsw: 'vectors.hnsw',
  lexical: 'lexical.json',
  fields: 'fields.json',
  centroids: 'centroids.f32',
  embedder: 'embedder.json',
  calibration: 'calibration.json',
  classifierFeatures: 'classifier.json',
  classifierWeights: 'classifier.f32',
} as const

function floatBytes(array: Float32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength)
}

function floatsOf(data: Buffer): Float32Array {
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
}

const ManifestSchema = z.object({
  format: z.literal('kotae-kb'),
  formatVersion: z.number().int(),
  createdAt: z.string(),
  generation: z.string().regex(/^gen-[0-9a-z-]+$/),
  embedder: z.object({ id: z.string(), dimension: z.number().int().positive() }),
  hnsw: z.object({ M: z.number().int(), efConstruction: z.number().int(), efSearch: z.number().int() }),
  counts: z.object({ entries: z.number().int(), phrasings: z.number().int() }),
  files: z.record(z.string(), z.object({ sha256: z.string(), bytes: z.number().int() })),
})
/** The manifest of a knowledge-base folder. */
export type Manifest = z.infer<typeof ManifestSchema>

async function writeFileDurable(path: string, data: Buffer | string): Promise<void> {
  const handle = await open(path, 'w')
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Save a knowledge base to `dir` atomically (see the module comment). */
export async function saveKnowledgeBase(kb: KnowledgeBase, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  const generation = `gen-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
  const genDir = join(dir, generation)
  await mkdir(genDir)
  const { parts } = kb
  const blobs: Record<string, Buffer> = {
    [FILES.entries]: Buffer.from(kb.entries.map((e) => JSON.stringify(e)).join('\n') + '\n'),
    [FILES.phrasings]: Buffer.from(JSON.stringify({ texts: parts.phrasings.texts, entryOf: [...parts.phrasings.entryOf] })),
    [FILES.lexical]: Buffer.from(JSON.stringify(parts.lexical.toData())),
    [FILES.fields]: Buffer.from(JSON.stringify(parts.fields.toData())),
    [FILES.centroids]: floatBytes(parts.centroidSums),
    [FILES.embedder]: Buffer.from(JSON.stringify({ id: kb.embedder.id, dimension: kb.embedder.dimension, state: kb.embedder.state?.() ?? null })),
    [FILES.calibration]: Buffer.from(JSON.stringify(kb.calibration, null, 2)),
  }
  if (parts.classifier) {
    const { entries, features, weights, bias } = parts.classifier.data
    blobs[FILES.classifierFeatures] = Buffer.from(JSON.stringify({ entries, features }))
    blobs[FILES.classifierWeights] = Buffer.concat([floatBytes(weights), floatBytes(bias)])
  }
  const files: Manifest['files'] = {}
  for (const [name, data] of Object.entries(blobs)) {
    await writeFileDurable(join(genDir, name), data)
    files[name] = { sha256: sha256(data), bytes: data.length }
  }
  parts.vectors.write(join(genDir, FILES.hnsw))
  const hnswData = await readFile(join(genDir, FILES.hnsw))
  files[FILES.hnsw] = { sha256: sha256(hnswData), bytes: hnswData.length }

  const manifest: Manifest = {
    format: 'kotae-kb',
    formatVersion: KB_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    generation,
    embedder: { id: kb.embedder.id, dimension: kb.embedder.dimension },
    hnsw: parts.vectors.parameters,
    counts: { entries: kb.entries.length, phrasings: parts.phrasings.texts.length },
    files,
  }
  const temp = join(dir, `.manifest-${randomBytes(4).toString('hex')}.tmp`)
  await writeFileDurable(temp, JSON.stringify(manifest, null, 2) + '\n')
  await rename(temp, join(dir, 'manifest.json'))
  // Older generations, and leftovers of a save that crashed, are no longer named by the manifest.
  for (const name of await readdir(dir)) {
    const stale = (name.startsWith('gen-') && name !== generation) || (name.startsWith('.manifest-') && name.endsWith('.tmp'))
    if (stale) await rm(join(dir, name), { recursive: true, force: true })
  }
}

/** Options of `loadKnowledgeBase`. */
export interface LoadOptions {
  /**
   * The embedder to ask with. Default: the built-in embedder when the base was built with it;
   * a base built with another embedder needs it passed here (its id must match).
   */
  embedder?: Embedder
}

/** Read and verify the manifest of a knowledge-base folder. */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, 'manifest.json')
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw new KotaeError('KB_NOT_FOUND', `no knowledge base at ${dir}: the folder does not exist (build one with \`kotae build <faq> -o ${dir}\`)`)
  if (!existsSync(path)) throw new KotaeError('KB_NOT_FOUND', `no knowledge base at ${dir}: manifest.json is missing`)
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new KotaeError('KB_CORRUPT', `${path} is not valid JSON: ${(error as Error).message}`)
  }
  const version = (raw as { formatVersion?: unknown })?.formatVersion
  if (typeof version === 'number' && version !== KB_FORMAT_VERSION) {
    throw new KotaeError('KB_VERSION', `${dir} has format version ${version}; this kotae reads version ${KB_FORMAT_VERSION}. Rebuild it with \`kotae build\`.`)
  }
  const parsed = ManifestSchema.safeParse(raw)
  if (!parsed.success) throw new KotaeError('KB_CORRUPT', `${path} is not a kotae manifest: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  return parsed.data
}

async function readVerified(dir: string, manifest: Manifest, name: string): Promise<Buffer> {
  const expected = manifest.files[name]
  const path = join(dir, manifest.generation, name)
  if (!expected) throw new KotaeError('KB_CORRUPT', `${dir}: the manifest does not list ${name}`)
  if (!existsSync(path)) throw new KotaeError('KB_CORRUPT', `${path} is missing`, { file: name })
  const data = await readFile(path)
  if (data.length !== expected.bytes || sha256(data) !== expected.sha256) {
    throw new KotaeError('KB_CORRUPT', `${path} does not match its checksum (expected ${expected.bytes} bytes, sha256 ${expected.sha256.slice(0, 12)}…): the file is damaged; rebuild the knowledge base`, { file: name })
  }
  return data
}

function parseJson(data: Buffer, name: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'))
  } catch (error) {
    throw new KotaeError('KB_CORRUPT', `${name} is not valid JSON: ${(error as Error).message}`)
  }
}

/** Load a knowledge base saved by `save`, verifying version, embedder and checksums. */
export async function loadKnowledgeBase(dir: string, options: LoadOptions = {}): Promise<KnowledgeBase> {
  const manifest = await readManifest(dir)
  let embedder = options.embedder
  if (!embedder) {
    const match = /^builtin-hash-v1:(\d+)$/.exec(manifest.embedder.id)
    if (!match) {
      throw new KotaeError('EMBEDDER_MISMATCH', `${dir} was built with the embedder "${manifest.embedder.id}"; pass that embedder to loadKnowledgeBase (CLI: --embedder)`)
    }
    embedder = new BuiltinEmbedder({ dimension: Number(match[1]) })
  }
  if (embedder.id !== manifest.embedder.id || embedder.dimension !== manifest.embedder.dimension) {
    throw new KotaeError('EMBEDDER_MISMATCH', `${dir} was built with "${manifest.embedder.id}" (dimension ${manifest.embedder.dimension}), not "${embedder.id}" (dimension ${embedder.dimension}); ask it with the same embedder or rebuild it`)
  }

  const entriesRaw = (await readVerified(dir, manifest, FILES.entries)).toString('utf8').split('\n').filter(Boolean)
  const entries = entriesRaw.map((line, i) => {
    const parsed = FaqEntrySchema.safeParse(parseJson(Buffer.from(line), `${FILES.entries} line ${i + 1}`))
    if (!parsed.success) throw new KotaeError('KB_CORRUPT', `${FILES.entries} line ${i + 1} is not a valid entry`)
    return parsed.data
  })
  const phrasingsRaw = parseJson(await readVerified(dir, manifest, FILES.phrasings), FILES.phrasings) as { texts: string[]; entryOf: number[] }
  const lexicalData = parseJson(await readVerified(dir, manifest, FILES.lexical), FILES.lexical) as LexicalIndexData
  const fieldData = parseJson(await readVerified(dir, manifest, FILES.fields), FILES.fields) as FieldIndexData
  const centroidBytes = await readVerified(dir, manifest, FILES.centroids)
  const centroidSums = floatsOf(centroidBytes)
  let classifier: EntryClassifier | undefined
  if (manifest.files[FILES.classifierFeatures]) {
    const { entries: classes, features } = parseJson(await readVerified(dir, manifest, FILES.classifierFeatures), FILES.classifierFeatures) as { entries: number; features: string[] }
    const floats = floatsOf(await readVerified(dir, manifest, FILES.classifierWeights))
    if (floats.length !== features.length * classes + classes) throw new KotaeError('KB_CORRUPT', `${FILES.classifierWeights} has ${floats.length} weights, expected ${features.length * classes + classes}`)
    classifier = EntryClassifier.fromData({ entries: classes, features, weights: floats.subarray(0, features.length * classes), bias: floats.subarray(features.length * classes) })
  }
  const embedderFile = parseJson(await readVerified(dir, manifest, FILES.embedder), FILES.embedder) as { state: unknown }
  if (embedderFile.state !== null) embedder.restore?.(embedderFile.state)
  const calibration = CalibrationSchema.safeParse(parseJson(await readVerified(dir, manifest, FILES.calibration), FILES.calibration))
  if (!calibration.success) throw new KotaeError('KB_CORRUPT', `${FILES.calibration} is not a valid calibration`)
  await readVerified(dir, manifest, FILES.hnsw)
  const hnsw = { ...DEFAULT_HNSW, ...manifest.hnsw }
  let vectors: VectorIndex
  try {
    vectors = VectorIndex.read(join(dir, manifest.generation, FILES.hnsw), manifest.embedder.dimension, manifest.counts.phrasings, hnsw)
  } catch (error) {
    throw new KotaeError('KB_CORRUPT', `${FILES.hnsw} cannot be read: ${(error as Error).message}`)
  }
  if (phrasingsRaw.texts.length !== manifest.counts.phrasings || entries.length !== manifest.counts.entries) {
    throw new KotaeError('KB_CORRUPT', `${dir}: counts do not match the manifest`)
  }
  return new KnowledgeBase({
    entries,
    phrasings: { texts: phrasingsRaw.texts, entryOf: Int32Array.from(phrasingsRaw.entryOf) },
    embedder,
    vectors,
    lexical: LexicalIndex.fromData(lexicalData),
    fields: FieldIndex.fromData(fieldData),
    centroidSums,
    classifier,
    calibration: calibration.data,
  })
}
