/**
 * The knowledge base on disk. A folder holds `manifest.json` and generation folders
 * (`gen-<time>-<hex>/`) with the entries, the HNSW index, the lexical index, the centroids, the
 * embedder state and the calibration. The manifest names the current generation; a generation
 * never changes once a manifest names it.
 *
 * A save, under the folder's writer lock (`lock.ts`: one writer at a time, the others wait then
 * fail with `KB_LOCKED`):
 * 1. refuses a folder that is not a kotae base (no manifest but other files): it never deletes a
 *    file it did not create;
 * 2. writes a whole new generation, each file fsynced and read back (size and SHA-256 of what is
 *    on disk against what was meant; `vectors.hnsw`, which hnswlib writes without reporting
 *    errors, is fsynced and its layout walked to its exact expected size), then fsyncs the folder;
 * 3. writes the new manifest to a temp file (verified the same way) and renames it over
 *    `manifest.json` (atomic), then fsyncs the folder: this is the commit point;
 * 4. keeps the previous generation (a reader that read the previous manifest may still be opening
 *    it) and removes only older generations that the manifest history lists.
 * A failure before the commit (disk full, permission, a missing path) removes the partial
 * generation and throws `KB_WRITE` naming the file and the cause; the previous base is untouched.
 *
 * A load checks the manifest against a strict schema, then against what the files say (embedder
 * identity and dimension, counts, HNSW parameters and layout, which parts are present), and every
 * file's SHA-256. A load that finds its generation gone because a writer replaced the base
 * meanwhile reads the new manifest and tries again.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createError, KotaeError } from '../errors.js'
import { FaqEntrySchema, parseOptions, schemaProblems } from '../schema.js'
import { z } from 'zod'
import { SkillsSchema } from '../respond/skills.js'
import { CalibrationSampleSchema, CalibrationSchema } from '../decide/index.js'
import { BuildRecipeSchema, type BuildRecipe } from './recipe.js'
import { DEFAULT_HNSW, EntryClassifier, FieldIndex, LexicalIndex, VectorIndex, type FieldIndexData, type LexicalIndexData } from '../retrieve/index.js'
import type { Embedder } from '../embed/embedder.js'
import { ModelLocationSchema, recreateEmbedder } from '../embed/index.js'
import type { KnowledgeBaseParts } from './parts.js'
import { describeFsError, faultPoint, sha256, type FsFailure, syncDir, syncFile, VerifyError, writeVerified } from './fsio.js'
import { HnswFileError, inspectHnswFile } from './hnsw-file.js'
import { acquireWriteLock, LockOptionsSchema, type WriteLock } from './lock.js'
import {
  describeIssues,
  FILES,
  GENERATION_NAME,
  HISTORY_LIMIT,
  isStoreName,
  KB_FORMAT_VERSION,
  ManifestEmbedderSchema,
  ManifestHnswSchema,
  ManifestSchema,
  partsProblems,
  previousManifestOf,
  tempManifestName,
  type Manifest,
  type PreviousManifest,
} from './manifest.js'

export { KB_FORMAT_VERSION, type Manifest } from './manifest.js'

function floatBytes(array: Float32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength)
}

function floatsOf(data: Buffer): Float32Array {
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
}

/** Options of `kb.save(dir, options)`: how long to wait for another writer of the same folder. */
export const SaveOptionsSchema = LockOptionsSchema
/** Options of `kb.save(dir, options)` (see {@link SaveOptionsSchema}). */
export type SaveOptions = z.input<typeof SaveOptionsSchema>

/** The step of a save in progress, for the error message when it fails. */
interface Step {
  what: string
  path: string
}

function newGenerationName(): string {
  return `gen-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

/** The files of a generation except `vectors.hnsw`, serialised (before anything touches the disk). */
function serialize(parts: KnowledgeBaseParts): Record<string, Buffer> {
  const blobs: Record<string, Buffer> = {
    [FILES.entries]: Buffer.from(parts.entries.map((e) => JSON.stringify(e)).join('\n') + '\n'),
    [FILES.phrasings]: Buffer.from(JSON.stringify({ texts: parts.phrasings.texts, entryOf: [...parts.phrasings.entryOf] })),
    [FILES.lexical]: Buffer.from(JSON.stringify(parts.lexical.toData())),
    [FILES.fields]: Buffer.from(JSON.stringify(parts.fields.toData())),
    [FILES.centroids]: floatBytes(parts.centroidSums),
    [FILES.embedder]: Buffer.from(JSON.stringify({ id: parts.embedder.id, dimension: parts.embedder.dimension, state: parts.embedder.state?.() ?? null })),
    [FILES.calibration]: Buffer.from(JSON.stringify(parts.calibration, null, 2)),
    [FILES.calibrationSamples]: Buffer.from(JSON.stringify(parts.selfSamples)),
    [FILES.recipe]: Buffer.from(JSON.stringify(parts.recipe, null, 2)),
  }
  if (parts.classifier) {
    const { entries, features, weights, bias } = parts.classifier.data
    blobs[FILES.classifierFeatures] = Buffer.from(JSON.stringify({ entries, features }))
    blobs[FILES.classifierWeights] = Buffer.concat([floatBytes(weights), floatBytes(bias)])
  }
  return blobs
}

/** A `KB_WRITE` error for a failed step: which file, what happened, what to do, and the state the folder was left in. */
async function writeFailure(error: unknown, dir: string, step: Step, state: string, described?: FsFailure): Promise<KotaeError> {
  const failure = described ?? (await describeFsError(error, existsSync(dir) ? dir : join(dir, '..')))
  return createError('KB_WRITE', { dir, reason: `${step.what} ${step.path} failed: ${failure.cause}`, hint: `${failure.advice}. ${state}`, file: step.path, step: step.what, errno: failure.code }, { cause: error })
}

function notAKnowledgeBase(dir: string, why: string, names: string[]): KotaeError {
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} in all)` : '')
  return createError('KB_WRITE', {
    dir,
    reason: `it is not a kotae knowledge base: ${why} (${shown})`,
    hint: `kotae saves only into an empty folder, a new one or an existing knowledge base, and never deletes files it did not create: pick an empty or new folder, e.g. ${join(dir, 'kb')}`,
    files: names.slice(0, 20),
  })
}

/**
 * What a save finds in `dir`: the manifest it replaces (null for an empty or new folder). Throws
 * `KB_WRITE` for a folder that is not a kotae base: other files and no kotae manifest.
 */
async function inspectFolder(dir: string): Promise<PreviousManifest | null> {
  const names = await readdir(dir)
  if (names.includes('manifest.json')) {
    let raw: unknown
    try {
      raw = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'))
    } catch {
      raw = undefined
    }
    const previous = previousManifestOf(raw)
    if (previous) return previous
    // A damaged manifest in a folder holding only what the store makes is still ours to replace.
    if (names.every(isStoreName)) return { generation: null, history: [] }
    throw notAKnowledgeBase(dir, 'its manifest.json is not a kotae manifest', names.filter((n) => !isStoreName(n) || n === 'manifest.json'))
  }
  const foreign = names.filter((n) => !isStoreName(n))
  if (foreign.length > 0) throw notAKnowledgeBase(dir, 'it has no manifest.json but holds other files', foreign)
  return null
}

/** Create `dir` if needed and check it is a folder; throws `KB_WRITE`. */
async function prepareFolder(dir: string): Promise<void> {
  const step = { what: 'creating the folder', path: dir }
  try {
    await faultPoint('mkdir', dir)
    await mkdir(dir, { recursive: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw await writeFailure(error, dir, step, 'Nothing was written.')
  }
  if (!(await stat(dir)).isDirectory()) throw createError('KB_WRITE', { dir, reason: 'it is a file, not a folder', hint: 'pick a folder path (kotae creates it)' })
}

/** Run a step that reads the folder, turning a file-system failure (permission...) into `KB_WRITE`. */
async function readingFolder<T>(dir: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (error) {
    if (error instanceof KotaeError || !isErrno(error)) throw error
    throw await writeFailure(error, dir, { what: 'reading the folder', path: dir }, 'Nothing was written.')
  }
}

async function removeQuietly(path: string): Promise<boolean> {
  try {
    await rm(path, { recursive: true, force: true })
    return true
  } catch {
    return false
  }
}

/**
 * Save a knowledge base to `dir` (see the module comment for the protocol). Throws `KB_LOCKED`
 * when another writer holds the folder longer than `lockTimeoutMs`, `KB_WRITE` when the folder is
 * not a kotae base or a write fails (the previous base is then unchanged), `INVALID_INPUT` when
 * the base's parameters are outside what a manifest accepts.
 */
export async function writeKnowledgeBase(parts: KnowledgeBaseParts, dir: string, options: SaveOptions = {}): Promise<void> {
  const lockOptions = parseOptions(SaveOptionsSchema, options, 'save')
  const embedder = ManifestEmbedderSchema.safeParse(manifestEmbedder(parts.embedder))
  const hnsw = ManifestHnswSchema.safeParse(parts.vectors.parameters)
  for (const [name, parsed] of [['embedder', embedder], ['hnsw', hnsw]] as const) {
    if (!parsed.success) throw createError('INVALID_OPTIONS', { where: `save ${dir} (build the base with parameters in range)`, problems: schemaProblems(parsed.error.issues, [name]) })
  }
  const blobs = serialize(parts)

  await prepareFolder(dir)
  await readingFolder(dir, () => inspectFolder(dir)) // refuse a foreign folder before creating the lock file in it
  const generation = newGenerationName()
  let lock: WriteLock
  try {
    lock = await acquireWriteLock(dir, generation, lockOptions)
  } catch (error) {
    if (error instanceof KotaeError) throw error
    throw await writeFailure(error, dir, { what: 'creating the lock file', path: join(dir, '.lock') }, 'Nothing was written.')
  }
  try {
    const previous = await readingFolder(dir, () => inspectFolder(dir))
    const recovered = lock.recovered?.generation
    if (recovered && GENERATION_NAME.test(recovered) && recovered !== previous?.generation && !previous?.history.includes(recovered)) {
      // The writer whose stale lock we took over died before committing: its generation is partial.
      await removeQuietly(join(dir, recovered))
      await removeQuietly(join(dir, tempManifestName(recovered)))
    }
    await writeGeneration(parts, dir, generation, blobs, previous, lock)
  } finally {
    await lock.release()
  }
}

async function writeGeneration(parts: KnowledgeBaseParts, dir: string, generation: string, blobs: Record<string, Buffer>, previous: PreviousManifest | null, lock: WriteLock): Promise<void> {
  const genDir = join(dir, generation)
  const temp = join(dir, tempManifestName(generation))
  const manifestPath = join(dir, 'manifest.json')
  const step: Step = { what: 'creating the generation folder', path: genDir }
  const files: Manifest['files'] = {}
  try {
    await faultPoint('mkdir', genDir)
    await mkdir(genDir)
    for (const [name, data] of Object.entries(blobs)) {
      Object.assign(step, { what: 'writing', path: join(genDir, name) })
      await writeVerified(step.path, data)
      files[name as keyof Manifest['files']] = { sha256: sha256(data), bytes: data.length }
    }
    Object.assign(step, { what: 'writing', path: join(genDir, FILES.hnsw) })
    files[FILES.hnsw] = await writeVectors(parts, step.path)
    Object.assign(step, { what: 'syncing the folder', path: genDir })
    await syncDir(genDir)
    // The generation folder's own entry must be durable before a manifest names it.
    Object.assign(step, { what: 'syncing the folder', path: dir })
    await syncDir(dir)

    const history = previous?.generation ? [previous.generation, ...previous.history.filter((g) => g !== previous.generation && g !== generation && existsSync(join(dir, g)))] : []
    const manifest: Manifest = {
      format: 'kotae-kb',
      formatVersion: KB_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      generation,
      history: history.slice(0, HISTORY_LIMIT),
      embedder: manifestEmbedder(parts.embedder),
      hnsw: { ...parts.vectors.parameters },
      counts: { entries: parts.entries.length, phrasings: parts.phrasings.texts.length },
      parts: { classifier: parts.classifier !== undefined },
      files,
    }
    const checked = ManifestSchema.safeParse(manifest)
    if (!checked.success) throw new Error(`internal error: the manifest about to be written is invalid: ${describeIssues(checked.error.issues)}`)
    Object.assign(step, { what: 'writing', path: temp })
    await writeVerified(temp, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'))
    await lock.assertHeld()
    Object.assign(step, { what: 'renaming the new manifest to', path: manifestPath })
    await faultPoint('rename', manifestPath)
    // The commit point. The folder sync comes after the catch: once this rename is done, a failure must not remove the new generation.
    await rename(temp, manifestPath)
  } catch (error) {
    // Described before the clean-up, so that the free space reported is what the save ran into.
    const described = isErrno(error) || error instanceof VerifyError ? await describeFsError(error, dir) : undefined
    const partial = existsSync(genDir)
    const removed = (await removeQuietly(genDir)) && (await removeQuietly(temp))
    await syncDir(dir).catch(() => undefined)
    if (error instanceof KotaeError || !(isErrno(error) || error instanceof VerifyError)) throw error
    const kept = previous?.generation ? `The previous knowledge base in ${dir} is unchanged and still loads` : 'Nothing was saved'
    throw await writeFailure(error, dir, step, removed ? `${kept}${partial ? `; the partial generation ${generation} was removed` : ''}.` : `${kept}; the partial generation ${genDir} could not be removed: delete it by hand.`, described)
  }

  // Committed: the new manifest is in place. Make the rename durable, then remove what no reader needs.
  try {
    await syncDir(dir)
  } catch (error) {
    throw await writeFailure(error, dir, { what: 'syncing the folder', path: dir }, `The new knowledge base is in place and loads, but may not survive a power loss: save again once the cause is fixed.`)
  }
  if (previous) {
    // Keep previous.generation: a reader that read the previous manifest may still be opening it.
    for (const old of previous.history) if (old !== previous.generation && old !== generation) await removeQuietly(join(dir, old))
  }
}

function isErrno(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string'
}

/** Write `vectors.hnsw` with hnswlib, fsync it, read it back and check its layout, count, dimension and M. */
async function writeVectors(parts: KnowledgeBaseParts, path: string): Promise<{ sha256: string; bytes: number }> {
  const { vectors, phrasings } = parts
  await faultPoint('write', path)
  vectors.write(path)
  await faultPoint('hnsw', path)
  if (!existsSync(path)) {
    // hnswlib does not say why it could not create the file: creating it ourselves gives the real errno.
    const probe = await open(path, 'wx')
    await probe.close()
    await rm(path, { force: true })
    throw new VerifyError(path, 'hnswlib did not create the file')
  }
  await syncFile(path)
  await faultPoint('verify', path)
  const data = await readFile(path)
  let info
  try {
    info = inspectHnswFile(data)
  } catch (error) {
    if (error instanceof HnswFileError) throw new VerifyError(path, `the vector index on disk is incomplete: ${error.reason} (hnswlib does not report write errors)`)
    throw error
  }
  const expected = { count: phrasings.texts.length, dimension: parts.embedder.dimension, M: vectors.parameters.M }
  if (info.count !== expected.count || info.dimension !== expected.dimension || info.M !== expected.M) {
    throw new VerifyError(path, `the vector index on disk has ${info.count} points of dimension ${info.dimension} with M ${info.M}, expected ${expected.count} of dimension ${expected.dimension} with M ${expected.M}`)
  }
  return { sha256: sha256(data), bytes: data.length }
}

/** Options of `loadKnowledgeBase`. */
export const LoadOptionsSchema = z.strictObject({
  /**
   * The embedder to ask with (its id must be the one the base was built with). Default: the
   * embedder the manifest records, created again (the built-in one, or the same transformers.js
   * model, looked for where it was found at build time unless `model` says where). Needed only
   * for a base built with the caller's own embedder.
   */
  embedder: z.custom<Embedder>((value) => typeof value === 'object' && value !== null && typeof (value as Embedder).embed === 'function', { message: 'expected an Embedder (an object with id, dimension and embed)' }).optional(),
  /** Where to look for the recorded transformers.js model (a base moved to another machine), and whether to go online. */
  model: ModelLocationSchema.optional(),
  /** Skills by name: an entry whose `skill` names one runs it when answered (see `SkillsSchema`). */
  skills: SkillsSchema.default({}),
})
/** Options of `loadKnowledgeBase` (see {@link LoadOptionsSchema}). */
export type LoadOptions = z.input<typeof LoadOptionsSchema>

/** What a manifest records about an embedder: its identity, dimension and how to create it again. */
function manifestEmbedder(embedder: Embedder): Manifest['embedder'] {
  return { id: embedder.id, dimension: embedder.dimension, spec: embedder.spec ?? { kind: 'custom' } }
}

/** A `KB_CORRUPT` error: which file of the base in `dir` is wrong and how (and which manifest field, when one disagrees). */
function corrupt(dir: string, file: string, reason: string, field?: string): KotaeError<'KB_CORRUPT'> {
  return createError('KB_CORRUPT', field === undefined ? { dir, file, reason } : { dir, file, reason, field })
}

/**
 * Read and verify the manifest of a knowledge-base folder: JSON, format version, the strict
 * schema (every field named in the error) and the files its parts imply.
 */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, 'manifest.json')
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw createError('KB_NOT_FOUND', { dir, reason: `the folder does not exist (build one with \`kotae build <faq> -o ${dir}\`)` })
  if (!existsSync(path)) throw createError('KB_NOT_FOUND', { dir, reason: 'manifest.json is missing' })
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw corrupt(dir, 'manifest.json', `is not valid JSON: ${(error as Error).message}`)
  }
  const version = (raw as { formatVersion?: unknown })?.formatVersion
  if (typeof version === 'number' && version !== KB_FORMAT_VERSION) {
    throw createError('KB_VERSION', { dir, version, supported: KB_FORMAT_VERSION })
  }
  const parsed = ManifestSchema.safeParse(raw)
  if (!parsed.success) {
    throw corrupt(dir, 'manifest.json', `is not a valid kotae manifest: ${describeIssues(parsed.error.issues)}`, parsed.error.issues.map((i) => i.path.join('.')).join(', '))
  }
  const problems = partsProblems(parsed.data)
  if (problems.length > 0) throw corrupt(dir, 'manifest.json', `is not consistent: ${problems.join('; ')}`, 'files, parts')
  return parsed.data
}

async function readVerified(dir: string, manifest: Manifest, name: string): Promise<Buffer> {
  const expected = manifest.files[name as keyof Manifest['files']]
  const path = join(dir, manifest.generation, name)
  if (!expected) throw corrupt(dir, name, 'is not listed in the manifest', 'files')
  let data: Buffer
  try {
    // Read at once, not with fs/promises: a base's files are local and the load parses them
    // synchronously anyway, while each async read waits a turn of the event loop per chunk. On a
    // server answering requests that made a reload take 10-20 s (bench/serve-load.ts).
    data = readFileSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt(dir, name, `is missing (${path})`)
    throw error
  }
  if (data.length !== expected.bytes || sha256(data) !== expected.sha256) {
    throw corrupt(dir, name, `does not match its checksum (expected ${expected.bytes} bytes, sha256 ${expected.sha256.slice(0, 12)}…, in ${path}): the file is damaged`)
  }
  return data
}

/** One file of a saved generation, as {@link readSavedGeneration} read it: name, bytes, SHA-256 (hex). */
export interface SavedGenerationFile {
  readonly name: string
  readonly data: Buffer
  readonly sha256: string
}

/**
 * The current generation of the base saved in `dir`, as files: its manifest (strict schema,
 * consistent parts) and every file the manifest lists, each read and checked against the
 * manifest's size and SHA-256, without loading the base (no embedder needed). For copying a
 * saved base elsewhere (publishing it to a PostgreSQL store) without ever copying a damaged one.
 * Throws what a load throws: `KB_NOT_FOUND`, `KB_VERSION`, `KB_CORRUPT` (naming the file). A
 * writer replacing the base meanwhile makes it read the new generation.
 */
export async function readSavedGeneration(dir: string): Promise<{ manifest: Manifest; files: SavedGenerationFile[] }> {
  for (let attempt = 1; ; attempt++) {
    const manifest = await readManifest(dir)
    try {
      const files: SavedGenerationFile[] = []
      for (const name of Object.keys(manifest.files).sort()) {
        if (manifest.files[name as keyof Manifest['files']] === undefined) continue
        const data = await readVerified(dir, manifest, name)
        files.push({ name, data, sha256: manifest.files[name as keyof Manifest['files']]!.sha256 })
      }
      return { manifest, files }
    } catch (error) {
      if (attempt >= LOAD_ATTEMPTS || !(error instanceof KotaeError) || error.code !== 'KB_CORRUPT') throw error
      const now = await readManifest(dir).catch(() => null)
      if (now && now.generation === manifest.generation) throw error
    }
  }
}

function parseJson(dir: string, data: Buffer, name: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'))
  } catch (error) {
    throw corrupt(dir, name, `is not valid JSON: ${(error as Error).message}`)
  }
}

/** A manifest field that disagrees with what a (checksum-verified) file says. */
function mismatch(dir: string, field: string, claimed: unknown, file: string, actual: unknown): KotaeError {
  return corrupt(dir, 'manifest.json', `field ${field} says ${JSON.stringify(claimed)} but ${file} says ${JSON.stringify(actual)}: the manifest was edited or mixed up with another base's`, field)
}

/**
 * The build recipe of the base in `dir`, or null when the folder holds no base (or one whose
 * recipe cannot be read: the caller is told why through `onUnreadable`). `kotae build` uses it
 * to merge accepted suggestions back when it rebuilds a folder from the source FAQ.
 */
export async function readSavedRecipe(dir: string, onUnreadable?: (error: KotaeError) => void): Promise<BuildRecipe | null> {
  try {
    const manifest = await readManifest(dir)
    const recipe = BuildRecipeSchema.safeParse(parseJson(dir, await readVerified(dir, manifest, FILES.recipe), FILES.recipe))
    if (!recipe.success) throw corrupt(dir, FILES.recipe, `is not a build recipe (${describeIssues(recipe.error.issues)})`)
    return recipe.data
  } catch (error) {
    if (error instanceof KotaeError) {
      if (error.code !== 'KB_NOT_FOUND') onUnreadable?.(error)
      return null
    }
    throw error
  }
}

/** How many times a load re-reads a manifest that a writer replaced while it was reading. */
const LOAD_ATTEMPTS = 5

/**
 * Load a knowledge base saved by `save`, verifying the manifest, what the files say against it,
 * and every checksum. A writer replacing the base meanwhile makes the load read the new one.
 */
export async function readKnowledgeBase(dir: string, options: LoadOptions = {}): Promise<KnowledgeBaseParts> {
  const opts = parseOptions(LoadOptionsSchema, options, 'loadKnowledgeBase')
  for (let attempt = 1; ; attempt++) {
    const manifest = await readManifest(dir)
    try {
      return await loadGeneration(dir, manifest, opts)
    } catch (error) {
      if (attempt >= LOAD_ATTEMPTS || !(error instanceof KotaeError) || error.code !== 'KB_CORRUPT') throw error
      const now = await readManifest(dir).catch(() => null)
      if (now && now.generation === manifest.generation) throw error
      // A writer committed a new base while we read this one (and removed an old generation): read the new one.
    }
  }
}

async function loadGeneration(dir: string, manifest: Manifest, options: z.output<typeof LoadOptionsSchema>): Promise<KnowledgeBaseParts> {
  const genDir = join(dir, manifest.generation)
  let names: string[]
  try {
    names = await readdir(genDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt(dir, manifest.generation, `, the generation folder that manifest.json names (field generation), is missing`, 'generation')
    throw error
  }
  const unlisted = names.filter((n) => manifest.files[n as keyof Manifest['files']] === undefined)
  if (unlisted.length > 0) {
    const classifier = unlisted.some((n) => n === FILES.classifierFeatures || n === FILES.classifierWeights)
    throw corrupt(dir, 'manifest.json', `does not list ${unlisted.join(', ')} of ${genDir} in its field files${classifier ? ' (its field parts.classifier is false, but the base was built with a classifier)' : ''}: the manifest was edited`, classifier ? 'parts.classifier' : 'files')
  }

  // What the embedder file says must be what the manifest says.
  const embedderFile = parseJson(dir, await readVerified(dir, manifest, FILES.embedder), FILES.embedder) as { id?: unknown; dimension?: unknown; state?: unknown }
  if (embedderFile.id !== manifest.embedder.id) throw mismatch(dir, 'embedder.id', manifest.embedder.id, FILES.embedder, embedderFile.id)
  if (embedderFile.dimension !== manifest.embedder.dimension) throw mismatch(dir, 'embedder.dimension', manifest.embedder.dimension, FILES.embedder, embedderFile.dimension)
  const { spec } = manifest.embedder
  if (spec.kind === 'builtin' && spec.dimension !== manifest.embedder.dimension) throw mismatch(dir, 'embedder.dimension', manifest.embedder.dimension, 'field embedder.spec.dimension', spec.dimension)
  const embedder = options.embedder ?? (await recreateEmbedder(spec, manifest.embedder.id, dir, options.model))
  if (embedder.id !== manifest.embedder.id || embedder.dimension !== manifest.embedder.dimension) {
    throw createError('EMBEDDER_MISMATCH', { dir, built: `"${manifest.embedder.id}" (dimension ${manifest.embedder.dimension})`, given: `"${embedder.id}" (dimension ${embedder.dimension})`, hint: 'ask it with the same embedder, or rebuild it with this one' })
  }
  const { dimension } = manifest.embedder

  // The vector index: its own header says how many points, of which dimension, built with which M.
  const hnswData = await readVerified(dir, manifest, FILES.hnsw)
  let info
  try {
    info = inspectHnswFile(hnswData)
  } catch (error) {
    if (error instanceof HnswFileError) throw corrupt(dir, FILES.hnsw, `is not a complete vector index: ${error.reason}`)
    throw error
  }
  const hnswFile = `${FILES.hnsw} (its header)`
  if (info.dimension !== dimension) throw mismatch(dir, 'embedder.dimension', dimension, hnswFile, info.dimension)
  if (info.count !== manifest.counts.phrasings) throw mismatch(dir, 'counts.phrasings', manifest.counts.phrasings, hnswFile, info.count)
  if (info.M !== manifest.hnsw.M) throw mismatch(dir, 'hnsw.M', manifest.hnsw.M, hnswFile, info.M)
  if (info.efConstruction !== manifest.hnsw.efConstruction) throw mismatch(dir, 'hnsw.efConstruction', manifest.hnsw.efConstruction, hnswFile, info.efConstruction)

  const entriesRaw = (await readVerified(dir, manifest, FILES.entries)).toString('utf8').split('\n').filter(Boolean)
  if (entriesRaw.length !== manifest.counts.entries) throw mismatch(dir, 'counts.entries', manifest.counts.entries, FILES.entries, entriesRaw.length)
  const entries = entriesRaw.map((line, i) => {
    const parsed = FaqEntrySchema.safeParse(parseJson(dir, Buffer.from(line), `${FILES.entries} line ${i + 1}`))
    if (!parsed.success) throw corrupt(dir, FILES.entries, `line ${i + 1} is not a valid entry`)
    return parsed.data
  })
  const phrasingsRaw = parseJson(dir, await readVerified(dir, manifest, FILES.phrasings), FILES.phrasings) as { texts: string[]; entryOf: number[] }
  if (!Array.isArray(phrasingsRaw.texts) || !Array.isArray(phrasingsRaw.entryOf) || phrasingsRaw.entryOf.length !== phrasingsRaw.texts.length) throw corrupt(dir, FILES.phrasings, 'is not a phrasing table')
  if (phrasingsRaw.texts.length !== manifest.counts.phrasings) throw mismatch(dir, 'counts.phrasings', manifest.counts.phrasings, FILES.phrasings, phrasingsRaw.texts.length)
  if (phrasingsRaw.entryOf.some((e) => !Number.isInteger(e) || e < 0 || e >= entries.length)) throw corrupt(dir, FILES.phrasings, `names entries that do not exist (the base has ${entries.length})`)
  const lexicalData = parseJson(dir, await readVerified(dir, manifest, FILES.lexical), FILES.lexical) as LexicalIndexData
  const fieldData = parseJson(dir, await readVerified(dir, manifest, FILES.fields), FILES.fields) as FieldIndexData
  const centroidBytes = await readVerified(dir, manifest, FILES.centroids)
  if (centroidBytes.length !== entries.length * dimension * 4) throw mismatch(dir, 'embedder.dimension', dimension, `${FILES.centroids} (${centroidBytes.length} bytes for ${entries.length} entries)`, centroidBytes.length / 4 / entries.length)
  const centroidSums = floatsOf(centroidBytes)
  let classifier: EntryClassifier | undefined
  if (manifest.parts.classifier) {
    const { entries: classes, features } = parseJson(dir, await readVerified(dir, manifest, FILES.classifierFeatures), FILES.classifierFeatures) as { entries: number; features: string[] }
    if (classes !== entries.length) throw mismatch(dir, 'counts.entries', entries.length, FILES.classifierFeatures, classes)
    const floats = floatsOf(await readVerified(dir, manifest, FILES.classifierWeights))
    if (floats.length !== features.length * classes + classes) throw corrupt(dir, FILES.classifierWeights, `has ${floats.length} weights, expected ${features.length * classes + classes}`)
    classifier = EntryClassifier.fromData({ entries: classes, features, weights: floats.subarray(0, features.length * classes), bias: floats.subarray(features.length * classes) })
  }
  if (embedderFile.state !== null && embedderFile.state !== undefined) embedder.restore?.(embedderFile.state)
  const calibration = CalibrationSchema.safeParse(parseJson(dir, await readVerified(dir, manifest, FILES.calibration), FILES.calibration))
  if (!calibration.success) throw corrupt(dir, FILES.calibration, `is not a valid calibration (${describeIssues(calibration.error.issues)})`)
  const samples = z.array(CalibrationSampleSchema).safeParse(parseJson(dir, await readVerified(dir, manifest, FILES.calibrationSamples), FILES.calibrationSamples))
  if (!samples.success) throw corrupt(dir, FILES.calibrationSamples, `is not a list of calibration samples (${describeIssues(samples.error.issues)})`)
  const recipe = BuildRecipeSchema.safeParse(parseJson(dir, await readVerified(dir, manifest, FILES.recipe), FILES.recipe))
  if (!recipe.success) throw corrupt(dir, FILES.recipe, `is not a build recipe (${describeIssues(recipe.error.issues)})`)
  if (recipe.data.embedder !== manifest.embedder.id) throw mismatch(dir, 'embedder.id', manifest.embedder.id, FILES.recipe, recipe.data.embedder)
  const hnsw = { ...DEFAULT_HNSW, ...manifest.hnsw }
  let vectors: VectorIndex
  try {
    vectors = VectorIndex.read(join(genDir, FILES.hnsw), dimension, manifest.counts.phrasings, hnsw)
  } catch (error) {
    if (!existsSync(join(genDir, FILES.hnsw))) throw corrupt(dir, FILES.hnsw, `is missing (${join(genDir, FILES.hnsw)})`)
    throw corrupt(dir, FILES.hnsw, `cannot be read: ${(error as Error).message}`)
  }
  return {
    entries,
    phrasings: { texts: phrasingsRaw.texts, entryOf: Int32Array.from(phrasingsRaw.entryOf) },
    embedder,
    vectors,
    lexical: LexicalIndex.fromData(lexicalData),
    fields: FieldIndex.fromData(fieldData),
    centroidSums,
    classifier,
    calibration: calibration.data,
    selfSamples: samples.data,
    recipe: recipe.data,
  }
}
