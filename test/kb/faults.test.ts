/**
 * A save that fails half-way (disk full, permission, a folder removed under it, a write that
 * lands short, hnswlib's silent truncation of vectors.hnsw) throws KB_WRITE naming the file and
 * the cause, leaves the previous base loadable with the same answers, and leaves no partial
 * generation, temp manifest or lock behind. Faults are injected through the store's documented
 * test seam (src/kb/fsio.ts `injectFaultsForTesting`); bench/faults.ts also fills a real tmpfs.
 */
import { cpSync, existsSync, readdirSync, readFileSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadKnowledgeBase, readManifest, type KnowledgeBase } from '../../src/index.js'
import { errnoError, injectFaultsForTesting, type FaultPoint } from '../../src/kb/fsio.js'
import { generations, kotaeError, miniBase, removeTempDirs, tempDir, views } from './helpers.js'

let root: string
let base: KnowledgeBase
let other: KnowledgeBase
let saved: string
let expected: Awaited<ReturnType<typeof views>>

beforeAll(async () => {
  root = tempDir('kotae-kb-faults-')
  base = await miniBase()
  other = await miniBase(12)
  saved = join(root, 'saved')
  await base.save(saved)
  expected = await views(base)
})
afterEach(() => injectFaultsForTesting(null))
afterAll(removeTempDirs)

let copies = 0
function copyOfSaved(): string {
  const dir = join(root, `copy-${++copies}`)
  cpSync(saved, dir, { recursive: true })
  return dir
}

/** A hook that fails the `nth` (1-based) time `point` is reached on a path ending with `suffix`. */
function failAt(point: FaultPoint, suffix: string, code: string, nth = 1) {
  let seen = 0
  return (p: FaultPoint, path: string) => {
    if (p === point && path.endsWith(suffix) && ++seen === nth) throw errnoError(code, point === 'mkdir' ? 'mkdir' : point === 'rename' ? 'rename' : 'write', path)
  }
}

async function expectPreviousIntact(dir: string, generation: string): Promise<void> {
  expect(generations(dir)).toEqual([generation])
  expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([])
  expect((await readManifest(dir)).generation).toBe(generation)
  expect(await views(await loadKnowledgeBase(dir))).toEqual(expected)
}

describe('an injected failure during a save over an existing base', () => {
  const cases: Array<{ name: string; point: FaultPoint; suffix: string; code: string; says: RegExp }> = [
    { name: 'disk full writing entries.jsonl', point: 'write', suffix: 'entries.jsonl', code: 'ENOSPC', says: /disk is full \(ENOSPC/ },
    { name: 'disk full writing classifier.f32', point: 'write', suffix: 'classifier.f32', code: 'ENOSPC', says: /disk is full/ },
    { name: 'disk full before hnswlib writes vectors.hnsw', point: 'write', suffix: 'vectors.hnsw', code: 'ENOSPC', says: /disk is full/ },
    { name: 'disk full writing the new manifest', point: 'write', suffix: '.tmp', code: 'ENOSPC', says: /disk is full/ },
    { name: 'permission denied creating the generation folder', point: 'mkdir', suffix: '', code: 'EACCES', says: /permission denied \(EACCES\).*check that this user may write/i },
    { name: 'permission denied writing lexical.json', point: 'write', suffix: 'lexical.json', code: 'EPERM', says: /permission denied \(EPERM\)/ },
    { name: 'the folder vanished before the manifest rename', point: 'rename', suffix: 'manifest.json', code: 'ENOENT', says: /does not exist \(ENOENT\)/ },
    { name: 'an I/O error syncing the generation folder', point: 'sync-dir', suffix: '', code: 'EIO', says: /input\/output error/ },
  ]
  for (const c of cases) {
    it(`${c.name}: KB_WRITE naming the file and cause; the previous base still loads; no partial generation`, async () => {
      const dir = copyOfSaved()
      const before = (await readManifest(dir)).generation
      const suffix = c.point === 'mkdir' || c.point === 'sync-dir' ? '' : c.suffix
      injectFaultsForTesting(c.point === 'mkdir' || c.point === 'sync-dir' ? (p, path) => {
        if (p === c.point && basename(path).startsWith('gen-')) throw errnoError(c.code, c.point, path)
      } : failAt(c.point, suffix, c.code))
      const error = await kotaeError(() => other.save(dir))
      injectFaultsForTesting(null)
      expect(error.code).toBe('KB_WRITE')
      expect(error.message).toMatch(c.says)
      if (suffix) expect(error.message).toContain(suffix)
      expect(error.message).toContain(dir)
      expect(error.message).toMatch(/previous knowledge base .* is unchanged and still loads/)
      expect(error.details.errno).toBe(c.code)
      await expectPreviousIntact(dir, before)
    })
  }

  it('a write that lands short (a full disk truncating silently): KB_WRITE from the read-back check', async () => {
    const dir = copyOfSaved()
    const before = (await readManifest(dir)).generation
    injectFaultsForTesting((point, path) => {
      if (point === 'verify' && path.endsWith('fields.json')) truncateSync(path, 100)
    })
    const error = await kotaeError(() => other.save(dir))
    expect(error.code).toBe('KB_WRITE')
    expect(error.message).toContain('fields.json')
    expect(error.message).toMatch(/100 bytes on disk after writing \d+/)
    expect(error.message).toMatch(/disk is full or failing/)
    await expectPreviousIntact(dir, before)
  })

  it('hnswlib truncating vectors.hnsw without an error (what it does on ENOSPC): KB_WRITE, never a "successful" save', async () => {
    const dir = copyOfSaved()
    const before = (await readManifest(dir)).generation
    injectFaultsForTesting((point, path) => {
      if (point === 'hnsw') truncateSync(path, Math.floor(readFileSync(path).length * 0.6))
    })
    const error = await kotaeError(() => other.save(dir))
    expect(error.code).toBe('KB_WRITE')
    expect(error.message).toContain('vectors.hnsw')
    expect(error.message).toMatch(/vector index on disk is incomplete: .*truncated/)
    await expectPreviousIntact(dir, before)
  })

  it('hnswlib failing to create vectors.hnsw at all: KB_WRITE', async () => {
    const dir = copyOfSaved()
    const before = (await readManifest(dir)).generation
    injectFaultsForTesting((point, path) => {
      if (point === 'hnsw') unlinkSync(path)
    })
    const error = await kotaeError(() => other.save(dir))
    expect(error.code).toBe('KB_WRITE')
    expect(error.message).toContain('vectors.hnsw')
    await expectPreviousIntact(dir, before)
  })

  it('the same base saves fine once the fault is gone', async () => {
    const dir = copyOfSaved()
    injectFaultsForTesting(failAt('write', 'entries.jsonl', 'ENOSPC'))
    await kotaeError(() => other.save(dir))
    injectFaultsForTesting(null)
    await other.save(dir)
    expect((await loadKnowledgeBase(dir)).entries).toHaveLength(12)
  })
})

describe('an injected failure on a first save', () => {
  it('leaves no manifest, generation, temp file or lock, and says nothing was saved', async () => {
    const dir = join(root, 'first')
    injectFaultsForTesting(failAt('write', 'phrasings.json', 'ENOSPC'))
    const error = await kotaeError(() => base.save(dir))
    expect(error.code).toBe('KB_WRITE')
    expect(error.message).toContain('phrasings.json')
    expect(error.message).toMatch(/Nothing was saved/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('a lock file that cannot be created (permission): KB_WRITE naming .lock, nothing written', async () => {
    const dir = join(root, 'no-lock')
    injectFaultsForTesting(failAt('lock', '.lock', 'EACCES'))
    const error = await kotaeError(() => base.save(dir))
    expect(error.code).toBe('KB_WRITE')
    expect(error.message).toContain(join(dir, '.lock'))
    expect(error.message).toMatch(/permission denied/)
    expect(readdirSync(dir)).toEqual([])
  })

  it('a path through a file (ENOTDIR): KB_WRITE naming the folder', async () => {
    const file = join(root, 'a-file')
    writeFileSync(file, 'not a folder')
    const error = await kotaeError(() => base.save(join(file, 'kb')))
    expect(error.code).toBe('KB_WRITE')
    expect(error.message).toContain(join(file, 'kb'))
    expect(error.message).toMatch(/not a folder \(ENOTDIR\)/)
    expect(existsSync(join(file, 'kb'))).toBe(false)
  })
})
