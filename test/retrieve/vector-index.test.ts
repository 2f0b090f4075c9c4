/** The HNSW vector index (src/retrieve/vector-index.ts): a stored phrasing is its own nearest neighbour, vectors read back, filters hold. */
import { describe, expect, it } from 'vitest'
import { VectorIndex } from '../../src/retrieve/index.js'
import { BuiltinEmbedder } from '../../src/embed/builtin.js'
import { PHRASINGS } from './phrasings.js'

describe('VectorIndex', () => {
  it('finds a stored phrasing as its own nearest neighbour and reads vectors back', async () => {
    const embedder = new BuiltinEmbedder({ dimension: 64 })
    embedder.fit(PHRASINGS)
    const vectors = await embedder.embed(PHRASINGS, 'passage')
    const index = VectorIndex.build(vectors, 64)
    for (let p = 0; p < PHRASINGS.length; p++) {
      const [best] = index.search(vectors[p], 1)
      expect(best.phrasing).toBe(p)
      expect(best.similarity).toBeCloseTo(1, 5)
    }
    expect(Array.from(index.vector(2))).toEqual(Array.from(vectors[2]))
    expect(index.search(vectors[0], 10, (p) => p % 2 === 1).every((h) => h.phrasing % 2 === 1)).toBe(true)
  })
})
