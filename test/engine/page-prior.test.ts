/**
 * The page as a prior (issue 9, part 5): when a clarify's options are close, the entry people
 * ask about most from the question's page is offered first. It may only reorder close options:
 * the decision, the candidates and their confidences are those of the same question without a
 * page, so precision cannot move (checked on every shop-faq test question).
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, type AskPlace, type AskResult, type KnowledgeBase, type PlaceSuggestion } from '../../src/index.js'
import { loadFaqEntries, readLabelledQueries } from '../../src/ingest/index.js'

const SHOP = join('fixtures', 'shop-faq')
let kb: KnowledgeBase
let queries: string[]

beforeAll(async () => {
  kb = await buildKnowledgeBase(await loadFaqEntries(join(SHOP, 'faq.jsonl')))
  queries = (await readLabelledQueries(join(SHOP, 'queries.jsonl'))).map((q) => q.query)
})

/** A logger that says people on `page` mostly ask about `favourite` (and records nothing). */
function pageLog(page: string, favourite: () => string | undefined, calls: AskPlace[] = []) {
  return {
    record: () => undefined,
    entriesAskedFrom: (place: AskPlace, options: { limit: number; minSupport: number }): PlaceSuggestion[] => {
      calls.push(place)
      const id = favourite()
      return place.page === page && id && options.minSupport <= 40 ? [{ entryId: id, count: 40, share: 0.8, source: 'page' }] : []
    },
  }
}

const decisionOf = (r: AskResult) => ({ decision: r.decision, reason: r.reason, answer: r.answer?.id, candidates: r.candidates.map((c) => [c.id, c.score, c.confidence]), options: r.options?.map((o) => o.id).sort() })

describe('the page as a prior for close clarify options', () => {
  it('offers first the close option people ask about most on that page, and only with the page', async () => {
    let found: { query: string; result: AskResult & { decision: 'clarify' } } | undefined
    for (const query of queries) {
      const r = await kb.ask(query)
      if (r.decision === 'clarify' && r.options.length >= 2 && r.options[0].score - r.options[1].score <= kb.thresholds.ambiguityMargin) {
        found = { query, result: r }
        break
      }
    }
    expect(found, 'a shop-faq test question that clarifies between close options').toBeDefined()
    const { query, result } = found!
    const second = result.options[1].id
    const calls: AskPlace[] = []
    kb.useLogger(pageLog('/checkout/payment', () => second, calls))
    try {
      const onPage = await kb.ask(query, { page: '/checkout/payment' })
      expect(onPage.decision).toBe('clarify')
      expect(onPage.options?.[0]?.id).toBe(second)
      expect(onPage.options?.map((o) => o.id).sort()).toEqual(result.options.map((o) => o.id).sort())
      expect(calls.at(-1)).toMatchObject({ page: '/checkout/payment' })
      // Another page, or no page: the engine's own order.
      expect((await kb.ask(query, { page: '/help' })).options?.[0]?.id).toBe(result.options[0].id)
      expect((await kb.ask(query)).options?.[0]?.id).toBe(result.options[0].id)
    } finally {
      kb.useLogger(null)
    }
  })

  it('never changes a decision, a candidate or a confidence: the same answers with and without the page', async () => {
    let current: AskResult | undefined
    // The page favours each question's last option, the strongest reorder the prior can make.
    kb.useLogger(pageLog('/orders/8812', () => current?.options?.at(-1)?.id))
    try {
      let reordered = 0
      for (const query of queries) {
        kb.useLogger(null)
        current = await kb.ask(query)
        kb.useLogger(pageLog('/orders/8812', () => current?.options?.at(-1)?.id))
        const onPage = await kb.ask(query, { page: '/orders/8812' })
        expect(decisionOf(onPage), query).toEqual(decisionOf(current))
        if (onPage.options && current.options && onPage.options[0].id !== current.options[0].id) reordered++
      }
      expect(reordered).toBeGreaterThan(0)
    } finally {
      kb.useLogger(null)
    }
  })
})
