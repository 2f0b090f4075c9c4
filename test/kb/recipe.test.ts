/**
 * A saved base round-trips everything later operations read: the self-calibration samples (so
 * calibrating a loaded base gives what calibrating the saved one gave), the build recipe (so a
 * rebuild such as `suggest --accept` replays the original build instead of falling back to
 * defaults), and the accepted suggestions (so `kotae build` from the source FAQ keeps them).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { kotae } from '../helpers/cli.js'
import { BuiltinEmbedder, buildKnowledgeBase, loadKnowledgeBase } from '../../src/index.js'
import { acceptSuggestions, listSuggestions, openHitLog } from '../../src/ops/index.js'
import { MINI_CALIB, MINI_FAQ } from '../fixtures/mini-faq.js'
import { removeTempDirs, tempDir } from './helpers.js'

const temp = () => tempDir('kotae-recipe-')
afterEach(removeTempDirs)


describe('save → load keeps what calibration and rebuilds read', () => {
  it('calibrating a loaded base gives the same calibration as calibrating it before saving', async () => {
    const dir = temp()
    const kb = await buildKnowledgeBase(MINI_FAQ)
    await kb.save(dir)
    const loaded = await loadKnowledgeBase(dir)
    expect(loaded.calibrationSamples).toEqual(kb.calibrationSamples)
    const before = await kb.calibrate(MINI_CALIB.slice(0, 20))
    const after = await loaded.calibrate(MINI_CALIB.slice(0, 20))
    expect(after.answerThreshold).toBe(before.answerThreshold)
    expect(after.clarifyThreshold).toBe(before.clarifyThreshold)
    expect(after.weights).toEqual(before.weights)
  })

  it('the recipe records the build options and the labelled calibration, and survives a save', async () => {
    const dir = temp()
    const kb = await buildKnowledgeBase(MINI_FAQ, { embedder: new BuiltinEmbedder({ dimension: 128 }), hnsw: { efSearch: 64 }, classifier: false, targetPrecision: 0.9 })
    await kb.calibrate(MINI_CALIB, { targetPrecision: 0.9 })
    await kb.save(dir)
    const { recipe } = await loadKnowledgeBase(dir)
    expect(recipe).toMatchObject({ embedder: 'builtin-hash-v1:128', hnsw: { efSearch: 64 }, classifier: false, selfCalibrate: true, targetPrecision: 0.9 })
    expect(recipe.labelled?.queries).toHaveLength(MINI_CALIB.length)
    expect(recipe.labelled?.targetPrecision).toBe(0.9)
  })

  it('a rebuild replays the recipe: same embedder, options and labelled calibration', async () => {
    const kb = await buildKnowledgeBase(MINI_FAQ, { embedder: new BuiltinEmbedder({ dimension: 128 }), hnsw: { efSearch: 64 }, classifier: false })
    await kb.calibrate(MINI_CALIB)
    const rebuilt = await kb.rebuild(MINI_FAQ.slice(0, 30))
    expect(rebuilt.embedder.id).toBe('builtin-hash-v1:128')
    expect(rebuilt.calibration.source).toBe('labelled')
    expect(rebuilt.recipe.hnsw).toEqual({ efSearch: 64 })
    expect(rebuilt.recipe.classifier).toBe(false)
    // Labelled questions whose entry is gone are not used.
    const kept = new Set(rebuilt.entries.map((e) => e.id))
    expect(rebuilt.recipe.labelled!.queries.every((q) => q.expected === null || kept.has(q.expected))).toBe(true)
    // The original base still answers with its own embedder state (the rebuild fitted a fresh one).
    expect((await kb.ask('送料はいくらですか?')).candidates[0].id).toBe('shipping-fee-ja')
  })
})

describe('accepted suggestions are part of the base', () => {
  it('suggest --accept keeps the labelled calibration, and kotae build from the source FAQ merges the accepted variant back', async () => {
    const dir = temp()
    const faq = join(dir, 'faq.jsonl')
    const calib = join(dir, 'calib.jsonl')
    writeFileSync(faq, MINI_FAQ.map((e) => JSON.stringify(e)).join('\n') + '\n')
    writeFileSync(calib, MINI_CALIB.map((q) => JSON.stringify(q)).join('\n') + '\n')
    const out = join(dir, 'kb')
    const built = await kotae('build', faq, '-o', out, '--calib', calib)
    expect(built.code, built.stderr).toBe(0)

    const kb = await loadKnowledgeBase(out)
    const log = openHitLog(out)
    const query = 'ダンボールがまだ来ない'
    try {
      kb.useLogger(log)
      const r = await kb.ask(query)
      log.feedback(r.eventId!, { kind: 'resolved', entryId: 'delivery-time-ja' })
      log.flush()
      const mine = (await listSuggestions(log, { entries: kb.entries })).find((s) => s.query === query)
      expect(mine).toBeDefined()
      const { kb: accepted } = await acceptSuggestions(out, log, { ids: [mine!.id] })
      expect(accepted.calibration?.answerThreshold).toBeDefined()
    } finally {
      log.close()
    }
    const afterAccept = await loadKnowledgeBase(out)
    expect(afterAccept.calibration.source).toBe('labelled')
    expect(afterAccept.recipe.accepted).toEqual([{ entryId: 'delivery-time-ja', variant: query }])
    expect(afterAccept.entry('delivery-time-ja')!.variants).toContain(query)

    // Rebuilding from the source FAQ (which does not have the variant) keeps it, and says so.
    const rebuilt = await kotae('build', faq, '-o', out)
    expect(rebuilt.code, rebuilt.stderr).toBe(0)
    expect(rebuilt.stdout).toContain('merged 1 accepted suggestion')
    const afterRebuild = await loadKnowledgeBase(out)
    expect(afterRebuild.entry('delivery-time-ja')!.variants).toContain(query)
    expect(afterRebuild.recipe.accepted).toHaveLength(1)
  })
})
