/** `kotae check` (src/cli/commands/check.ts): the import report, exit 1 on errors, and --column. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { kotae, ROOT, tempFolder } from '../helpers/cli.js'
import { MINI_FAQ, miniFaqJsonl } from '../fixtures/mini-faq.js'

const MALFORMED = join(ROOT, 'fixtures', 'malformed')
const tmp = tempFolder('kotae-cli-check-')

describe('kotae check', () => {
  it('on a good file reports it clean and exits 0', async () => {
    const faqPath = join(tmp(), 'faq.jsonl')
    writeFileSync(faqPath, miniFaqJsonl(MINI_FAQ.slice(0, 16)))
    const { code, stdout } = await kotae('check', faqPath)
    expect(code).toBe(0)
    expect(stdout).toMatch(/16 row\(s\) read, 16 entries imported, 0 row\(s\) not imported, 0 error\(s\)/)
  })

  it('on a malformed file names the row and field and exits 1', async () => {
    const [emptyAnswer, duplicates] = await Promise.all([kotae('check', join(MALFORMED, 'empty-answer.csv')), kotae('check', join(MALFORMED, 'duplicate-ids.csv'))])
    expect(emptyAnswer.code).toBe(1)
    expect(emptyAnswer.stdout).toContain('row 3, field answer')
    expect(duplicates.code).toBe(1)
    expect(duplicates.stdout).toMatch(/row 4, field id: duplicate id "ship-fee"/)
  })

  it('--column maps non-standard headers to fields; without the mapping the missing column is reported', async () => {
    const csv = join(tmp(), 'custom-headers.csv')
    writeFileSync(csv, 'No,言語,お問い合わせ内容,回答文\nq1,ja,送料はいくらですか,"全国一律550円です。5,000円以上で無料です。"\n')
    const [without, mapped, unknown] = await Promise.all([
      kotae('check', csv),
      kotae('check', csv, '--column', 'お問い合わせ内容=question', '--column', '回答文=answer', '--column', 'No=id'),
      kotae('check', csv, '--column', 'お問い合わせ内容=title'),
    ])
    expect(without.code).toBe(1)
    expect(without.stdout + without.stderr).toMatch(/question/)
    expect(mapped.code, mapped.stdout + mapped.stderr).toBe(0)
    expect(mapped.stdout).toMatch(/1 entr/)
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toMatch(/^error \[UNKNOWN_COLUMN_FIELD\]: columns: "お問い合わせ内容" maps to unknown field "title"; use one of id, lang, question/m)
  })

  it('--column help shows no "(default: {})"', async () => {
    const run = await kotae('check', '--help')
    expect(run.stdout).toContain('--column')
    expect(run.stdout).not.toContain('{}')
  })
})
