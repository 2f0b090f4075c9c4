/**
 * `kotae check` and `kotae build` on the integrity fixtures, as a user runs them (a real process):
 * both go through the same import, so both report the same issues, with the exit codes of the
 * existing rules (errors → 1, warnings alone → 0). Independent runs are spawned concurrently.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kotae, ROOT, type Run } from '../helpers/cli.js'

const fx = (name: string) => join(ROOT, 'test', 'ingest', 'fixtures', name)



let tmp: string
let runs: Record<'checkMixed' | 'buildMixed' | 'checkDeep' | 'buildDeep' | 'checkProto' | 'buildProto', Run>

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kotae-integrity-cli-'))
  const deep = '{"下位":'.repeat(10_000) + '"終端"' + '}'.repeat(10_000)
  const deepPath = join(tmp, 'deep.json')
  writeFileSync(
    deepPath,
    JSON.stringify([{ id: 'ja-shipping-fee', lang: 'ja', question: '送料はいくらですか？', answer: '全国一律550円（税込）です。' }]).replace(
      /\]$/,
      `,{"id":"ja-gift-wrap","lang":"ja","question":"ギフト包装はできますか？","answer":"1点につき330円で承ります。","metadata":{"分類":${deep}}}]`,
    ),
  )
  const [checkMixed, buildMixed, checkDeep, buildDeep, checkProto, buildProto] = await Promise.all([
    kotae('check', fx('mixed-encoding.csv')),
    kotae('build', fx('mixed-encoding.csv'), '-o', join(tmp, 'kb-mixed')),
    kotae('check', deepPath),
    kotae('build', deepPath, '-o', join(tmp, 'kb-deep')),
    kotae('check', fx('proto-header.csv')),
    kotae('build', fx('proto-header.csv'), '-o', join(tmp, 'kb-proto')),
  ])
  runs = { checkMixed, buildMixed, checkDeep, buildDeep, checkProto, buildProto }
})

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('kotae check and kotae build report the same integrity issues', () => {
  it('mixed encodings: a warning in both; exit 0 (warnings alone do not fail)', () => {
    expect(runs.checkMixed.code, runs.checkMixed.stderr).toBe(0)
    expect(runs.checkMixed.stdout).toContain('0 error(s), 1 warning(s)')
    expect(runs.checkMixed.stdout).toContain('file: warning: the file mixes text encodings')
    expect(runs.buildMixed.code, runs.buildMixed.stderr).toBe(0)
    expect(runs.buildMixed.stderr).toContain('file: warning: the file mixes text encodings')
    expect(runs.buildMixed.stderr).toContain('line 3 looks like EUC-KR')
  })

  it('metadata 10,000 levels deep: the row error in both; exit 1; no stack overflow', () => {
    expect(runs.checkDeep.code).toBe(1)
    expect(runs.checkDeep.stdout).toContain('row 2, field metadata.分類: metadata.分類 is nested 10,001 levels deep')
    expect(runs.buildDeep.code).toBe(1)
    expect(runs.buildDeep.stderr).toContain('error [FAQ_INVALID]')
    expect(runs.buildDeep.stderr).toContain('row 2 (metadata.分類): metadata.分類 is nested 10,001 levels deep')
    for (const run of [runs.checkDeep, runs.buildDeep]) expect(run.stdout + run.stderr).not.toMatch(/RangeError|call stack/)
  })

  it('a __proto__ column: the header error in both; exit 1', () => {
    expect(runs.checkProto.code).toBe(1)
    expect(runs.checkProto.stdout).toContain('row 1, field __proto__: column 5: "__proto__" is not allowed as a column header')
    expect(runs.buildProto.code).toBe(1)
    expect(runs.buildProto.stderr).toContain('row 1 (__proto__): column 5')
  })
})
