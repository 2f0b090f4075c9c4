/** evaluateSet on a benchmark set folder: calibration choices, errors for folders that are not sets. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, KotaeError } from '../../src/index.js'
import { computeMetrics, evaluateSet, METRIC_NAMES, type ScoredQuery } from '../../src/eval/index.js'
import { MINI_CALIB, MINI_FAQ, MINI_QUERIES, miniFaqJsonl, queriesJsonl } from '../fixtures/mini-faq.js'

/** The metric names of shared/benchmark/FORMAT.md, in its order. */
const FORMAT_METRICS = ['top1', 'recall3', 'mrr10', 'answerPrecision', 'automation', 'wrongAnswerRate', 'clarifyRate', 'clarifyHit', 'escalateRate', 'oosRecall']

describe('evaluateSet on a benchmark set folder', () => {
  let root: string
  let set: string
  let noCalib: string

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kotae-eval-test-'))
    set = join(root, 'mini')
    noCalib = join(root, 'mini-no-calib')
    for (const dir of [set, noCalib]) {
      mkdirSync(dir)
      writeFileSync(join(dir, 'faq.jsonl'), miniFaqJsonl())
      writeFileSync(join(dir, 'queries.jsonl'), queriesJsonl(MINI_QUERIES))
    }
    writeFileSync(join(set, 'calib.jsonl'), queriesJsonl(MINI_CALIB))
  })

  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('calibrates on calib.jsonl and scores every query', async () => {
    const report = await evaluateSet(set)
    expect(report.set).toBe(set)
    expect(report.calibration).toBe('calib.jsonl')
    expect(report.calibrationQueries).toBe(MINI_CALIB.length)
    expect(report.entries).toBe(32)
    expect(report.phrasings).toBe(128)
    expect(report.metrics).toMatchObject({ n: MINI_QUERIES.length, nInScope: 18, nOutOfScope: 4 })
    for (const name of METRIC_NAMES) {
      expect(report.metrics[name], name).toBeGreaterThanOrEqual(0)
      expect(report.metrics[name], name).toBeLessThanOrEqual(1)
    }
    expect(report.metrics.clarifyRate + report.metrics.escalateRate + report.metrics.answers / report.metrics.n).toBeCloseTo(1, 12)
    expect(Object.keys(report.byLanguage).sort()).toEqual(['en', 'ja', 'ko', 'zh'])
    expect(Object.values(report.byLanguage).reduce((s, m) => s + m.n, 0)).toBe(MINI_QUERIES.length)
    expect(report.byLanguage.ko.n).toBe(MINI_QUERIES.filter((q) => q.lang === 'ko').length)
  })

  it('reports the metrics of the engine a user would build and calibrate the same way', async () => {
    const report = await evaluateSet(set)
    // The default build (self-calibrated, variants held out of the classifier), then calibrate.
    const kb = await buildKnowledgeBase(MINI_FAQ)
    await kb.calibrate(MINI_CALIB)
    expect(report.answerThreshold).toBe(kb.thresholds.answerThreshold)
    const scored: ScoredQuery[] = []
    for (const q of MINI_QUERIES) {
      const r = await kb.ask(q.query)
      scored.push({ expected: q.expected, ranked: r.candidates.map((c) => c.id), decision: r.decision, answerId: r.answer?.id, optionIds: r.options?.map((o) => o.id) })
    }
    expect(report.metrics).toEqual(computeMetrics(scored))
  })

  it('self-calibrates when there is no calib.jsonl, or when asked to', async () => {
    const none = await evaluateSet(noCalib)
    expect(none.calibration).toBe('self')
    expect(none.calibrationQueries).toBe(0)
    expect(none.metrics.n).toBe(MINI_QUERIES.length)
    const forced = await evaluateSet(set, { selfCalibrateOnly: true })
    expect(forced.calibration).toBe('self')
    expect(forced.metrics).toEqual(none.metrics)
  })

  it('with calibFraction calibrates on a seeded part of the queries and scores only the rest', async () => {
    const report = await evaluateSet(noCalib, { calibFraction: 0.4 })
    expect(report.calibration).toBe('calib-fraction')
    expect(report.calibrationQueries).toBeGreaterThan(0)
    expect(report.metrics.n).toBeLessThan(MINI_QUERIES.length)
    expect(report.metrics.n + report.calibrationQueries).toBe(MINI_QUERIES.length)
    const again = await evaluateSet(noCalib, { calibFraction: 0.4 })
    expect(again.metrics).toEqual(report.metrics)
    expect(again.calibrationQueries).toBe(report.calibrationQueries)
  })

  it('rejects a folder that is not a set (NOT_A_BENCHMARK_SET) and a calibFraction outside (0, 1) or an unknown option (INVALID_OPTIONS)', async () => {
    const notASet = await evaluateSet(join(root, 'nothing-here')).catch((e: unknown) => e)
    expect(notASet).toBeInstanceOf(KotaeError)
    expect((notASet as KotaeError).code).toBe('NOT_A_BENCHMARK_SET')
    expect((notASet as KotaeError).details).toEqual({ dir: join(root, 'nothing-here'), missing: ['faq.jsonl', 'queries.jsonl'] })
    expect((notASet as KotaeError).message).toContain('queries.jsonl')
    for (const calibFraction of [0, 1, 1.5]) {
      const error = await evaluateSet(noCalib, { calibFraction }).catch((e: unknown) => e)
      expect((error as KotaeError).code, String(calibFraction)).toBe('INVALID_OPTIONS')
      expect((error as KotaeError).message, String(calibFraction)).toContain('calibFraction: must be between 0 and 1 (exclusive)')
    }
    const typo = await evaluateSet(noCalib, { calibfraction: 0.5 } as never).catch((e: unknown) => e)
    expect(typo).toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('calibfraction') })
  })
})
