/**
 * The transformers.js embedder inside the whole engine: a knowledge base built with the tiny
 * offline model answers, survives save/load with the same embedder, records it as a structured
 * spec that loads it again by itself, refuses another one, and the CLI loads it with the model
 * its manifest records.
 */
import { execFile } from 'node:child_process'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, createEmbedder, KotaeError, loadKnowledgeBase, readManifest, type KnowledgeBase } from '../../src/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { removeTempDirs, tempDir } from '../helpers/tmp.js'

const MODEL_DIR = resolve('fixtures/tiny-model')
const spec = { kind: 'transformers' as const, model: 'kotae/tiny-e5', modelDir: MODEL_DIR }
let dir: string
let kb: KnowledgeBase

beforeAll(async () => {
  dir = tempDir('kotae-tx-')
  kb = await buildKnowledgeBase(MINI_FAQ, { embedder: await createEmbedder(spec) })
  await kb.save(join(dir, 'kb'))
})
afterAll(removeTempDirs)

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

  it('records the model as a structured spec, and loads it again by itself from the folder it was found in', async () => {
    const manifest = await readManifest(join(dir, 'kb'))
    expect(manifest.embedder.spec).toEqual({ kind: 'transformers', model: 'kotae/tiny-e5', dtype: 'q8', pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ', modelDir: MODEL_DIR })
    const loaded = await loadKnowledgeBase(join(dir, 'kb'))
    expect(loaded.embedder.id).toBe(kb.embedder.id)
    const question = kb.entries[2].question
    expect((await loaded.ask(question)).candidates.map((c) => c.id)).toEqual((await kb.ask(question)).candidates.map((c) => c.id))
  })

  it('moved to where its model folder is not: EMBEDDER_UNAVAILABLE naming --model-dir, never a silent switch to the built-in embedder', async () => {
    const moved = join(dir, 'moved')
    await cp(join(dir, 'kb'), moved, { recursive: true })
    const manifestPath = join(moved, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { embedder: { spec: { modelDir: string } } }
    manifest.embedder.spec.modelDir = join(dir, 'no-such-models')
    await writeFile(manifestPath, JSON.stringify(manifest))
    const error = await loadKnowledgeBase(moved).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KotaeError)
    expect(error).toMatchObject({ code: 'EMBEDDER_UNAVAILABLE' })
    expect((error as KotaeError).message).toContain(join(dir, 'no-such-models', 'kotae/tiny-e5'))
    expect((error as KotaeError).message).toContain('--model-dir')
    // Told where the model is now, it loads.
    const loaded = await loadKnowledgeBase(moved, { model: { modelDir: MODEL_DIR } })
    expect(loaded.embedder.id).toBe('transformers:kotae/tiny-e5:q8:mean')
  })

  it('is asked from the CLI with the model its manifest records', async () => {
    const question = kb.entries[0].question
    const { stdout } = await promisify(execFile)('node', ['--import', 'tsx', 'src/cli/main.ts', 'ask', join(dir, 'kb'), question, '--json', '--model-dir', MODEL_DIR])
    const result = JSON.parse(stdout) as { candidates: Array<{ id: string }> }
    expect(result.candidates[0].id).toBe(kb.entries[0].id)
  })
})
