/** `kotae eval` (src/cli/commands/eval.ts): the report with every FORMAT.md metric. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { METRIC_NAMES } from '../../src/eval/index.js'
import { kotae, tempFolder } from '../helpers/cli.js'
import { MINI_CALIB, MINI_QUERIES, miniFaqJsonl, queriesJsonl } from '../fixtures/mini-faq.js'

const tmp = tempFolder('kotae-cli-eval-')

describe('kotae eval', () => {
  it('--json prints the report with every FORMAT.md metric', async () => {
    const setDir = join(tmp(), 'set')
    mkdirSync(setDir)
    writeFileSync(join(setDir, 'faq.jsonl'), miniFaqJsonl())
    writeFileSync(join(setDir, 'queries.jsonl'), queriesJsonl(MINI_QUERIES))
    writeFileSync(join(setDir, 'calib.jsonl'), queriesJsonl(MINI_CALIB))
    const { code, stdout, stderr } = await kotae('eval', setDir, '--json')
    expect(code, stderr).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.calibration).toBe('calib.jsonl')
    expect(report.metrics.n).toBe(MINI_QUERIES.length)
    for (const name of METRIC_NAMES) {
      expect(typeof report.metrics[name], name).toBe('number')
      expect(stdout).toContain(`"${name}"`)
    }
  })

  it('on a folder that is not a set says what it needs', async () => {
    const { code, stderr } = await kotae('eval', tmp())
    expect(code).toBe(1)
    expect(stderr).toMatch(/^error \[NOT_A_BENCHMARK_SET\]: .* is not a benchmark set: it needs faq\.jsonl and queries\.jsonl/m)
  })
})
