/**
 * The learning loop end to end with the real engine: a question escalates, a person resolves it
 * with an entry, the query becomes a suggestion, accepting it rebuilds the knowledge base, and
 * the same question is then answered with that entry.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase } from '../../src/engine.js'
import { loadKnowledgeBase } from '../../src/engine.js'
import { acceptSuggestions, listSuggestions, openHitLog, rejectSuggestions } from '../../src/ops/index.js'
import type { FaqEntryInput } from '../../src/schema.js'
import { removeTempDirs, tempDir } from './helpers.js'

afterAll(removeTempDirs)

const SHOP_FAQ = process.env.KOTAE_SHOP_FAQ ?? join(import.meta.dirname, '../../fixtures/shop-faq/faq.jsonl')

async function learningLoop(entries: FaqEntryInput[], target: string, candidates: string[]) {
  const dir = tempDir('kotae-learn-')
  const kb = await buildKnowledgeBase(entries)
  await kb.save(dir)
  const log = openHitLog(dir, { onError: (e) => { throw e } })
  try {
    kb.useLogger(log)
    // The first phrasing that the FAQ does not answer today.
    let query: string | undefined
    let eventId: string | undefined
    for (const q of candidates) {
      const r = await kb.ask(q, { sessionId: 'customer-1', channel: 'chat' })
      if (r.decision === 'escalate') {
        query = q
        eventId = r.eventId
        break
      }
    }
    expect(query, 'one of the candidate phrasings should escalate before learning').toBeDefined()
    expect(eventId).toBeDefined()
    log.feedback(eventId!, { kind: 'resolved', entryId: target })

    const suggestions = listSuggestions(log, { entries: kb.entries })
    const mine = suggestions.find((s) => s.entryId === target && s.query === query)
    expect(mine).toMatchObject({ count: 1, resolved: 1, masked: false })

    await expect(acceptSuggestions(dir, log, {})).rejects.toMatchObject({ code: 'INVALID_OPTIONS' })
    const { accepted } = await acceptSuggestions(dir, log, { ids: [mine!.id] })
    expect(accepted.map((s) => s.id)).toEqual([mine!.id])
    expect(listSuggestions(log, {})).toEqual([])
    await expect(acceptSuggestions(dir, log, { ids: [mine!.id] })).rejects.toMatchObject({ code: 'UNKNOWN_SUGGESTION', details: { ids: [mine!.id] } })
    expect(() => rejectSuggestions(log, [mine!.id])).toThrow(expect.objectContaining({ code: 'UNKNOWN_SUGGESTION' }))

    const after = await loadKnowledgeBase(dir)
    expect(after.entry(target)!.variants).toContain(query)
    const r2 = await after.ask(query!)
    expect(r2.decision).toBe('answer')
    expect(r2.answer?.id).toBe(target)
  } finally {
    log.close()
  }
}

describe('learning from resolved escalations', () => {
  it('answers a question that escalated before, once its suggestion is accepted (inline FAQ)', async () => {
    const entries: FaqEntryInput[] = [
      { id: 'package-not-arrived-en', lang: 'en', question: 'My package has not arrived. What should I do?', variants: ['package missing', 'tracking says delivered but nothing came'], answer: 'Contact us with your order number.' },
      { id: 'delivery-time-en', lang: 'en', question: 'How long does delivery take?', variants: ['when will it arrive', 'delivery time'], answer: 'Two days.' },
      { id: 'return-policy-en', lang: 'en', question: 'What is your return policy?', variants: ['can I return an item', 'send something back'], answer: 'Within 30 days.' },
      { id: 'payment-methods-en', lang: 'en', question: 'Which payment methods do you accept?', variants: ['can I pay by card', 'pay with paypal'], answer: 'Cards and PayPal.' },
      { id: 'cancel-order-en', lang: 'en', question: 'How do I cancel my order?', variants: ['cancel order', 'I want to cancel'], answer: 'From My Page.' },
      { id: 'gift-wrapping-en', lang: 'en', question: 'Do you offer gift wrapping?', variants: ['wrap as a present'], answer: 'Yes.' },
    ]
    await learningLoop(entries, 'package-not-arrived-en', ['still waiting for my stuff, it never came', 'where the heck is my box', 'the courier never showed up and the box is nowhere'])
  })

  it.skipIf(!existsSync(SHOP_FAQ))('does the same on the shop-faq fixture', async () => {
    const entries = readFileSync(SHOP_FAQ, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as FaqEntryInput)
    const target = entries.find((e) => e.id === 'package-not-arrived-en')?.id ?? entries.find((e) => /arriv|deliver/i.test(e.question) && e.lang === 'en')!.id
    await learningLoop(entries, target, [
      'still waiting for my stuff, it never came',
      'where the heck is my box',
      'the courier never showed up and the box is nowhere',
      'been two weeks and nothing at my door',
      'my stuff is lost somewhere i think',
    ])
  })
})
