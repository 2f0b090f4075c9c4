/**
 * The knowledge base on disk: save → load gives the same answers, the manifest describes the
 * folder, every load failure has the right code and names the file, and a crash mid-save
 * never leaves the folder unreadable (src/kb/store.ts). Locking, faults, foreign folders,
 * manifest tampering and the HNSW file: the other files of test/kb/.
 */
import { createHash } from 'node:crypto'
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BuiltinEmbedder, buildKnowledgeBase, KB_FORMAT_VERSION, loadKnowledgeBase, readManifest, type AskResult, type KnowledgeBase, type KotaeError } from '../../src/index.js'
import { MINI_CALIB, MINI_FAQ, MINI_QUERIES } from '../fixtures/mini-faq.js'
import { deadPid, kotaeError, removeTempDirs, tempDir } from './helpers.js'

const QUESTIONS = [...MINI_QUERIES.map((q) => q.query), '배송이', 'ﾊﾟｽﾜｰﾄﾞ', '配送料', 'help']

let root: string
let kb: KnowledgeBase
/** A clean saved copy of `kb`; tests that damage a base work on a copy of it. */
let saved: string

beforeAll(async () => {
  root = tempDir('kotae-kb-store-')
  kb = await buildKnowledgeBase(MINI_FAQ, { embedder: new BuiltinEmbedder({ dimension: 128 }) })
  await kb.calibrate(MINI_CALIB)
  saved = join(root, 'saved')
  await kb.save(saved)
})

afterAll(removeTempDirs)

let copies = 0
function copyOfSaved(): string {
  const dir = join(root, `copy-${++copies}`)
  cpSync(saved, dir, { recursive: true })
  return dir
}

function generationOf(dir: string): string {
  const gens = readdirSync(dir).filter((n) => n.startsWith('gen-'))
  expect(gens).toHaveLength(1)
  return join(dir, gens[0])
}

/** What a user sees of an answer: ranking, confidences, decision. */
const view = (r: AskResult) => ({ decision: r.decision, reason: r.reason, lang: r.lang, answer: r.answer, candidates: r.candidates.map((c) => [c.id, c.matched, c.score, c.confidence]) })

async function views(base: KnowledgeBase) {
  const out = []
  for (const q of QUESTIONS) out.push(view(await base.ask(q)))
  return out
}

/** The KotaeError loading `dir` fails with. */
function loadError(dir: string, options?: Parameters<typeof loadKnowledgeBase>[1]): Promise<KotaeError> {
  return kotaeError(() => loadKnowledgeBase(dir, options))
}

describe('save → load', () => {
  it('gives the same candidates, confidences and decisions', async () => {
    const loaded = await loadKnowledgeBase(saved)
    expect(loaded.embedder.id).toBe('builtin-hash-v1:128')
    expect(loaded.entries).toEqual(kb.entries)
    expect(loaded.calibration).toEqual(kb.calibration)
    expect(loaded.thresholds).toEqual(kb.thresholds)
    expect(await views(loaded)).toEqual(await views(kb))
  })

  it('a loaded base saves again to an equivalent base', async () => {
    const loaded = await loadKnowledgeBase(saved)
    const again = join(root, 'resaved')
    await loaded.save(again)
    expect(await views(await loadKnowledgeBase(again))).toEqual(await views(kb))
  })
})

describe('manifest', () => {
  it('records format, version, embedder, counts and a checksum for every file', async () => {
    const manifest = await readManifest(saved)
    expect(manifest.format).toBe('kotae-kb')
    expect(manifest.formatVersion).toBe(KB_FORMAT_VERSION)
    expect(manifest.embedder).toEqual({ id: 'builtin-hash-v1:128', dimension: 128, spec: { kind: 'builtin', dimension: 128 } })
    expect(manifest.counts).toEqual({ entries: 32, phrasings: 128 })
    expect(Number.isNaN(Date.parse(manifest.createdAt))).toBe(false)
    const genDir = generationOf(saved)
    expect(join(saved, manifest.generation)).toBe(genDir)
    const onDisk = readdirSync(genDir).sort()
    expect(Object.keys(manifest.files).sort()).toEqual(onDisk)
    expect(onDisk).toEqual(expect.arrayContaining(['entries.jsonl', 'vectors.hnsw', 'calibration.json', 'embedder.json']))
    for (const [name, { sha256, bytes }] of Object.entries(manifest.files)) {
      const data = readFileSync(join(genDir, name))
      expect(data.length, name).toBe(bytes)
      expect(createHash('sha256').update(data).digest('hex'), name).toBe(sha256)
    }
  })
})

describe('load errors', () => {
  it('missing folder: KB_NOT_FOUND naming the folder', async () => {
    const dir = join(root, 'does-not-exist')
    const error = await loadError(dir)
    expect(error.code).toBe('KB_NOT_FOUND')
    expect(error.message).toContain(dir)
  })

  it('a folder without manifest.json: KB_NOT_FOUND naming manifest.json', async () => {
    const dir = join(root, 'empty-folder')
    mkdirSync(dir)
    const error = await loadError(dir)
    expect(error.code).toBe('KB_NOT_FOUND')
    expect(error.message).toContain('manifest.json')
  })

  it('another format version: KB_VERSION naming the folder and both versions', async () => {
    const dir = copyOfSaved()
    const manifestPath = join(dir, 'manifest.json')
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, formatVersion: KB_FORMAT_VERSION + 1 }))
    const error = await loadError(dir)
    expect(error.code).toBe('KB_VERSION')
    expect(error.message).toContain(dir)
    expect(error.message).toContain(String(KB_FORMAT_VERSION + 1))
  })

  it('a manifest that is not JSON: KB_CORRUPT naming manifest.json', async () => {
    const dir = copyOfSaved()
    writeFileSync(join(dir, 'manifest.json'), '{"format": "kotae-kb", ')
    const error = await loadError(dir)
    expect(error.code).toBe('KB_CORRUPT')
    expect(error.message).toContain('manifest.json')
  })

  it('another embedder: EMBEDDER_MISMATCH naming both embedders', async () => {
    const error = await loadError(saved, { embedder: new BuiltinEmbedder({ dimension: 256 }) })
    expect(error.code).toBe('EMBEDDER_MISMATCH')
    expect(error.message).toContain('builtin-hash-v1:128')
    expect(error.message).toContain('builtin-hash-v1:256')
    const unknown = await loadError(saved, { embedder: { id: 'transformers:some-model:q8', dimension: 128, embed: async () => [] } })
    expect(unknown.code).toBe('EMBEDDER_MISMATCH')
  })

  it('a flipped byte in entries.jsonl: KB_CORRUPT naming the file', async () => {
    const dir = copyOfSaved()
    const path = join(generationOf(dir), 'entries.jsonl')
    const data = readFileSync(path)
    data[100] ^= 0x20
    writeFileSync(path, data)
    const error = await loadError(dir)
    expect(error.code).toBe('KB_CORRUPT')
    expect(error.message).toContain('entries.jsonl')
    expect(error.details.file).toBe('entries.jsonl')
  })

  it('a truncated vector index: KB_CORRUPT naming the file', async () => {
    const dir = copyOfSaved()
    const path = join(generationOf(dir), 'vectors.hnsw')
    const data = readFileSync(path)
    writeFileSync(path, data.subarray(0, data.length - 16))
    const error = await loadError(dir)
    expect(error.code).toBe('KB_CORRUPT')
    expect(error.message).toContain('vectors.hnsw')
  })

  it('a missing file: KB_CORRUPT naming the file', async () => {
    const dir = copyOfSaved()
    rmSync(join(generationOf(dir), 'lexical.json'))
    const error = await loadError(dir)
    expect(error.code).toBe('KB_CORRUPT')
    expect(error.message).toContain('lexical.json')
    expect(error.message).toMatch(/missing/)
  })
})

describe('atomic save', () => {
  it('a crash mid-save (half-written generation, stray manifest temp file) still loads the previous base', async () => {
    const dir = copyOfSaved()
    const half = join(dir, 'gen-zzzzzzzz-deadbeef')
    mkdirSync(half)
    writeFileSync(join(half, 'entries.jsonl'), '{"id":"half-writ')
    writeFileSync(join(dir, '.manifest-0badc0de.tmp'), '{"format":"kotae-kb","formatVer')
    const loaded = await loadKnowledgeBase(dir)
    expect(await views(loaded)).toEqual(await views(kb))
  })

  it('the next save over a crashed save removes its partial generation (named by its stale lock) and loads the new base', async () => {
    const dir = copyOfSaved()
    const before = (await readManifest(dir)).generation
    const partial = 'gen-zzzzzzzz-deadbeef'
    mkdirSync(join(dir, partial))
    writeFileSync(join(dir, partial, 'entries.jsonl'), '{"id":"half-writ')
    writeFileSync(join(dir, `.manifest-${partial}.tmp`), '{"format":"kotae-kb","formatVer')
    // The lock a killed writer leaves: a pid that is no longer running, on this host.
    writeFileSync(join(dir, '.lock'), JSON.stringify({ tool: 'kotae', pid: deadPid(), hostname: hostname(), startedAt: new Date().toISOString(), token: 'feedface', generation: partial }))
    const smaller = await buildKnowledgeBase(MINI_FAQ.slice(0, 8), { embedder: new BuiltinEmbedder({ dimension: 128 }) })
    await smaller.save(dir, { lockTimeoutMs: 0 })
    const manifest = await readManifest(dir)
    expect(readdirSync(dir).sort()).toEqual([before, manifest.generation, 'manifest.json'].sort())
    expect((await loadKnowledgeBase(dir)).entries).toHaveLength(8)
  })

  it('saving again keeps the previous generation (readers may still open it) and removes the older ones the manifest history lists', async () => {
    const dir = join(root, 'thrice')
    const names: string[] = []
    for (let i = 0; i < 3; i++) {
      await kb.save(dir)
      names.push((await readManifest(dir)).generation)
    }
    const manifest = await readManifest(dir)
    expect(new Set(names).size).toBe(3)
    expect(manifest.generation).toBe(names[2])
    expect(manifest.history[0]).toBe(names[1])
    expect(readdirSync(dir).filter((n) => n.startsWith('gen-')).sort()).toEqual([names[1], names[2]].sort())
    expect(await views(await loadKnowledgeBase(dir))).toEqual(await views(kb))
  })
})
