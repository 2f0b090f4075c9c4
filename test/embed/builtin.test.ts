/** The built-in, weight-free embedder: the contract every embedder must keep, plus fit/state/restore. */
import { describe, expect, it } from 'vitest'
import { BuiltinEmbedder, createEmbedder } from '../../src/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'

const TEXTS = ['How much is shipping?', '送料はいくらですか?', '배송비는 얼마인가요?', '运费是多少?', 'ﾊﾟｽﾜｰﾄﾞ']
const PASSAGES = MINI_FAQ.flatMap((e) => [e.question, ...(e.variants ?? [])])

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0))
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0)

describe('BuiltinEmbedder', () => {
  it('is deterministic: the same text gives the same vector, across calls and instances', async () => {
    const a = await new BuiltinEmbedder().embed(TEXTS, 'query')
    const b = await new BuiltinEmbedder().embed(TEXTS, 'query')
    const again = await new BuiltinEmbedder().embed([...TEXTS].reverse(), 'passage')
    expect(b).toEqual(a)
    expect(again.reverse()).toEqual(a)
  })

  it('returns unit-length vectors for non-empty text in every language', async () => {
    const embedder = new BuiltinEmbedder()
    const vectors = await embedder.embed(TEXTS, 'query')
    expect(vectors).toHaveLength(TEXTS.length)
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array)
      expect(v).toHaveLength(embedder.dimension)
      expect(norm(v)).toBeCloseTo(1, 5)
    }
  })

  it('returns an all-zero vector for empty or whitespace-only text', async () => {
    const embedder = new BuiltinEmbedder()
    const [empty, blank] = await embedder.embed(['', ' \u3000\n'], 'query')
    expect(empty).toHaveLength(embedder.dimension)
    expect(empty.every((x) => x === 0)).toBe(true)
    expect(blank.every((x) => x === 0)).toBe(true)
  })

  it('honours the dimension and puts it in its id', async () => {
    for (const dimension of [32, 128, 512]) {
      const embedder = new BuiltinEmbedder({ dimension })
      expect(embedder.dimension).toBe(dimension)
      expect(embedder.id).toBe(`builtin-hash-v1:${dimension}`)
      const [v] = await embedder.embed(['Can I cancel my order?'], 'query')
      expect(v).toHaveLength(dimension)
      expect(norm(v)).toBeCloseTo(1, 5)
    }
    expect(new BuiltinEmbedder({ dimension: 128 }).id).not.toBe(new BuiltinEmbedder({ dimension: 256 }).id)
  })

  it('createEmbedder builds it from a spec and rejects a bad dimension', async () => {
    const embedder = await createEmbedder({ kind: 'builtin', dimension: 64 })
    expect(embedder.id).toBe('builtin-hash-v1:64')
    await expect(createEmbedder({ kind: 'builtin', dimension: 3 })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
  })

  it('a paraphrase in the same language is closer than an unrelated question', async () => {
    const embedder = new BuiltinEmbedder()
    embedder.fit(PASSAGES)
    const [q, near, far] = await embedder.embed(['送料はいくらかかりますか', '送料はいくらですか?', 'パスワードを忘れてしまいました'], 'query')
    expect(dot(q, near)).toBeGreaterThan(dot(q, far))
  })

  it('fit changes the vectors (IDF), and state → JSON → restore reproduces them exactly', async () => {
    const fitted = new BuiltinEmbedder()
    fitted.fit(PASSAGES)
    const unfitted = await new BuiltinEmbedder().embed(TEXTS, 'query')
    const original = await fitted.embed(TEXTS, 'query')
    expect(original).not.toEqual(unfitted)

    const state = JSON.parse(JSON.stringify(fitted.state()))
    const restored = new BuiltinEmbedder()
    restored.restore(state)
    expect(await restored.embed(TEXTS, 'query')).toEqual(original)
    expect(restored.state()).toEqual(fitted.state())
  })
})
