/**
 * Building a knowledge base's parts from FAQ entries: validate them, list their phrasings, embed
 * them straight into the HNSW index and the entry centroids, build the phrasing (BM25) and field
 * (BM25F) indexes and, when the FAQ has enough phrasings per entry, train the entry classifier.
 * The calibration starts unfitted; the engine self-calibrates the result.
 */
import { z } from 'zod'
import { createError } from '../errors.js'
import { defaultCalibration } from '../decide/calibration.js'
import { selfCalibrationPhrasings } from '../decide/self-calibration.js'
import { BuiltinEmbedder } from '../embed/builtin.js'
import type { Embedder } from '../embed/embedder.js'
import { ImportLimitsSchema } from '../ingest/limits.js'
import { SkillsSchema } from '../respond/skills.js'
import { validateEntries } from '../ingest/validate.js'
import { addToCentroid, ClassifierOptionsSchema, EntryClassifier, FieldIndex, hnswParametersFor, HnswParametersSchema, LexicalIndex, VectorIndex, type HnswParameters } from '../retrieve/index.js'
import { baseLanguage, type FaqEntry, type FaqEntryInput, type ProgressListener } from '../schema.js'
import { analyze, fieldTerms, indexTerms, normalizeText, type AnalyzedText } from '../text/index.js'
import { phrasingsOf, type KnowledgeBaseParts, type Phrasings } from './parts.js'

/** Bases up to this many phrasings keep their analysed terms during the build. */
const TERMS_CACHE_LIMIT = 100_000
/** Phrasings embedded per batch. */
const EMBED_BATCH = 256

/** Options of `buildKnowledgeBase`: one schema, with the defaults. */
export const BuildOptionsSchema = z.strictObject({
  /** The embedder; default: the built-in weight-free embedder (a fresh one: it learns the FAQ's IDF). */
  embedder: z.custom<Embedder>((value) => typeof value === 'object' && value !== null && typeof (value as Embedder).embed === 'function', { message: 'expected an Embedder (an object with id, dimension and embed)' }).optional(),
  /** HNSW parameters to set; the others are chosen by the number of phrasings (`hnswParametersFor`). */
  hnsw: HnswParametersSchema.partial().default({}),
  /** Fit the confidence from the FAQ itself after building (see `decide/self-calibration.ts`). */
  selfCalibrate: z.boolean().default(true),
  /** Target answer precision: the share of answers that must be right (0.95: at most 1 in 20 wrong). */
  targetPrecision: z.number().gt(0, 'must be a share between 0 and 1, e.g. 0.95').lt(1, 'must be a share between 0 and 1, e.g. 0.95').default(0.95),
  /** Called as the build progresses (stage, done, total), e.g. for a progress bar. */
  onProgress: z.custom<ProgressListener>((value) => typeof value === 'function', { message: 'must be a function (stage, done, total)' }).optional(),
  /** Entry-classifier options; `false` never trains one. */
  classifier: z.union([z.literal(false), ClassifierOptionsSchema]).default(ClassifierOptionsSchema.parse({})),
  /** Import limits the entries are checked against: raise them for entries imported with raised limits. */
  limits: ImportLimitsSchema.prefault({}),
  /** Skills by name: an entry whose `skill` names one runs it when answered (never during calibration). */
  skills: SkillsSchema.default({}),
})
/** Options of `buildKnowledgeBase`, as a caller writes them. */
export type BuildOptions = z.input<typeof BuildOptionsSchema>
/** The default build options. */
export const DEFAULT_BUILD_OPTIONS = BuildOptionsSchema.parse({})

/**
 * The parts of a new knowledge base (calibration not fitted yet) and the phrasings held out of
 * the classifier's training for self-calibration. Throws `INVALID_ARGUMENT` for a non-array,
 * `DUPLICATE_ID` when the only problems are shared ids, `FAQ_INVALID` naming every problem's
 * entry and field, `EMPTY_FAQ` for no entries.
 */
export async function buildParts(input: FaqEntryInput[], options: z.output<typeof BuildOptionsSchema>): Promise<{ parts: KnowledgeBaseParts; heldOut: number[] }> {
  if (!Array.isArray(input)) throw createError('INVALID_ARGUMENT', { where: 'buildKnowledgeBase', argument: 'entries', expected: 'an array of FAQ entries', received: input === null ? 'null' : typeof input })
  // The import's conflict warnings were already shown by whoever read the file; the build only needs the errors.
  const { entries, issues } = validateEntries(input, undefined, { questionConflicts: false, limits: options.limits })
  const errors = issues.filter((issue) => issue.severity === 'error')
  if (errors.length > 0) {
    const duplicates = duplicateIds(input)
    if (duplicates.ids.length > 0 && errors.every((e) => e.field === 'id' && duplicates.rows.includes(e.row))) {
      throw createError('DUPLICATE_ID', { source: 'buildKnowledgeBase', ...duplicates })
    }
    throw createError('FAQ_INVALID', { source: 'buildKnowledgeBase', problems: errors.map((e) => ({ row: e.row, field: e.field, message: e.message })) })
  }
  if (entries.length === 0) throw createError('EMPTY_FAQ', { source: 'buildKnowledgeBase' })

  const embedder = options.embedder ?? new BuiltinEmbedder()
  const phrasings = phrasingsOf(entries)
  embedder.fit?.(phrasings.texts)
  const { vectors, centroidSums } = await indexVectors(embedder, phrasings, entries.length, { ...hnswParametersFor(phrasings.texts.length), ...options.hnsw }, options.onProgress)
  const languages = entries.map((entry) => baseLanguage(entry.lang))
  // The lexical index, the field index and the classifier all read each phrasing's analysis:
  // analyse once for ordinary bases, and again on demand for huge ones (where holding them all
  // costs gigabytes).
  const small = phrasings.texts.length <= TERMS_CACHE_LIMIT
  const analyse = (p: number) => analyze(normalizeText(phrasings.texts[p]), languages[phrasings.entryOf[p]])
  const analysed: AnalyzedText[] = []
  const analysisOf = small ? (p: number) => (analysed[p] ??= analyse(p)) : analyse
  const cached: Array<{ lexical: string[]; classifier: string[] }> = []
  const termsOf = small ? (p: number) => (cached[p] ??= indexTerms(analysisOf(p))) : (p: number) => indexTerms(analysisOf(p))
  const lexical = LexicalIndex.build(phrasings.texts.length, (p) => termsOf(p).lexical)
  const fields = buildFieldIndex(entries, phrasings, (p) => fieldTerms(analysisOf(p)))
  analysed.length = 0
  const heldOut = options.selfCalibrate ? selfCalibrationPhrasings(phrasings) : []
  const classifier = options.classifier === false ? undefined : EntryClassifier.train((p) => termsOf(p).classifier, phrasings.entryOf, entries.length, options.classifier, new Set(heldOut))
  const parts: KnowledgeBaseParts = {
    entries,
    phrasings,
    embedder,
    vectors,
    lexical,
    fields,
    centroidSums,
    classifier,
    calibration: defaultCalibration(options.targetPrecision),
    selfSamples: [],
    recipe: {
      embedder: embedder.id,
      hnsw: { ...options.hnsw },
      classifier: options.classifier === false ? false : { ...options.classifier },
      selfCalibrate: options.selfCalibrate,
      targetPrecision: options.targetPrecision,
      labelled: null,
      accepted: [],
    },
  }
  return { parts, heldOut }
}

/** Ids used by more than one entry, and the 1-based positions of every entry using them. */
function duplicateIds(input: FaqEntryInput[]): { ids: string[]; rows: number[] } {
  const rowsById = new Map<string, number[]>()
  input.forEach((entry, i) => {
    const id = typeof entry?.id === 'string' ? entry.id.trim() : undefined
    if (id) rowsById.set(id, [...(rowsById.get(id) ?? []), i + 1])
  })
  const shared = [...rowsById].filter(([, rows]) => rows.length > 1)
  return { ids: shared.map(([id]) => id), rows: shared.flatMap(([, rows]) => rows.slice(1)) }
}

/**
 * Embed the phrasings in batches straight into the HNSW index and the entry centroids, so no
 * full copy of the vectors is ever held (at a million phrasings that copy alone is a gigabyte).
 */
async function indexVectors(embedder: Embedder, phrasings: Phrasings, entries: number, hnsw: HnswParameters, onProgress?: ProgressListener) {
  const { texts, entryOf } = phrasings
  const vectors = VectorIndex.create(embedder.dimension, texts.length, hnsw)
  const centroidSums = new Float32Array(entries * embedder.dimension)
  for (let start = 0; start < texts.length; start += EMBED_BATCH) {
    const embedded = await embedder.embed(texts.slice(start, start + EMBED_BATCH), 'passage')
    embedded.forEach((vector, i) => {
      vectors.add(vector, start + i)
      addToCentroid(centroidSums, entryOf[start + i], vector)
    })
    onProgress?.('index', Math.min(start + EMBED_BATCH, texts.length), texts.length)
  }
  return { vectors, centroidSums }
}

/**
 * The field index of the entries: their phrasings in one field (terms from `phrasingTerms`,
 * by phrasing), answer, category and tags in the other.
 */
export function buildFieldIndex(entries: FaqEntry[], phrasings: Phrasings, phrasingTerms: (phrasing: number) => string[]): FieldIndex {
  const phrasingsOf: number[][] = entries.map(() => [])
  phrasings.entryOf.forEach((entry, p) => phrasingsOf[entry].push(p))
  return FieldIndex.build(entries.length, (e) => {
    const entry = entries[e]
    const lang = baseLanguage(entry.lang)
    return {
      phrasings: phrasingsOf[e].flatMap(phrasingTerms),
      content: [entry.answer, entry.category ?? '', ...entry.tags].flatMap((text) => fieldTerms(analyze(normalizeText(text), lang))),
    }
  })
}
