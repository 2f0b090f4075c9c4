/** LLM-ready context: `kb.context(q, { maxTokens })` stays within budget, best entry first, whole entries only. */
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, countTokens, KotaeError, type KnowledgeBase } from '../../src/index.js'
import { MINI_CALIB, MINI_FAQ } from '../fixtures/mini-faq.js'

let kb: KnowledgeBase
const QUESTION = '送料無料になるのはいくらからですか?'

beforeAll(async () => {
  kb = await buildKnowledgeBase(MINI_FAQ)
  await kb.calibrate(MINI_CALIB)
})

describe('kb.context', () => {
  it('with a generous budget includes the best entries, best first, each with its question and answer', async () => {
    const block = await kb.context(QUESTION, { maxTokens: 100_000 })
    const ranked = block.result.candidates.map((c) => c.id)
    expect(block.result.query).toBe(QUESTION)
    expect(block.entryIds).toEqual(ranked.slice(0, 5))
    expect(block.entryIds[0]).toBe('shipping-fee-ja')
    expect(block.omitted).toEqual([])
    expect(block.text).toContain(QUESTION)
    for (const id of block.entryIds) {
      const entry = kb.entry(id)!
      expect(block.text).toContain(`[${id}]`)
      expect(block.text).toContain(entry.question)
      expect(block.text).toContain(entry.answer)
    }
    const positions = block.entryIds.map((id) => block.text.indexOf(`[${id}]`))
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(block.tokens).toBe(countTokens(block.text))
  })

  it('maxEntries caps the number of entries', async () => {
    const block = await kb.context(QUESTION, { maxTokens: 100_000, maxEntries: 2 })
    expect(block.entryIds).toEqual(block.result.candidates.slice(0, 2).map((c) => c.id))
  })

  it('stays within every budget, as counted by countTokens, and never cuts an answer', async () => {
    const full = await kb.context(QUESTION, { maxTokens: 100_000 })
    for (const maxTokens of [60, 80, 100, 150, 200, 300, full.tokens - 1, full.tokens]) {
      const block = await kb.context(QUESTION, { maxTokens })
      expect(block.tokens, `budget ${maxTokens}`).toBeLessThanOrEqual(maxTokens)
      expect(countTokens(block.text), `budget ${maxTokens}`).toBe(block.tokens)
      // Whole entries only: every included entry's answer is there in full; the rest are listed as omitted.
      for (const id of block.entryIds) expect(block.text).toContain(kb.entry(id)!.answer)
      for (const id of block.omitted) expect(block.text).not.toContain(`[${id}]`)
      expect([...block.entryIds, ...block.omitted].sort()).toEqual([...full.entryIds].sort())
    }
  })

  it('a budget that fits the best entry but not the rest lists the rest in omitted', async () => {
    const full = await kb.context(QUESTION, { maxTokens: 100_000 })
    const secondStart = full.text.indexOf(`\n[${full.entryIds[1]}]`)
    const budget = countTokens(full.text.slice(0, secondStart))
    const block = await kb.context(QUESTION, { maxTokens: budget })
    expect(block.entryIds[0]).toBe(full.entryIds[0])
    expect(block.tokens).toBeLessThanOrEqual(budget)
    expect(block.omitted).toContain(full.entryIds[1])
    expect(block.omitted.length).toBeGreaterThan(0)
  })

  it('counts tokens with the chosen encoding', async () => {
    const block = await kb.context(QUESTION, { maxTokens: 150, encoding: 'o200k_base' })
    expect(block.tokens).toBe(countTokens(block.text, 'o200k_base'))
    expect(block.tokens).toBeLessThanOrEqual(150)
  })

  it('a budget smaller than the header is CONTEXT_BUDGET; a budget that is not a positive whole number is INVALID_OPTIONS', async () => {
    const small = await kb.context(QUESTION, { maxTokens: 5 }).catch((e: unknown) => e)
    expect(small).toBeInstanceOf(KotaeError)
    expect(small).toMatchObject({ code: 'CONTEXT_BUDGET', details: { maxTokens: 5 } })
    expect((small as KotaeError).message).toMatch(/maxTokens 5 is smaller than the header alone \(\d+ tokens\)/)
    for (const maxTokens of [0, -1, 2.5]) {
      const error = await kb.context(QUESTION, { maxTokens }).catch((e: unknown) => e)
      expect(error, `maxTokens ${maxTokens}`).toBeInstanceOf(KotaeError)
      expect((error as KotaeError).code).toBe('INVALID_OPTIONS')
      expect((error as KotaeError).message).toMatch(/maxTokens/)
    }
  })
})

describe('countTokens', () => {
  it('counts tiktoken tokens of any language', () => {
    expect(countTokens('')).toBe(0)
    expect(countTokens('hello')).toBe(1)
    expect(countTokens('送料はいくらですか')).toBeGreaterThan(1)
    expect(countTokens('a b c d')).toBe(4)
  })
})

describe('kb.context with special-token text', () => {
  it('counts <|endoftext|> in a question as ordinary text instead of throwing', async () => {
    const base = await buildKnowledgeBase(MINI_FAQ)
    const block = await base.context('送料はいくらですか<|endoftext|>', { maxTokens: 400 })
    expect(block.tokens).toBeGreaterThan(0)
    expect(countTokens('<|endoftext|>')).toBeGreaterThan(1)
  })
})
