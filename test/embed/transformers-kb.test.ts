/**
 * The transformers.js embedder inside the whole engine: a knowledge base built with the tiny
 * offline model answers, survives save/load with the same embedder, refuses another one, and
 * the CLI loads it with the model its manifest records.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, createEmbedder, KotaeError, loadKnowledgeBase, readManifest, type KnowledgeBase } from '../../src/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'

const MODEL_DIR = resolve('fixtures/tiny-model')
const spec = { kind: 'transformers' as const, model: 'kotae/tiny-e5', modelDir: MODEL_DIR }
let dir: string
let kb: KnowledgeBase

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kotae-tx-'))
  kb = await buildKnowledgeBase(MINI_FAQ, { embedder: await createEmbedder(spec) })
  await kb.save(join(dir, 'kb'))
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

describe('a knowledge base built with the transformers.js embedder', () => {
  it('records the model in its manifest and ranks an entry\'s own question first', async () => {
    const manifest = await readManifest(join(dir, 'kb'))
    expect(manifest.embedder.id).toBe('transformers:kotae/tiny-e5:q8:mean')
    expect(manifest.embedder.dimension).toBe(kb.embedder.dimension)
    const entry = kb.entries[0]
    const result = await kb.ask(entry.question)
    expect(result.candidates[0].id).toBe(entry.id)
  })

  it('loads with the same embedder and gives the same candidates', async () => {
    const loaded = await loadKnowledgeBase(join(dir, 'kb'), { embedder: await createEmbedder(spec) })
    const question = kb.entries[3].variants[0] ?? kb.entries[3].question
    const [a, b] = [await kb.ask(question), await loaded.ask(question)]
    expect(b.candidates.map((c) => c.id)).toEqual(a.candidates.map((c) => c.id))
    expect(b.confidence).toBeCloseTo(a.confidence, 6)
  })

  it('refuses to load without its embedder (never a silent switch to the built-in one)', async () => {
    await expect(loadKnowledgeBase(join(dir, 'kb'))).rejects.toMatchObject({ code: 'EMBEDDER_MISMATCH' })
    const error = await loadKnowledgeBase(join(dir, 'kb')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KotaeError)
    expect((error as KotaeError).message).toContain('transformers:kotae/tiny-e5')
  })

  it('is asked from the CLI with the model its manifest records', async () => {
    const question = kb.entries[0].question
    const { stdout } = await promisify(execFile)('node', ['--import', 'tsx', 'src/cli/main.ts', 'ask', join(dir, 'kb'), question, '--json', '--model-dir', MODEL_DIR])
    const result = JSON.parse(stdout) as { candidates: Array<{ id: string }> }
    expect(result.candidates[0].id).toBe(kb.entries[0].id)
  })
})
