/**
 * A save never deletes a file it did not create: it refuses a folder that is not a kotae base,
 * leaves a user's files inside a base alone, and removes only generations that the manifest
 * history lists (never a path a damaged or edited history names).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadKnowledgeBase, readManifest, type KnowledgeBase } from '../../src/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { ensureBuiltCli, generations, kotaeError, miniBase, removeTempDirs, runCli, tempDir, writeFaq } from './helpers.js'

let root: string
let base: KnowledgeBase

beforeAll(async () => {
  root = tempDir('kotae-kb-folder-')
  base = await miniBase(8)
})
afterAll(removeTempDirs)

/** A user's project folder: files whose names look like the store's but are not its own. */
function userFolder(name: string): { dir: string; files: Record<string, string> } {
  const dir = join(root, name)
  mkdirSync(join(dir, 'gen-docs'), { recursive: true })
  const files: Record<string, string> = {
    'gen-docs/guide.md': '# guide\n',
    'gen-report.pdf': '%PDF-1.4 report',
    '.manifest-notes.tmp': 'my notes',
    'notes.txt': 'keep me',
  }
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content)
  return { dir, files }
}

function expectFilesSurvive(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) expect(readFileSync(join(dir, path), 'utf8'), path).toBe(content)
}

describe('a folder that is not a kotae knowledge base', () => {
  it('with user files and no manifest.json: KB_WRITE saying so, and every file survives untouched', async () => {
    const { dir, files } = userFolder('project')
    const before = readdirSync(dir).sort()
    const error = await kotaeError(() => base.save(dir))
    expect(error.code).toBe('KB_WRITE')
    expect(error.message).toContain(`could not save the knowledge base to ${dir}: it is not a kotae knowledge base`)
    expect(error.message).toMatch(/gen-docs/)
    expect(error.message).toMatch(/pick an empty or new folder/)
    expect(error.details.reason).toMatch(/is not a kotae knowledge base/)
    expectFilesSurvive(dir, files)
    expect(readdirSync(dir).sort()).toEqual(before)
  })

  it('with a manifest.json that is not kotae\'s: refused the same way', async () => {
    const dir = join(root, 'webapp')
    mkdirSync(dir)
    writeFileSync(join(dir, 'manifest.json'), '{"name": "my app", "start_url": "/"}')
    writeFileSync(join(dir, 'index.html'), '<html></html>')
    const error = await kotaeError(() => base.save(dir))
    expect(error.code).toBe('KB_WRITE')
    expect(error.message).toMatch(/manifest\.json is not a kotae manifest/)
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toContain('my app')
    expect(readdirSync(dir).sort()).toEqual(['index.html', 'manifest.json'])
  })

  it('an empty folder and a new nested path are fine', async () => {
    const empty = join(root, 'empty')
    mkdirSync(empty)
    await base.save(empty)
    await base.save(join(root, 'new', 'nested', 'kb'))
    expect((await loadKnowledgeBase(empty)).entries).toHaveLength(8)
    expect((await loadKnowledgeBase(join(root, 'new', 'nested', 'kb'))).entries).toHaveLength(8)
  })

  it('through the CLI: `kotae build -o proj` into a user folder exits 1 with the message, no stack, files kept', async () => {
    ensureBuiltCli()
    const { dir, files } = userFolder('cli-project')
    const faq = writeFaq(join(root, 'faq.jsonl'), MINI_FAQ.slice(0, 8))
    const run = await runCli(['build', faq, '-o', dir])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/error \[KB_WRITE\]: .* is not a kotae knowledge base/)
    expect(run.stderr).not.toMatch(/^\s+at /m)
    expectFilesSurvive(dir, files)
  })
})

describe('inside a kotae knowledge base', () => {
  it('a user\'s files, and a generation-like folder no manifest ever named, survive repeated saves', async () => {
    const dir = join(root, 'kb-with-notes')
    await base.save(dir)
    const lookalike = 'gen-zzzzzzzz-0badf00d'
    mkdirSync(join(dir, lookalike))
    writeFileSync(join(dir, lookalike, 'mine.txt'), 'mine')
    const files = { 'notes.txt': 'keep me', '.manifest-notes.tmp': 'my notes', 'gen-report.pdf': '%PDF' }
    for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content)
    for (let i = 0; i < 4; i++) await base.save(dir)
    expectFilesSurvive(dir, { ...files, [`${lookalike}/mine.txt`]: 'mine' })
    const manifest = await readManifest(dir)
    expect(generations(dir)).toEqual([lookalike, manifest.generation, manifest.history[0]].sort())
  })

  it('a damaged history naming other paths: the save removes none of them', async () => {
    const dir = join(root, 'kb-bad-history')
    await base.save(dir)
    const victim = join(root, 'victim')
    mkdirSync(victim)
    writeFileSync(join(victim, 'data.txt'), 'precious')
    mkdirSync(join(dir, 'gen-docs'))
    const manifestPath = join(dir, 'manifest.json')
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, history: ['../victim', 'gen-docs', '/'] }))
    await base.save(dir)
    expect(readFileSync(join(victim, 'data.txt'), 'utf8')).toBe('precious')
    expect(existsSync(join(dir, 'gen-docs'))).toBe(true)
    expect((await loadKnowledgeBase(dir)).entries).toHaveLength(8)
  })
})
