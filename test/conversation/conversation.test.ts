/**
 * Conversations through the public API, on the shipped shop FAQ: a clarify's options picked in
 * the next turn in each language (by position, id, description), an unclear reply escalating
 * instead of clarifying again, follow-ups read with the previous entry, the handoff with the
 * customer's identity and every turn, structured turns for the logger, and the store interface.
 */
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildKnowledgeBase, isKotaeError, MemoryConversationStore, type AskContext, type AskResult, type ConversationState, type ConversationStore, type KnowledgeBase } from '../../src/index.js'
import { loadFaqEntries } from '../../src/ingest/index.js'

let kb: KnowledgeBase
beforeAll(async () => {
  kb = await buildKnowledgeBase(await loadFaqEntries(join('fixtures', 'shop-faq', 'faq.jsonl')))
}, 120_000)

/** A base that always clarifies with three options (the pick tests need a clarify to pick from). */
async function alwaysClarifies<T>(run: () => Promise<T>): Promise<T> {
  kb.setThresholds({ answerThreshold: 1.01, clarifyThreshold: 0, confirmThreshold: 0, ambiguityMargin: 10, maxOptions: 3 })
  try {
    return await run()
  } finally {
    kb.setThresholds({})
  }
}

/** A store that starts a session from a given state. */
function preloaded(state: Omit<ConversationState, 'sessionId' | 'turns' | 'transcript'>): ConversationStore & { puts: number } {
  let current: ConversationState = { sessionId: 'scripted', turns: [], transcript: [], ...state }
  return {
    puts: 0,
    get: () => structuredClone(current),
    put(_, next) {
      this.puts++
      current = structuredClone(next)
    },
  }
}

const option = (id: string) => {
  const entry = kb.entry(id)!
  return { id, lang: entry.lang, question: entry.question, matched: entry.question, answerPreview: '', score: 0.5, vectorScore: 0.5, lexicalScore: 0.5, confidence: 0.3 }
}

describe('a pick after a clarify', () => {
  const cases: Array<[string, string, string[]]> = [
    ['ja', '送料ってどうなってますか？', ['二つ目', '2番', '2番目のやつ', '2']],
    ['ko', '배송 관련해서 물어볼 게 있는데요', ['두 번째', '2번이요', '두 번째 거요']],
    ['zh', '这个没货了咋办', ['第二个', '选2', '第2个吧']],
    ['en', 'hey wheres my order???', ['the second one', '2', 'option 2', '2nd']],
  ]
  for (const [lang, opening, picks] of cases) {
    it(`resolves to the option it names and answers it, never clarifying again (${lang}: ${picks.join(' / ')})`, async () => {
      await alwaysClarifies(async () => {
        for (const pick of picks) {
          const chat = kb.conversation({ context: { channel: 'web' } })
          const first = await chat.ask(opening)
          expect(first.decision).toBe('clarify')
          if (first.decision !== 'clarify') return
          expect(first.options.length).toBeGreaterThanOrEqual(2)
          const second = await chat.ask(pick)
          expect(second.decision, pick).toBe('answer')
          expect(second.reason).toBe('picked')
          expect(second.answer?.id, pick).toBe(first.options[1]!.id)
          expect(chat.turns.map((t) => t.reading)).toEqual(['standalone', 'pick'])
        }
      })
    })
  }

  it('resolves the first, the last, 「最初の」, 「첫 번째 거」, 「第一个吧」 and "first" by position', async () => {
    await alwaysClarifies(async () => {
      for (const [text, index] of [['最初の', 0], ['첫 번째 거', 0], ['第一个吧', 0], ['first', 0], ['the last one', 2], ['3番目', 2]] as const) {
        const chat = kb.conversation()
        const first = await chat.ask('送料ってどうなってますか？')
        const second = await chat.ask(text)
        expect(second.answer?.id, text).toBe(first.options![index]!.id)
      }
    })
  })

  it('pick(position) and pick(id) resolve like the customer’s words; a pick without a clarify is INVALID_ARGUMENT', async () => {
    await alwaysClarifies(async () => {
      const chat = kb.conversation()
      const first = await chat.ask('返品のことで聞きたいんですけど')
      expect((await chat.pick(2)).answer?.id).toBe(first.options![1]!.id)
      const error = await chat.pick(1).catch((e: unknown) => e)
      expect(isKotaeError(error, 'INVALID_ARGUMENT')).toBe(true)
      expect((error as Error).message).toMatch(/conversation\.pick.*did not ask which one/)
      const again = kb.conversation()
      const options = (await again.ask('返品のことで聞きたいんですけど')).options!
      expect((await again.pick(options[2]!.id)).answer?.id).toBe(options[2]!.id)
    })
  })

  it('by description: a reply that the engine ranks on one option far ahead of the others picks it', async () => {
    const cases: Array<[string, string[], string, string]> = [
      ['これ在庫なしになってるんですけど…', ['restock-notification-ja', 'out-of-stock-ja'], 'また入ってきたら教えてほしいってことです', 'restock-notification-ja'],
      ['포인트 궁금한 게 있어서요', ['loyalty-points-ko', 'membership-tiers-ko'], '골드 같은 등급 되려면 얼마나 사야 되는지요', 'membership-tiers-ko'],
      ['cancel', ['cancel-order-en', 'delete-account-en', 'unsubscribe-newsletter-en'], 'my membership', 'delete-account-en'],
    ]
    for (const [question, offered, reply, expected] of cases) {
      const chat = kb.conversation({ sessionId: 'scripted', store: preloaded({ pending: { question, options: offered.map(option) } }) })
      const r = await chat.ask(reply)
      expect(r.decision, reply).toBe('answer')
      expect(r.answer?.id, reply).toBe(expected)
    }
  })
})

describe('an unclear reply to a clarify', () => {
  it('escalates with unclear-pick and the offered options; it never clarifies a second time', async () => {
    await alwaysClarifies(async () => {
      for (const reply of ['うーん、どれもちょっと違うかも', '셋 다 아닌 것 같은데', '额…都不是我要问的', 'none of those tbh', 'hmm not really either of those', '5番', 'そうですね、ちょっと考えます']) {
        const chat = kb.conversation()
        const first = await chat.ask('支払いがちょっと…')
        expect(first.decision).toBe('clarify')
        const second = await chat.ask(reply)
        expect(second.decision, reply).toBe('escalate')
        expect(second.reason, reply).toBe('unclear-pick')
        expect(second.handoff?.candidates.map((c) => c.id)).toEqual(first.options!.map((o) => o.id))
      }
    })
  })
})

describe('a follow-up', () => {
  it('is read with the previous turn’s entry when that reads it clearly better, and alone when the topic changes', async () => {
    const follow = kb.conversation({ sessionId: 'scripted', store: preloaded({ lastEntryId: 'return-policy-ja', lang: 'ja' }) })
    const r = await follow.ask('それって送料こっち持ち？')
    expect(r.candidates[0]!.id).toBe('return-shipping-cost-ja')
    expect(follow.turns.at(-1)!.reading).toBe('contextual')
    expect(r.query).toBe('それって送料こっち持ち？')
    const alone = await kb.ask('それって送料こっち持ち？')
    expect(alone.candidates[0]!.id).not.toBe('return-shipping-cost-ja')
    const newTopic = kb.conversation({ sessionId: 'scripted', store: preloaded({ lastEntryId: 'remote-islands-ja', lang: 'ja' }) })
    await newTopic.ask('話変わるけど、支払いってPayPayでもいけます？')
    expect(newTopic.turns.at(-1)!.reading).toBe('standalone')
    expect(newTopic.turns.at(-1)!.candidates[0]!.id).toBe('payment-methods-ja')
  })

  it('is not read with context when the conversation is told not to (followUps: false)', async () => {
    const chat = kb.conversation({ sessionId: 'scripted', followUps: false, store: preloaded({ lastEntryId: 'return-policy-ja' }) })
    await chat.ask('それって送料こっち持ち？')
    expect(chat.turns.at(-1)!.reading).toBe('standalone')
  })
})

describe('the handoff', () => {
  it('carries the customer, session, channel, page, every turn with decision, confidence, candidates and event ids, and the transcript', async () => {
    const contexts: AskContext[] = []
    kb.useLogger({ record: (_: AskResult, context) => (contexts.push(context), `ev-${contexts.length}`) })
    try {
      await alwaysClarifies(async () => {
        const chat = kb.conversation({ sessionId: 's-42', customer: { id: 'M-1029', name: '佐藤', tier: 'gold' }, context: { page: '/orders/8812', channel: 'line' } })
        await chat.ask('荷物のことなんですが')
        const r = await chat.ask('どれも違います')
        expect(r.decision).toBe('escalate')
        const handoff = r.handoff!
        expect(handoff).toMatchObject({ sessionId: 's-42', customer: { id: 'M-1029', name: '佐藤', tier: 'gold' }, channel: 'line', page: '/orders/8812', reason: 'unclear-pick', eventIds: ['ev-1', 'ev-2'] })
        expect(handoff.turns!.map((t) => [t.question, t.decision, t.eventId])).toEqual([['荷物のことなんですが', 'clarify', 'ev-1'], ['どれも違います', 'escalate', 'ev-2']])
        for (const t of handoff.turns!) expect(typeof t.confidence).toBe('number')
        expect(handoff.turns![0]!.candidates.length).toBeGreaterThan(0)
        expect(handoff.turns![0]!.options).toHaveLength(3)
        expect(handoff.transcript.map((t) => t.role)).toEqual(['user', 'bot', 'user'])
        expect(handoff.transcript[0]).toMatchObject({ role: 'user', text: '荷物のことなんですが', at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) })
        expect(chat.handoff()).toMatchObject({ sessionId: 's-42', customer: { id: 'M-1029' }, page: '/orders/8812', eventIds: ['ev-1', 'ev-2'] })
      })
      // The logger gets the page and the structured turns before each question.
      expect(contexts[0]).toMatchObject({ sessionId: 's-42', channel: 'line', page: '/orders/8812' })
      expect(contexts[0]!.turns).toBeUndefined()
      expect(contexts[1]!.turns!.map((t) => t.role)).toEqual(['user', 'bot'])
    } finally {
      kb.useLogger(null)
    }
  })

  it('names the threshold a low-confidence or out-of-scope escalation missed', async () => {
    const r = await kb.ask('渋谷店って駐車場あります？', { sessionId: 's-1', page: '/stores/shibuya', customer: { id: 'M-2' } })
    expect(r.decision).toBe('escalate')
    expect(r.handoff).toMatchObject({ sessionId: 's-1', page: '/stores/shibuya', customer: { id: 'M-2' } })
    const threshold = r.handoff!.threshold!
    expect(['answerThreshold', 'outOfScopeScore']).toContain(threshold.name)
    expect(threshold.actual).toBeLessThan(threshold.value)
  })
})

describe('conversation state', () => {
  it('is kept by session id in the base’s memory store by default, so a new object resumes the clarify', async () => {
    await alwaysClarifies(async () => {
      const first = kb.conversation({ sessionId: 'resume-1' })
      const clarify = await first.ask('送料ってどうなってますか？')
      const again = kb.conversation({ sessionId: 'resume-1' })
      expect(await again.load()).toHaveLength(1)
      expect((await again.ask('2')).answer?.id).toBe(clarify.options![1]!.id)
    })
  })

  it('goes through a caller’s store (get and put by session id)', async () => {
    const store = preloaded({})
    const chat = kb.conversation({ sessionId: 'scripted', store })
    await chat.ask('送料はいくらですか')
    expect(store.puts).toBe(1)
    const memory = new MemoryConversationStore(1)
    memory.put('a', { sessionId: 'a', turns: [], transcript: [] })
    memory.put('b', { sessionId: 'b', turns: [], transcript: [] })
    expect(memory.get('a')).toBeUndefined()
  })

  it('rejects bad options with INVALID_OPTIONS naming the field', () => {
    const error = (() => {
      try {
        kb.conversation({ store: {} as never })
      } catch (e) {
        return e
      }
    })()
    expect(isKotaeError(error, 'INVALID_OPTIONS')).toBe(true)
    expect((error as Error).message).toMatch(/store/)
  })
})
