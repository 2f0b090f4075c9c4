import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeForms, readFaqJsonl } from '../../fixtures/shop-faq/make-forms.js'
import { baseLanguage, type FaqEntry } from '../../src/schema.js'
import { importFaqFile } from '../../src/ingest/index.js'

const dir = new URL('../../fixtures/shop-faq/', import.meta.url).pathname
const faqPath = join(dir, 'faq.jsonl')
const hasFaq = existsSync(faqPath)
const hasForms = hasFaq && existsSync(join(dir, 'part.csv')) && existsSync(join(dir, 'part.xlsx'))

/** The fields the two forms carry. */
const carried = (e: FaqEntry) => ({ id: e.id, lang: e.lang, question: e.question, answer: e.answer, variants: e.variants, category: e.category })

/** Import part.csv and both sheets of part.xlsx from `folder` and compare them with faq.jsonl. */
async function expectFormsMatch(folder: string): Promise<void> {
  const source = readFaqJsonl(faqPath)
  const byLang = (lang: string) => source.filter((e) => baseLanguage(e.lang) === lang).map(carried)

  const csv = await importFaqFile(join(folder, 'part.csv'))
  expect(csv.encoding).toBe('UTF-8')
  expect(csv.issues).toEqual([])
  expect(csv.entries.map(carried)).toEqual(byLang('ja'))
  expect(csv.entries.length).toBeGreaterThan(0)

  for (const lang of ['ko', 'zh']) {
    const sheet = await importFaqFile(join(folder, 'part.xlsx'), { sheet: lang })
    expect(sheet.issues).toEqual([])
    expect(sheet.entries.map(carried)).toEqual(byLang(lang))
    expect(sheet.entries.length).toBeGreaterThan(0)
  }
}

describe('shop-faq in spreadsheet forms (fixtures/shop-faq/make-forms.ts)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kotae-forms-'))
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it.skipIf(!hasFaq)('make-forms output imports back to exactly the faq.jsonl entries', async () => {
    await makeForms(faqPath, tmp)
    await expectFormsMatch(tmp)
  })

  it.skipIf(!hasForms)('the committed part.csv / part.xlsx match faq.jsonl (if not: npx tsx fixtures/shop-faq/make-forms.ts)', async () => {
    await expectFormsMatch(dir)
  })
})
