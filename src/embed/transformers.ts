/**
 * An {@link Embedder} backed by a local ONNX sentence-embedding model (default
 * `Xenova/multilingual-e5-small`) run through transformers.js + onnxruntime-node.
 *
 * Design points:
 * - Offline by default: the hub is never contacted unless `offline: false`. The model folder is
 *   located and checked *before* loading, so a missing file produces an actionable
 *   `EMBEDDER_UNAVAILABLE` error naming the exact path, at creation time (not mid-build).
 * - Never falls back to another embedder: a knowledge base records the embedder id, and a silent
 *   swap would make it unqueryable or, worse, quietly wrong.
 * - Tokenisation is done by transformers.js; pooling (mask-aware mean or CLS) and L2
 *   normalisation are done here in one tight loop over the raw output buffer, and texts are
 *   batched by length so little time is spent on padding. `lastTimings` separates the model's
 *   forward pass from everything else so a benchmark can check the overhead.
 */
import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { AutoModel, AutoTokenizer, env } from '@huggingface/transformers'
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers'
import { createError, type KotaeError } from '../errors.js'
import { parseOptions } from '../schema.js'
import type { EmbedKind, Embedder } from './embedder.js'
import { TransformersSpecSchema, type RecordedEmbedder, type TransformersSpec } from './spec.js'

export { DEFAULT_TRANSFORMERS_MODEL } from './spec.js'

/** Options of {@link createTransformersEmbedder}: its spec without the kind (see {@link TransformersSpecSchema}). */
export type TransformersEmbedderOptions = Omit<TransformersSpec, 'kind'>

/** Where the time of the last `embed` call went (milliseconds), so overhead outside the model can be measured. */
export interface TransformersEmbedTimings {
  /** Wall time of the whole `embed` call. */
  totalMs: number
  /** Time inside the model's forward pass (ONNX session run), summed over batches. */
  forwardMs: number
  /** Time in the tokenizer, summed over batches. */
  tokenizeMs: number
  /** Time pooling + normalising, summed over batches. */
  poolMs: number
  /** Number of texts embedded (empty texts excluded). */
  texts: number
  /** Number of forward passes. */
  batches: number
}

/** What {@link createTransformersEmbedder} hands to the class: loaded handles plus resolved settings. */
export interface TransformersEmbedderInit {
  /** Model id as configured. */
  model: string
  /** Weights variant loaded. */
  dtype: 'q8' | 'fp32'
  /** Pooling strategy. */
  pooling: 'mean' | 'cls'
  /** Texts per forward pass. */
  batchSize: number
  /** Prefix added to queries. */
  queryPrefix: string
  /** Prefix added to passages. */
  passagePrefix: string
  /** Token limit per text (truncation), min of tokenizer and position-embedding limits. */
  maxLength: number
  /** Loaded transformers.js tokenizer. */
  tokenizer: PreTrainedTokenizer
  /** Loaded transformers.js model (owns the ONNX session). */
  session: PreTrainedModel
  /** Where the files were loaded from (folder, or the model id when loaded through the hub). */
  source: string
  /** The folder holding `<model>/` it was found in (recorded with a base); null when loaded from the hub or a model path. */
  modelDir: string | null
}

/**
 * Sentence embedder running a transformers.js ONNX model. Create it with
 * {@link createTransformersEmbedder} (which loads and probes the model); the constructor only
 * wraps already-loaded handles.
 */
export class TransformersEmbedder implements Embedder {
  /** `transformers:<model>:<q8|fp32>:<pooling>`. */
  readonly id: string
  /** Vector length, read from the model's output at creation. */
  readonly dimension: number
  /** Model id as configured. */
  readonly model: string
  /** ONNX weights variant in use. */
  readonly dtype: 'q8' | 'fp32'
  /** Pooling strategy in use. */
  readonly pooling: 'mean' | 'cls'
  /** Texts per forward pass. */
  readonly batchSize: number
  /** Prefix added to queries. */
  readonly queryPrefix: string
  /** Prefix added to passages. */
  readonly passagePrefix: string
  /** Folder (or hub id) the model was loaded from, for diagnostics. */
  readonly source: string
  /** What a knowledge base records to load this model again. */
  readonly spec: RecordedEmbedder
  /** Timing split of the most recent `embed` call (undefined before the first call). */
  lastTimings: TransformersEmbedTimings | undefined

  private readonly tokenizer: PreTrainedTokenizer
  private readonly session: PreTrainedModel
  private readonly maxLength: number
  private disposed = false

  /** Wraps loaded handles; `dimension` is the probed output size. Prefer {@link createTransformersEmbedder}. */
  constructor(init: TransformersEmbedderInit, dimension: number) {
    this.model = init.model
    this.dtype = init.dtype
    this.pooling = init.pooling
    this.batchSize = init.batchSize
    this.queryPrefix = init.queryPrefix
    this.passagePrefix = init.passagePrefix
    this.maxLength = init.maxLength
    this.tokenizer = init.tokenizer
    this.session = init.session
    this.source = init.source
    this.dimension = dimension
    this.id = `transformers:${init.model}:${init.dtype}:${init.pooling}`
    this.spec = { kind: 'transformers', model: init.model, dtype: init.dtype, pooling: init.pooling, queryPrefix: init.queryPrefix, passagePrefix: init.passagePrefix, modelDir: init.modelDir }
  }

  /** Embeds texts (with the query or passage prefix); empty texts give all-zero vectors. */
  async embed(texts: string[], kind: EmbedKind): Promise<Float32Array[]> {
    if (this.disposed) throw createError('EMBEDDER_UNAVAILABLE', { model: this.model, reason: 'this embedder has been disposed', hint: 'create a new one with createEmbedder' })
    const t0 = performance.now()
    const timings: TransformersEmbedTimings = { totalMs: 0, forwardMs: 0, tokenizeMs: 0, poolMs: 0, texts: 0, batches: 0 }
    const prefix = kind === 'query' ? this.queryPrefix : this.passagePrefix
    const out: Float32Array[] = new Array(texts.length)
    const todo: number[] = []
    for (let i = 0; i < texts.length; i++) {
      if (texts[i].trim() === '') out[i] = new Float32Array(this.dimension)
      else todo.push(i)
    }
    // Group texts of similar length so batches carry little padding. Results do not depend on
    // batch composition because the model and the pooling both honour the attention mask.
    todo.sort((a, b) => texts[a].length - texts[b].length || a - b)
    for (let start = 0; start < todo.length; start += this.batchSize) {
      const idx = todo.slice(start, start + this.batchSize)
      const vectors = await this.embedBatch(idx.map((i) => prefix + texts[i]), timings)
      for (let j = 0; j < idx.length; j++) out[idx[j]] = vectors[j]
    }
    timings.texts = todo.length
    timings.totalMs = performance.now() - t0
    this.lastTimings = timings
    return out
  }

  /** Frees the ONNX sessions. The embedder cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    await this.session.dispose()
  }

  private async embedBatch(batch: string[], timings: TransformersEmbedTimings): Promise<Float32Array[]> {
    let t = performance.now()
    const inputs = this.tokenizer(batch, { padding: true, truncation: true, max_length: this.maxLength })
    let now = performance.now()
    timings.tokenizeMs += now - t
    t = now
    const output = await this.session(inputs)
    now = performance.now()
    timings.forwardMs += now - t
    timings.batches++
    t = now
    const hidden = pickHiddenState(output, this.model)
    const vectors = poolAndNormalize(hidden.data, hidden.dims, inputs.attention_mask.data, this.pooling)
    timings.poolMs += performance.now() - t
    return vectors
  }
}

interface HiddenState {
  data: Float32Array
  dims: number[]
}

function pickHiddenState(output: Record<string, { data: unknown; dims: number[] } | undefined>, model: string): HiddenState {
  const candidate =
    output.last_hidden_state ?? output.token_embeddings ?? Object.values(output).find((t) => t !== undefined && t.dims?.length === 3)
  if (!candidate || candidate.dims.length !== 3) {
    throw createError('EMBEDDER_UNAVAILABLE', { model, reason: `the model returned no [batch, sequence, hidden] output (outputs: ${Object.keys(output).join(', ')})`, hint: 'use a sentence-embedding model (feature extraction), not a classifier or a generator' })
  }
  const data = candidate.data instanceof Float32Array ? candidate.data : Float32Array.from(candidate.data as ArrayLike<number>)
  return { data, dims: candidate.dims }
}

/**
 * Pools token vectors per text (mask-aware mean, or the first token) and L2-normalises them.
 * `mask` is the attention mask (`BigInt64Array` from the tokenizer, or any numeric array).
 */
function poolAndNormalize(
  hidden: Float32Array,
  dims: number[],
  mask: ArrayLike<bigint | number>,
  pooling: 'mean' | 'cls',
): Float32Array[] {
  const [batch, seq, dim] = dims
  const result: Float32Array[] = []
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(dim)
    const rowBase = b * seq * dim
    if (pooling === 'cls') {
      v.set(hidden.subarray(rowBase, rowBase + dim))
    } else {
      let count = 0
      for (let s = 0; s < seq; s++) {
        // eslint-disable-next-line eqeqeq -- mask elements are bigint or number; loose compare handles both
        if (mask[b * seq + s] == 0) continue
        count++
        const base = rowBase + s * dim
        for (let h = 0; h < dim; h++) v[h] += hidden[base + h]
      }
      if (count > 0) for (let h = 0; h < dim; h++) v[h] /= count
    }
    let norm = 0
    for (let h = 0; h < dim; h++) norm += v[h] * v[h]
    norm = Math.sqrt(norm)
    if (norm > 0) for (let h = 0; h < dim; h++) v[h] /= norm
    result.push(v)
  }
  return result
}

const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const

/** Serialises loads: transformers.js settings (`env`) are process-global. */
let loadQueue: Promise<unknown> = Promise.resolve()

/**
 * Loads the tokenizer and ONNX model eagerly, probes the output dimension and returns a ready
 * embedder. Throws `KotaeError('EMBEDDER_UNAVAILABLE')` naming the missing folder or file (and
 * how to fix it) when the model cannot be loaded; it never substitutes another embedder.
 */
export async function createTransformersEmbedder(options: TransformersEmbedderOptions = {}): Promise<TransformersEmbedder> {
  const { model, offline, dtype, pooling, batchSize, ...spec } = parseOptions(TransformersSpecSchema, { ...options, kind: 'transformers' }, 'createTransformersEmbedder')
  const isE5 = /e5/i.test(model)
  const queryPrefix = spec.queryPrefix ?? (isE5 ? 'query: ' : '')
  const passagePrefix = spec.passagePrefix ?? (isE5 ? 'passage: ' : '')

  const run = loadQueue.then(() => load())
  loadQueue = run.catch(() => undefined)
  const init = await run

  const embedder = new TransformersEmbedder(init, 0)
  let dimension: number
  try {
    const [probe] = await embedder.embed(['probe'], 'query')
    dimension = probe.length
  } catch (error) {
    await init.session.dispose().catch(() => undefined)
    throw unavailable(model, { reason: `the model loaded from ${init.source} but failed to run: ${messageOf(error)}`, hint: 'check that the folder holds a sentence-embedding model (a [batch, sequence, hidden] output)', folder: init.source }, error)
  }
  const ready = new TransformersEmbedder(init, dimension)
  return ready

  async function load(): Promise<TransformersEmbedderInit> {
    const saved = {
      allowRemoteModels: env.allowRemoteModels,
      allowLocalModels: env.allowLocalModels,
      localModelPath: env.localModelPath,
      cacheDir: env.cacheDir,
    }
    try {
      env.allowRemoteModels = !offline
      env.allowLocalModels = true
      if (spec.modelDir !== undefined) env.localModelPath = withSlash(resolve(spec.modelDir))
      if (spec.cacheDir !== undefined) env.cacheDir = resolve(spec.cacheDir)

      // Offline: find and check the folder ourselves, then load it by absolute path (which also
      // keeps transformers.js's per-model-id memo from mixing up two folders with the same id).
      const located = offline ? locateOffline(model, dtype, env.localModelPath, env.cacheDir) : undefined
      const source = located?.folder ?? model
      const loadOptions = { local_files_only: offline, ...(spec.cacheDir !== undefined ? { cache_dir: env.cacheDir ?? undefined } : {}) }
      let tokenizer: PreTrainedTokenizer
      let session: PreTrainedModel
      try {
        tokenizer = await AutoTokenizer.from_pretrained(source, loadOptions)
        session = await AutoModel.from_pretrained(source, { ...loadOptions, dtype, device: 'cpu' })
      } catch (error) {
        if (!offline && isNetworkError(error)) {
          throw unavailable(model, { reason: `the Hugging Face hub could not be reached to download it (${messageOf(error)}): this machine has no network access to huggingface.co`, hint: `${fixHint(model, dtype)} (without --online / offline: false)` }, error)
        }
        const where = offline ? `from ${source}` : `from the hub or ${env.localModelPath}`
        throw unavailable(model, { reason: `loading ${where} failed: ${messageOf(error)}`, hint: fixHint(model, dtype), folder: source }, error)
      }
      const configMax = Number((session.config as { max_position_embeddings?: number } | undefined)?.max_position_embeddings)
      const tokMax = Number(tokenizer.model_max_length)
      const limits = [tokMax, configMax].filter((n) => Number.isFinite(n) && n > 0 && n < 1e6)
      const maxLength = limits.length > 0 ? Math.min(...limits) : 512
      return { model, dtype, pooling, batchSize, queryPrefix, passagePrefix, maxLength, tokenizer, session, source, modelDir: located?.root ?? null }
    } finally {
      env.allowRemoteModels = saved.allowRemoteModels
      env.allowLocalModels = saved.allowLocalModels
      env.localModelPath = saved.localModelPath
      env.cacheDir = saved.cacheDir
    }
  }
}

function onnxFile(dtype: 'q8' | 'fp32'): string {
  return dtype === 'q8' ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx'
}

/**
 * Finds the model folder among `localModelPath/<model>` and `cacheDir/<model>` (or the model
 * itself when it is a path) and checks every file the load needs, naming the first missing one.
 */
function locateOffline(model: string, dtype: 'q8' | 'fp32', localModelPath: string, cacheDir: string | null): { folder: string; root: string | null } {
  const isPath = isAbsolute(model) || model.startsWith('.')
  const roots = isPath ? [null] : [localModelPath.replace(/\/+$/, ''), ...(cacheDir ? [cacheDir] : [])]
  const candidates = roots.map((root) => (root === null ? resolve(model) : join(root, model)))
  const needed = [...REQUIRED_FILES, onnxFile(dtype)]
  const index = candidates.findIndex((dir) => existsSync(join(dir, 'config.json')))
  if (index < 0) {
    const searched = candidates.join(' and ')
    throw unavailable(model, { reason: `model folder not found (offline): searched ${searched}, none contains config.json`, hint: fixHint(model, dtype), searched: candidates, missing: candidates.map((dir) => join(dir, 'config.json')) })
  }
  const folder = candidates[index]!
  const missing = needed.map((file) => join(folder, file)).filter((path) => !existsSync(path))
  if (missing.length > 0) {
    const other = onnxFile(dtype === 'q8' ? 'fp32' : 'q8')
    const hint = missing.some((p) => p.endsWith(onnxFile(dtype))) && existsSync(join(folder, other))
      ? ` (${other} exists: pass dtype: '${dtype === 'q8' ? 'fp32' : 'q8'}' to use it${dtype === 'q8' ? ', CLI: --fp32' : ''})`
      : ''
    throw unavailable(model, { reason: `${missing.join(', ')} not found${hint}`, hint: fixHint(model, dtype), searched: candidates, folder, missing })
  }
  return { folder, root: roots[index] ?? null }
}

function fixHint(model: string, dtype: 'q8' | 'fp32'): string {
  if (isAbsolute(model) || model.startsWith('.')) {
    return `put config.json, tokenizer.json, tokenizer_config.json and ${onnxFile(dtype)} into ${resolve(model)}.`
  }
  return (
    `download the model folder (config.json, tokenizer.json, tokenizer_config.json, ${onnxFile(dtype)}) ` +
    `from https://huggingface.co/${model} into <dir>/${model}/ and pass modelDir: '<dir>' (CLI: --model-dir <dir>), ` +
    `or allow the download with offline: false (CLI: --online) where the Hugging Face hub is reachable`
  )
}

function unavailable(model: string, details: { reason: string; hint: string; searched?: string[]; missing?: string[]; folder?: string }, cause?: unknown): KotaeError<'EMBEDDER_UNAVAILABLE'> {
  return createError('EMBEDDER_UNAVAILABLE', { model, ...details }, cause === undefined ? undefined : { cause })
}

/** Whether a load failed because the hub could not be reached (DNS, refused, offline sandbox). */
function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|UND_ERR_CONNECT_TIMEOUT)$/.test(code)) return true
    if (/fetch failed|getaddrinfo|network/i.test(e.message)) return true
  }
  return false
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function withSlash(path: string): string {
  return path.endsWith('/') ? path : path + '/'
}
