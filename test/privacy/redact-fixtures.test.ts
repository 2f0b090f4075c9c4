import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { redactQuery } from '../../src/privacy/redact.js'

interface PiiRow {
  text: string
  lang: 'ja' | 'ko' | 'zh' | 'en'
  pii: string[]
}
interface NegativeRow {
  text: string
  lang: string
  keep: string[]
  expect?: string
  note: string
}

function readJsonl<T>(name: string): T[] {
  const path = fileURLToPath(new URL(`../../fixtures/pii/${name}`, import.meta.url))
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T)
}

const nfkc = (s: string): string => s.normalize('NFKC')
const digitsOf = (s: string): string => nfkc(s).replace(/\D/g, '')

/** The ways a value could survive: verbatim, NFKC-folded, as its digits (long values), or as a standalone short number. */
function survivors(out: string, value: string): string[] {
  const found: string[] = []
  if (out.includes(value)) found.push('verbatim')
  if (nfkc(out).includes(nfkc(value))) found.push('folded')
  const d = digitsOf(value)
  if (d.length >= 6 && digitsOf(out).includes(d)) found.push(`digits ${d}`)
  if (d.length >= 3 && d.length < 6 && new RegExp(`(?<!\\d)${d}(?!\\d)`).test(nfkc(out))) found.push(`number ${d}`)
  return found
}

const forms = readJsonl<PiiRow>('pii-forms.jsonl')
const negatives = readJsonl<NegativeRow>('pii-negatives.jsonl')

describe('PII fixture (fixtures/pii)', () => {
  it('has at least 50 forms in each of ja, ko, zh and en', () => {
    expect(forms.length).toBeGreaterThanOrEqual(50)
    expect(new Set(forms.map((f) => f.lang))).toEqual(new Set(['ja', 'ko', 'zh', 'en']))
    for (const f of forms) for (const v of f.pii) expect(f.text, 'each value occurs in its message').toContain(v)
  })

  it.each(forms.map((f) => [f.text, f] as const))('no PII survives: %s', (_, f) => {
    const out = redactQuery(f.text).text!
    for (const v of f.pii) expect(survivors(out, v), `${v} in ${out}`).toEqual([])
  })

  it.each(negatives.map((n) => [n.text, n] as const))('negative case: %s', (_, n) => {
    const out = redactQuery(n.text).text!
    for (const v of n.keep) expect(out, n.note).toContain(v)
    if (n.expect !== undefined) expect(out, n.note).toBe(n.expect)
    else expect(out, n.note).toBe(n.text)
  })
})
