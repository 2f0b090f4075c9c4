/**
 * A manifest edited consistently (checksums recomputed, so no file looks damaged) must not load
 * silently with other answers: every claim it makes is checked against the strict schema and
 * against what the files themselves say, and the error names the field.
 */
import { createHash } from 'node:crypto'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadKnowledgeBase, readManifest, type Manifest } from '../../src/index.js'
import { kotaeError, miniBase, removeTempDirs, tempDir } from './helpers.js'

let root: string
/** A base built with the 64-dimension built-in embedder, with a classifier. */
let saved: string

beforeAll(async () => {
  root = tempDir('kotae-kb-manifest-')
  saved = join(root, 'saved')
  await (await miniBase(32, 64)).save(saved)
})
afterAll(removeTempDirs)

type Json = Record<string, any>
let copies = 0
/** A copy of the saved base whose manifest (and, optionally, generation files) `edit` changes; checksums of changed files are recomputed. */
async function tampered(edit: (manifest: Json, file: (name: string, data?: Buffer) => Buffer) => void): Promise<string> {
  const dir = join(root, `copy-${++copies}`)
  cpSync(saved, dir, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Json
  const genDir = join(dir, manifest.generation)
  const file = (name: string, data?: Buffer) => {
    if (data === undefined) return readFileSync(join(genDir, name))
    writeFileSync(join(genDir, name), data)
    manifest.files[name] = { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length }
    return data
  }
  edit(manifest, file)
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2))
  return dir
}

async function corruptField(dir: string, field: string): Promise<string> {
  const error = await kotaeError(() => loadKnowledgeBase(dir))
  if (process.env.KOTAE_PRINT_ERRORS) console.log(error.message)
  expect(error.code).toBe('KB_CORRUPT')
  expect(error.message).toContain(field)
  expect(error.message).toMatch(/rebuild the knowledge base/i)
  return error.message
}

describe('the saved manifest', () => {
  it('records the parts the base has, and loads as saved', async () => {
    const manifest = await readManifest(saved)
    expect(manifest.parts).toEqual({ classifier: true })
    expect(Object.keys(manifest.files)).toEqual(expect.arrayContaining(['classifier.json', 'classifier.f32']))
    expect(manifest.history).toEqual([])
    expect((await loadKnowledgeBase(saved)).embedder.id).toBe('builtin-hash-v1:64')
  })
})

describe('consistent manifest tampering → KB_CORRUPT naming the field', () => {
  it('another embedder claimed (builtin-hash-v1:128): embedder.json disagrees', async () => {
    const dir = await tampered((m) => (m.embedder = { id: 'builtin-hash-v1:128', dimension: 128, spec: { kind: 'builtin', dimension: 128 } }))
    const message = await corruptField(dir, 'embedder.id')
    expect(message).toContain('embedder.json')
    expect(message).toContain('builtin-hash-v1:64')
  })

  it('another embedder claimed in the manifest and embedder.json alike: the vector index header disagrees', async () => {
    const dir = await tampered((m, file) => {
      m.embedder = { id: 'builtin-hash-v1:128', dimension: 128, spec: { kind: 'builtin', dimension: 128 } }
      const embedder = JSON.parse(file('embedder.json').toString()) as Json
      file('embedder.json', Buffer.from(JSON.stringify({ ...embedder, id: 'builtin-hash-v1:128', dimension: 128 })))
    })
    const message = await corruptField(dir, 'embedder.dimension')
    expect(message).toContain('vectors.hnsw')
  })

  it('the classifier files removed from files: parts.classifier requires them', async () => {
    const dir = await tampered((m) => {
      delete m.files['classifier.json']
      delete m.files['classifier.f32']
    })
    const message = await corruptField(dir, 'files')
    expect(message).toContain('classifier.json')
    expect(message).toContain('parts.classifier')
  })

  it('the classifier removed from files and parts alike: the generation still holds its files', async () => {
    const dir = await tampered((m) => {
      delete m.files['classifier.json']
      delete m.files['classifier.f32']
      m.parts.classifier = false
    })
    const message = await corruptField(dir, 'parts.classifier')
    expect(message).toContain('classifier.json')
  })

  it('efSearch 0 (and other out-of-range HNSW parameters)', async () => {
    expect(await corruptField(await tampered((m) => (m.hnsw.efSearch = 0)), 'hnsw.efSearch')).toMatch(/from 1 to 10000/)
    await corruptField(await tampered((m) => (m.hnsw.efSearch = 1e9)), 'hnsw.efSearch')
    await corruptField(await tampered((m) => (m.hnsw.M = 1)), 'hnsw.M')
    await corruptField(await tampered((m) => (m.hnsw.efConstruction = 2.5)), 'hnsw.efConstruction')
  })

  it('an in-range M or efConstruction that is not the one the index was built with: the index header disagrees', async () => {
    expect(await corruptField(await tampered((m) => (m.hnsw.M = 24)), 'hnsw.M')).toContain('vectors.hnsw')
    await corruptField(await tampered((m) => (m.hnsw.efConstruction = 100)), 'hnsw.efConstruction')
  })

  it('an unknown file listed (and present)', async () => {
    const dir = await tampered((_m, file) => file('notes.txt', Buffer.from('hello')))
    const message = await corruptField(dir, 'files["notes.txt"]')
    expect(message).toMatch(/not a file of a kotae base/)
  })

  it('an unknown top-level field', async () => {
    await corruptField(await tampered((m) => (m.answerOverride = 'always')), 'answerOverride')
  })

  it('counts that are not what the files hold', async () => {
    expect(await corruptField(await tampered((m) => (m.counts.phrasings -= 1)), 'counts.phrasings')).toContain('vectors.hnsw')
    await corruptField(await tampered((m) => (m.counts.entries += 1)), 'counts.entries')
  })

  it('a generation that does not exist, or a history that names something else than a generation', async () => {
    await corruptField(await tampered((m) => (m.generation = 'gen-zzzzzzzz-00000000')), 'generation')
    await corruptField(await tampered((m) => (m.history = ['../../victim'])), 'history[0]')
  })

  it('a file on disk in the generation that the manifest does not list', async () => {
    const dir = await tampered((m) => writeFileSync(join(dir0(m), 'extra.bin'), 'x'))
    await corruptField(dir, 'files')
  })

  it('a file the manifest lists removed from disk: KB_CORRUPT naming it', async () => {
    const dir = await tampered((m) => rmSync(join(dir0(m), 'classifier.f32')))
    const error = await kotaeError(() => loadKnowledgeBase(dir))
    expect(error.code).toBe('KB_CORRUPT')
    expect(error.message).toMatch(/classifier\.f32 is missing/)
  })
})

/** The generation folder of the copy being tampered (its manifest's generation, under the copy being made). */
function dir0(manifest: Json): string {
  return join(root, `copy-${copies}`, (manifest as Manifest).generation)
}
