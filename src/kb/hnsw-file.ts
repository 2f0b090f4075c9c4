/**
 * Reads the structure of an hnswlib index file without loading it, so that the store can tell a
 * complete `vectors.hnsw` from a truncated one. hnswlib writes with a plain `std::ofstream` and
 * never checks for errors: on a full disk it leaves a short file and reports success. The file is
 * a fixed 96-byte header (hnswlib 0.7/0.8 `saveIndex`, 64-bit little-endian), the level-0 block
 * (`count × sizeDataPerElement` bytes), then per element a 4-byte link-list size and that many
 * bytes. Walking those sizes gives the exact length the file must have, as hnswlib's own loader
 * checks; the header also gives the element count, the dimension and M, which the manifest must
 * agree with.
 */

/** Size of the hnswlib index header (see the module comment). */
export const HNSW_HEADER_BYTES = 96

/** What the header and the layout of an hnswlib file say. */
export interface HnswFileInfo {
  /** Number of points in the index. */
  count: number
  /** Vector dimension (floats per point). */
  dimension: number
  /** Links per node (the `M` the index was built with). */
  M: number
  /** The build-time candidate list size. */
  efConstruction: number
  /** The exact size the file must have, from walking its link lists. */
  expectedBytes: number
}

/** The file is not a complete hnswlib index: `reason` says how. */
export class HnswFileError extends Error {
  constructor(readonly reason: string) {
    super(reason)
    this.name = 'HnswFileError'
  }
}

/** Check the layout of an hnswlib index file and return what its header says; throws {@link HnswFileError}. */
export function inspectHnswFile(data: Buffer): HnswFileInfo {
  if (data.length < HNSW_HEADER_BYTES) throw new HnswFileError(`${data.length} bytes, shorter than the ${HNSW_HEADER_BYTES}-byte header: the file is truncated`)
  const u64 = (offset: number) => Number(data.readBigUInt64LE(offset))
  const count = u64(16)
  const sizeDataPerElement = u64(24)
  const labelOffset = u64(32)
  const offsetData = u64(40)
  const maxM = u64(56)
  const maxM0 = u64(64)
  const M = u64(72)
  const efConstruction = u64(88)
  const sizeLinksLevel0 = maxM0 * 4 + 4
  const dataSize = sizeDataPerElement - sizeLinksLevel0 - 8
  if (offsetData !== sizeLinksLevel0 || labelOffset !== sizeLinksLevel0 + dataSize || dataSize <= 0 || dataSize % 4 !== 0 || maxM !== M) {
    throw new HnswFileError('the header is not an hnswlib float index header (inconsistent sizes)')
  }
  const sizeLinksPerElement = maxM * 4 + 4
  let position = HNSW_HEADER_BYTES + count * sizeDataPerElement
  if (position > data.length) throw new HnswFileError(`${data.length} bytes, but its ${count} points need at least ${position}: the file is truncated`)
  for (let i = 0; i < count; i++) {
    if (position + 4 > data.length) throw new HnswFileError(`${data.length} bytes, but the link lists of point ${i} of ${count} start at byte ${position}: the file is truncated`)
    const links = data.readUInt32LE(position)
    if (links % sizeLinksPerElement !== 0) throw new HnswFileError(`point ${i} has a link list of ${links} bytes, not a multiple of ${sizeLinksPerElement}: the file is damaged`)
    position += 4 + links
    if (position > data.length) throw new HnswFileError(`${data.length} bytes, but the link lists of point ${i} of ${count} end at byte ${position}: the file is truncated`)
  }
  if (position !== data.length) throw new HnswFileError(`${data.length} bytes, but its ${count} points take ${position}: the file has trailing bytes`)
  return { count, dimension: dataSize / 4, M, efConstruction, expectedBytes: position }
}
