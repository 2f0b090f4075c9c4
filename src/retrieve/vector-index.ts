/**
 * Approximate nearest-neighbour search over phrasing vectors with HNSW (hnswlib-node, cosine).
 * One point per phrasing; the label is the phrasing's index.
 */
import hnswlib from 'hnswlib-node'
import { z } from 'zod'

const { HierarchicalNSW } = hnswlib

/** An integer parameter in a range (hnswlib itself accepts nonsense such as efSearch 0). */
function boundedInt(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`
  return z.number().int(message).min(min, message).max(max, message)
}

/** HNSW parameters (defaults by index size: {@link hnswParametersFor}, chosen with bench/speed.ts). */
export const HnswParametersSchema = z.strictObject({
  /** Links per node: more means better recall and more memory. */
  M: boundedInt(2, 256),
  /** Candidate list size while building: more means a better graph and a slower build. */
  efConstruction: boundedInt(1, 10_000),
  /** Candidate list size while searching: more means better recall and slower queries. */
  efSearch: boundedInt(1, 10_000),
})
/** HNSW parameters (see {@link HnswParametersSchema}). */
export type HnswParameters = z.output<typeof HnswParametersSchema>

/**
 * Defaults for {@link HnswParameters} below {@link LARGE_INDEX} phrasings: recall@10 ≥ 0.99 from 10k to 50k
 * synthetic phrasings, and the clinc150-dev base (15k phrasings) builds and self-calibrates in < 3 s.
 */
export const DEFAULT_HNSW: HnswParameters = { M: 16, efConstruction: 48, efSearch: 200 }

/** From this many phrasings on, {@link LARGE_HNSW} replaces the defaults. */
export const LARGE_INDEX = 50_000

/**
 * Defaults for large indexes: a denser graph and a longer search list keep recall@10 ≥ 0.99 at
 * 100k phrasings (0.95 with the small defaults), at about 2.5× the build time (bench/speed.ts).
 */
export const LARGE_HNSW: HnswParameters = { M: 24, efConstruction: 160, efSearch: 200 }

/** The default HNSW parameters for an index of `size` phrasings. */
export function hnswParametersFor(size: number): HnswParameters {
  return size >= LARGE_INDEX ? LARGE_HNSW : DEFAULT_HNSW
}

/** A phrasing found by the vector index, with its cosine similarity to the query. */
export interface VectorHit {
  phrasing: number
  similarity: number
}

/** The HNSW index of a knowledge base. */
export class VectorIndex {
  private constructor(
    private readonly index: InstanceType<typeof HierarchicalNSW>,
    readonly dimension: number,
    readonly size: number,
    readonly parameters: HnswParameters,
  ) {
    index.setEf(parameters.efSearch)
  }

  /** An empty index for `capacity` unit vectors; fill it with {@link VectorIndex.add}. */
  static create(dimension: number, capacity: number, parameters: HnswParameters = DEFAULT_HNSW): VectorIndex {
    const index = new HierarchicalNSW('cosine', dimension)
    index.initIndex(Math.max(1, capacity), parameters.M, parameters.efConstruction, 100)
    return new VectorIndex(index, dimension, capacity, parameters)
  }

  /** Build an index over unit vectors (label = position in `vectors`). */
  static build(vectors: Float32Array[], dimension: number, parameters: HnswParameters = DEFAULT_HNSW): VectorIndex {
    const index = VectorIndex.create(dimension, vectors.length, parameters)
    vectors.forEach((vector, label) => index.add(vector, label))
    return index
  }

  /** Add one unit vector under a label (the phrasing index). */
  add(vector: Float32Array, label: number): void {
    this.index.addPoint(Array.from(vector), label)
  }

  /** Read an index written by {@link VectorIndex.write}. */
  static read(path: string, dimension: number, size: number, parameters: HnswParameters): VectorIndex {
    const index = new HierarchicalNSW('cosine', dimension)
    index.readIndexSync(path, false)
    return new VectorIndex(index, dimension, size, parameters)
  }

  /** Write the index to a file. */
  write(path: string): void {
    this.index.writeIndexSync(path)
  }

  /** The stored vector of one phrasing. */
  vector(phrasing: number): Float32Array {
    return Float32Array.from(this.index.getPoint(phrasing))
  }

  /** The `k` most similar phrasings that pass `filter`, most similar first. */
  search(query: Float32Array, k: number, filter?: (phrasing: number) => boolean): VectorHit[] {
    const count = Math.min(k, this.size)
    if (count === 0) return []
    const result = this.index.searchKnn(Array.from(query), count, filter)
    return result.neighbors.map((phrasing, i) => ({ phrasing, similarity: 1 - (result.distances[i] ?? 1) }))
  }

  /** Change the search-time candidate list size (recall/speed trade-off). */
  setEfSearch(ef: number): void {
    this.index.setEf(ef)
  }
}
