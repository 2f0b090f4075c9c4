import { cpSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AutoTokenizer, env } from '@huggingface/transformers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KotaeError } from '../../src/errors.js'
import { createTransformersEmbedder, type TransformersEmbedder } from '../../src/embed/transformers.js'
import { removeTempDirs, tempDir } from '../helpers/tmp.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const MODEL_ROOT = join(root, 'fixtures/tiny-model')
const MODEL = 'kotae/tiny-e5'
const MODEL_DIR = join(MODEL_ROOT, MODEL)

const TEXTS = [
  'How do I reset my password?',
  'パスワードを忘れました。どうすればいいですか？',
  '비밀번호를 변경하려면 어떻게 하나요?',
  '如何修改密码？',
  'Where is my order',
  'refund',
]

/** Every fetch transformers.js attempts is recorded and refused: the tests must stay offline. */
const fetchCalls: string[] = []
const originalFetch = env.fetch
let tmp: string
let embedder: TransformersEmbedder

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i]
  return dot
}

function expectSameVectors(a: Float32Array[], b: Float32Array[], tolerance = 1e-5): void {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < a.length; i++) {
    expect(a[i].length).toBe(b[i].length)
    for (let j = 0; j < a[i].length; j++) expect(Math.abs(a[i][j] - b[i][j])).toBeLessThanOrEqual(tolerance)
  }
}

async function expectUnavailable(promise: Promise<unknown>, ...fragments: string[]): Promise<KotaeError> {
  const error = await promise.then(
    () => {
      throw new Error('expected createTransformersEmbedder to fail')
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KotaeError)
  const kotae = error as KotaeError
  expect(kotae.code).toBe('EMBEDDER_UNAVAILABLE')
  for (const fragment of fragments) expect(kotae.message).toContain(fragment)
  return kotae
}

beforeAll(async () => {
  env.fetch = async (input: string | URL) => {
    fetchCalls.push(String(input))
    throw new Error(`network access attempted in an offline test: ${String(input)}`)
  }
  tmp = tempDir('kotae-tiny-model-')
  embedder = await createTransformersEmbedder({ model: MODEL, modelDir: MODEL_ROOT })
})

afterAll(async () => {
  await embedder?.dispose()
  env.fetch = originalFetch
  removeTempDirs()
})

describe('TransformersEmbedder with the tiny offline model', () => {
  it('reports id and dimension read from the model', () => {
    expect(embedder.id).toBe('transformers:kotae/tiny-e5:q8:mean')
    expect(embedder.dimension).toBe(32)
    expect(embedder.source).toBe(MODEL_DIR)
    expect(embedder.queryPrefix).toBe('query: ')
    expect(embedder.passagePrefix).toBe('passage: ')
  })

  it('returns unit-length Float32Array vectors of the right dimension, zeros for empty text', async () => {
    const vectors = await embedder.embed([...TEXTS, '', '   '], 'passage')
    expect(vectors).toHaveLength(TEXTS.length + 2)
    for (const v of vectors.slice(0, TEXTS.length)) {
      expect(v).toBeInstanceOf(Float32Array)
      expect(v.length).toBe(32)
      expect(Math.sqrt(cosine(v, v))).toBeCloseTo(1, 5)
    }
    for (const v of vectors.slice(TEXTS.length)) {
      expect(v.length).toBe(32)
      expect(v.every((x) => x === 0)).toBe(true)
    }
  })

  it('is deterministic across calls and across instances', async () => {
    const a = await embedder.embed(TEXTS, 'query')
    const b = await embedder.embed(TEXTS, 'query')
    expectSameVectors(a, b, 0)
    const other = await createTransformersEmbedder({ model: MODEL, modelDir: MODEL_ROOT })
    try {
      expectSameVectors(a, await other.embed(TEXTS, 'query'), 1e-6)
    } finally {
      await other.dispose()
    }
  })

  it('gives the same vectors batched as one by one', async () => {
    const batched = await embedder.embed(TEXTS, 'passage')
    const single: Float32Array[] = []
    for (const text of TEXTS) single.push(...(await embedder.embed([text], 'passage')))
    expectSameVectors(batched, single)
    const small = await createTransformersEmbedder({ model: MODEL, modelDir: MODEL_ROOT, batchSize: 2 })
    try {
      expectSameVectors(batched, await small.embed(TEXTS, 'passage'))
      expect(small.lastTimings?.batches).toBe(3)
    } finally {
      await small.dispose()
    }
  })

  it('pools with the attention mask: padding in a batch does not change a text vector', async () => {
    const short = 'refund'
    const long = 'How do I reset my password if I forgot the email address of my account and my phone number?'
    const [alone] = await embedder.embed([short], 'query')
    const [withPadding] = await embedder.embed([short, long], 'query')
    expectSameVectors([alone], [withPadding])
    // The tiny model's padded positions have non-zero outputs, so the equality above only holds
    // if pooling skips them: CLS pooling (position 0 only) must differ from mean pooling.
    const cls = await createTransformersEmbedder({ model: MODEL, modelDir: MODEL_ROOT, pooling: 'cls' })
    try {
      expect(cls.id).toBe('transformers:kotae/tiny-e5:q8:cls')
      const [clsVector] = await cls.embed([short], 'query')
      expect(Math.abs(cosine(clsVector, alone))).toBeLessThan(0.999)
    } finally {
      await cls.dispose()
    }
  })

  it('applies the e5 query/passage prefixes', async () => {
    const [asQuery] = await embedder.embed(['refund'], 'query')
    const [asPassage] = await embedder.embed(['refund'], 'passage')
    expect(cosine(asQuery, asPassage)).toBeLessThan(0.9999)
    // Prefixes are literally prepended: an embedder without prefixes given the prefixed text
    // produces exactly the same vectors.
    const bare = await createTransformersEmbedder({ model: MODEL, modelDir: MODEL_ROOT, queryPrefix: '', passagePrefix: '' })
    try {
      expectSameVectors([asQuery], await bare.embed(['query: refund'], 'passage'))
      expectSameVectors([asPassage], await bare.embed(['passage: refund'], 'query'))
    } finally {
      await bare.dispose()
    }
  })

  it('defaults to no prefixes for a model id without "e5"', async () => {
    const bertRoot = join(tmp, 'bert-root')
    cpSync(MODEL_DIR, join(bertRoot, 'kotae/tiny-bert'), { recursive: true })
    const bert = await createTransformersEmbedder({ model: 'kotae/tiny-bert', modelDir: bertRoot })
    try {
      expect(bert.queryPrefix).toBe('')
      expect(bert.passagePrefix).toBe('')
      const [q] = await bert.embed(['refund'], 'query')
      const [p] = await bert.embed(['refund'], 'passage')
      expectSameVectors([q], [p], 0)
    } finally {
      await bert.dispose()
    }
  })

  it('tokenises Japanese, Korean and Chinese into real ids, not [UNK]', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(MODEL_DIR, { local_files_only: true })
    const vocab = tokenizer.get_vocab() as Map<string, number>
    const unk = vocab.get('[UNK]')
    expect(unk).toBeTypeOf('number')
    const specials = new Set(['[CLS]', '[SEP]'].map((t) => vocab.get(t)))
    for (const text of TEXTS.slice(1, 4)) {
      const ids = (tokenizer.encode(text) as number[]).filter((id) => !specials.has(id))
      expect(ids.length).toBeGreaterThan(3)
      expect(ids.filter((id) => id !== unk).length).toBe(ids.length)
    }
    // And different CJK texts get clearly different vectors.
    const [ja, ko, zh] = await embedder.embed(TEXTS.slice(1, 4), 'passage')
    expect(cosine(ja, ko)).toBeLessThan(0.99)
    expect(cosine(ko, zh)).toBeLessThan(0.99)
  })

  it("loads the fp32 weights with dtype 'fp32'", async () => {
    const fp32 = await createTransformersEmbedder({ model: MODEL, modelDir: MODEL_ROOT, dtype: 'fp32' })
    try {
      expect(fp32.id).toBe('transformers:kotae/tiny-e5:fp32:mean')
      const [a] = await fp32.embed(['How do I reset my password?'], 'query')
      const [b] = await embedder.embed(['How do I reset my password?'], 'query')
      expect(cosine(a, b)).toBeGreaterThan(0.99) // same graph, int8 vs float weights
      expect(cosine(a, b)).toBeLessThan(1 - 1e-7)
    } finally {
      await fp32.dispose()
    }
  })

  it('records a timing split with the forward pass measured separately', async () => {
    await embedder.embed(TEXTS, 'passage')
    const t = embedder.lastTimings!
    expect(t.texts).toBe(TEXTS.length)
    expect(t.batches).toBe(1)
    expect(t.forwardMs).toBeGreaterThan(0)
    expect(t.forwardMs + t.tokenizeMs + t.poolMs).toBeLessThanOrEqual(t.totalMs + 1e-6)
  })

  it('restores the global transformers.js env after loading', async () => {
    const before = { remote: env.allowRemoteModels, local: env.localModelPath, cache: env.cacheDir }
    const e = await createTransformersEmbedder({ model: MODEL, modelDir: MODEL_ROOT, cacheDir: join(tmp, 'cache') })
    await e.dispose()
    expect({ remote: env.allowRemoteModels, local: env.localModelPath, cache: env.cacheDir }).toEqual(before)
  })
})

describe('createTransformersEmbedder failures', () => {
  it('throws EMBEDDER_UNAVAILABLE naming the folder searched when the model folder is missing', async () => {
    const empty = join(tmp, 'empty')
    const error = await expectUnavailable(
      createTransformersEmbedder({ model: MODEL, modelDir: empty }),
      join(empty, MODEL),
      'config.json',
      "modelDir: '<dir>' (CLI: --model-dir <dir>)",
      'offline: false (CLI: --online)',
    )
    expect(error.details.searched).toContain(join(empty, MODEL))
  })

  it('throws EMBEDDER_UNAVAILABLE naming the missing onnx file', async () => {
    const partial = join(tmp, 'no-q8')
    cpSync(MODEL_DIR, join(partial, MODEL), { recursive: true })
    rmSync(join(partial, MODEL, 'onnx/model_quantized.onnx'))
    const missing = join(partial, MODEL, 'onnx/model_quantized.onnx')
    const error = await expectUnavailable(
      createTransformersEmbedder({ model: MODEL, modelDir: partial }),
      `${missing} not found`,
      "dtype: 'fp32' to use it, CLI: --fp32",
    )
    expect(error.details.missing).toEqual([missing])
    // The fp32 file is still there, so dtype: 'fp32' loads.
    const fp32 = await createTransformersEmbedder({ model: MODEL, modelDir: partial, dtype: 'fp32' })
    await fp32.dispose()
  })

  it('throws EMBEDDER_UNAVAILABLE naming a missing tokenizer file', async () => {
    const partial = join(tmp, 'no-tokenizer')
    cpSync(MODEL_DIR, join(partial, MODEL), { recursive: true })
    rmSync(join(partial, MODEL, 'tokenizer.json'))
    await expectUnavailable(
      createTransformersEmbedder({ model: MODEL, modelDir: partial }),
      `${join(partial, MODEL, 'tokenizer.json')} not found`,
    )
  })

  it('throws EMBEDDER_UNAVAILABLE (not another embedder) for a corrupt onnx file', async () => {
    const corrupt = join(tmp, 'corrupt')
    cpSync(MODEL_DIR, join(corrupt, MODEL), { recursive: true })
    cpSync(join(corrupt, MODEL, 'config.json'), join(corrupt, MODEL, 'onnx/model_quantized.onnx'))
    await expectUnavailable(createTransformersEmbedder({ model: MODEL, modelDir: corrupt }), join(corrupt, MODEL))
  })

  it('rejects a bad batchSize', async () => {
    await expect(createTransformersEmbedder({ model: MODEL, modelDir: MODEL_ROOT, batchSize: 0 })).rejects.toMatchObject({
      code: 'INVALID_OPTIONS', details: { problems: [{ path: 'batchSize' }] },
    })
  })

  it('never tried the network (offline is the default)', () => {
    expect(fetchCalls).toEqual([])
  })
})
