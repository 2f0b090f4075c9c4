/** `kotae ask` (src/cli/commands/ask.ts): the typed result as JSON, a missing base, and --log with the event id `kotae feedback` takes. */
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, createEmbedder, type AskResult } from '../../src/index.js'
import { kotae, saveMiniBase, tempFolder } from '../helpers/cli.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'

const tmp = tempFolder('kotae-cli-ask-')
let kbDir: string

beforeAll(async () => {
  kbDir = join(tmp(), 'kb')
  await saveMiniBase(kbDir)
})

describe('kotae ask', () => {
  it('--json prints the full typed result', async () => {
    const { code, stdout, stderr } = await kotae('ask', kbDir, '배송비는 얼마인가요?', '--json')
    expect(code, stderr).toBe(0)
    const result = JSON.parse(stdout) as AskResult
    expect(result.query).toBe('배송비는 얼마인가요?')
    expect(result.lang).toBe('ko')
    expect(['answer', 'clarify', 'escalate']).toContain(result.decision)
    expect(result.candidates[0].id).toBe('shipping-fee-ko')
    expect(new Set(result.candidates.map((c) => c.id)).size).toBe(result.candidates.length)
    expect(result.confidence).toBe(result.candidates[0].confidence)
    if (result.decision === 'answer') expect(result.answer.text).toBe(MINI_FAQ.find((e) => e.id === 'shipping-fee-ko')!.answer)
  })

  it('on a missing knowledge base prints error [KB_NOT_FOUND] and exits 1', async () => {
    const { code, stderr } = await kotae('ask', join(tmp(), 'no-such-kb'), '送料は?')
    expect(code).toBe(1)
    expect(stderr).toMatch(/^error \[KB_NOT_FOUND\]: .*no-such-kb/m)
  })

  it('--embedder transformers on a built-in base is EMBEDDER_MISMATCH saying to drop the flag', async () => {
    const { code, stderr } = await kotae('ask', kbDir, '送料は?', '--embedder', 'transformers')
    expect(code).toBe(1)
    expect(stderr).toMatch(/^error \[EMBEDDER_MISMATCH\]: .*kb was built with the embedder "builtin-hash-v1:256" \(the built-in one\), not a transformers\.js model.*Drop --embedder/m)
  })

  it('--log prints the event id that kotae feedback takes, and feedback accepts it', async () => {
    const log = join(tmp(), 'ask-log.sqlite')
    const asked = await kotae('ask', kbDir, '送料はいくらですか?', '--log', log)
    expect(asked.code, asked.stderr).toBe(0)
    const eventId = asked.stdout.match(/^event (\S+)/m)?.[1]
    expect(eventId).toBeDefined()
    const fed = await kotae('feedback', kbDir, eventId!, '--helpful', '--log', log)
    expect(fed.code, fed.stderr).toBe(0)
    expect(fed.stdout).toContain(eventId!)
  })

  it('a transformers base whose model folder moved: the error names --model-dir, not the library option; with --model-dir it answers', async () => {
    const modelDir = resolve('fixtures/tiny-model')
    const dir = join(tmp(), 'kb-tx')
    const embedder = await createEmbedder({ kind: 'transformers', model: 'kotae/tiny-e5', modelDir })
    await (await buildKnowledgeBase(MINI_FAQ.slice(0, 8), { embedder })).save(dir)
    const manifestPath = join(dir, 'manifest.json')
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { embedder: { spec: { modelDir: string } } }
    manifest.embedder.spec.modelDir = join(tmp(), 'no-such-models')
    await writeFile(manifestPath, JSON.stringify(manifest))
    const [moved, told] = await Promise.all([kotae('ask', dir, '送料は?'), kotae('ask', dir, '送料は?', '--json', '--model-dir', modelDir)])
    expect(moved.code).toBe(1)
    expect(moved.stderr).toMatch(/^error \[EMBEDDER_UNAVAILABLE\]: .*no-such-models/m)
    expect(moved.stderr).toContain('--model-dir <dir>')
    expect(moved.stderr).not.toMatch(/modelDir:|offline: false/)
    expect(told.code, told.stderr).toBe(0)
    expect((JSON.parse(told.stdout) as AskResult).candidates.length).toBeGreaterThan(0)
  })
})
