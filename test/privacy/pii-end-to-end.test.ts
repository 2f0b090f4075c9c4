/**
 * Personal data never reaches storage, reports or suggestions unredacted: every realistic PII
 * form of fixtures/pii (ja/ko/zh/en) is asked through a real knowledge base with the hit log
 * attached, as a question, a session id and a feedback comment, resolved by a person so it
 * becomes a suggestion; then none of the raw values may be found in the SQLite file's bytes, in
 * the report (JSON and HTML) or in the suggestions.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/index.js'
import { buildReport, listSuggestions, openHitLog, renderReportHtml } from '../../src/ops/index.js'
import { MINI_FAQ } from '../fixtures/mini-faq.js'
import { removeTemp, tempDir } from '../kb/helpers.js'

interface PiiForm {
  text: string
  lang: string
  pii: string[]
}

const FORMS: PiiForm[] = readFileSync(join(import.meta.dirname, '../../fixtures/pii/pii-forms.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as PiiForm)

/**
 * Whether a raw value of `text` survives in `haystack`: as typed, NFKC-folded, or (for long
 * numbers) as its digits alone. A short value (a 3-digit CVV) would match unrelated bytes of a
 * database file, so it is looked for with the characters that precede it in the message.
 */
function leaks(haystack: string, value: string, text: string): boolean {
  const forms = [value, value.normalize('NFKC')]
  const digits = value.normalize('NFKC').replace(/\D/g, '')
  if (digits.length >= 8) forms.push(digits)
  if ([...value].length < 6) {
    const at = text.indexOf(value)
    const before = at > 0 ? text.slice(Math.max(0, at - 4), at) : ''
    return [before + value, (before + value).normalize('NFKC')].some((form) => haystack.includes(form))
  }
  return forms.some((form) => haystack.includes(form))
}

const made: string[] = []
afterEach(() => made.splice(0).forEach(removeTemp))

describe('PII never reaches the hit log, the report or the suggestions', () => {
  it(`holds for all ${FORMS.length} forms of the PII fixture`, async () => {
    expect(FORMS.length).toBeGreaterThanOrEqual(50)
    const dir = tempDir('kotae-pii-')
    made.push(dir)
    const kb = await buildKnowledgeBase(MINI_FAQ)
    await kb.save(dir)
    const log = openHitLog(dir, { onError: (e) => { throw e } })
    try {
      kb.useLogger(log)
      for (const [i, form] of FORMS.entries()) {
        const r = await kb.ask(form.text, { sessionId: `customer ${form.pii[0]}`, channel: 'chat' })
        log.feedback(r.eventId!, { kind: 'resolved', entryId: 'delivery-time-ja', comment: `called back on ${form.pii[0]} (${i})` })
      }
      log.flush()
      const report = await buildReport(log, { entries: kb.entries })
      const json = JSON.stringify(report)
      const html = renderReportHtml(report, { title: 'pii' })
      const suggestions = JSON.stringify(await listSuggestions(log, { entries: kb.entries }))
      log.close()
      const stored = readFileSync(log.path).toString('utf8')
      for (const form of FORMS) {
        for (const value of form.pii) {
          expect(leaks(stored, value, form.text), `${value} in hits.sqlite`).toBe(false)
          expect(leaks(json, value, form.text), `${value} in the report JSON`).toBe(false)
          expect(leaks(html, value, form.text), `${value} in the report page`).toBe(false)
          expect(leaks(suggestions, value, form.text), `${value} in the suggestions`).toBe(false)
        }
      }
    } finally {
      log.close()
    }
  })
})
