/**
 * The hnswlib file walker that tells a complete vectors.hnsw from one a full disk cut short
 * (hnswlib itself reports no write error): it reads count, dimension and M from a real index
 * and refuses the file cut at any point or with bytes added.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readManifest } from '../../src/index.js'
import { HnswFileError, HNSW_HEADER_BYTES, inspectHnswFile } from '../../src/kb/hnsw-file.js'
import { miniBase, removeTempDirs, tempDir } from './helpers.js'

let root: string
let data: Buffer

beforeAll(async () => {
  root = tempDir('kotae-kb-hnsw-')
  await (await miniBase(32, 96)).save(join(root, 'kb'))
  data = readFileSync(join(root, 'kb', (await readManifest(join(root, 'kb'))).generation, 'vectors.hnsw'))
})
afterAll(removeTempDirs)

describe('inspectHnswFile', () => {
  it('reads what the index was built with from a complete file', () => {
    expect(inspectHnswFile(data)).toEqual({ count: 128, dimension: 96, M: 16, efConstruction: 48, expectedBytes: data.length })
  })

  it('refuses the file cut anywhere: in the header, the points, the link lists, or one byte short', () => {
    const cuts = [0, 10, HNSW_HEADER_BYTES - 1, HNSW_HEADER_BYTES, HNSW_HEADER_BYTES + 1000, Math.floor(data.length / 2), data.length - 5, data.length - 1]
    for (let i = 1; i < 20; i++) cuts.push(Math.floor((data.length * i) / 20))
    for (const cut of cuts) expect(() => inspectHnswFile(data.subarray(0, cut)), `cut at ${cut}`).toThrow(HnswFileError)
  })

  it('refuses trailing bytes and a header that is not hnswlib\'s', () => {
    expect(() => inspectHnswFile(Buffer.concat([data, Buffer.alloc(1)]))).toThrow(/trailing bytes/)
    expect(() => inspectHnswFile(Buffer.alloc(data.length, 7))).toThrow(HnswFileError)
  })
})
