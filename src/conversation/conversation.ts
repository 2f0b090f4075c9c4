/**
 * A conversation: one customer's turns with the bot, so that a clarify's options can be picked in
 * the next turn and a follow-up (「それって送料かかる？」, "what about for Korea?") is read with the
 * entry the previous turn settled on. The engine asks; the conversation keeps the state (behind a
 * {@link ConversationStore}) and decides how to read each turn:
 *
 * - after a clarify, a reply is a pick by position (「二つ目」, "2", 두 번째), by option id, or by
 *   description (the reply asked among the offered entries only, taken when its top is clearly
 *   ahead of the others); a reply that picks nothing escalates with `unclear-pick` unless it is a
 *   new question the engine answers outright — never a second clarify for the same question;
 * - otherwise the turn is asked on its own and, when the conversation has a previous entry, also
 *   with that entry's question before it; the contextual reading wins only when the standalone
 *   one does not answer and the contextual one is clearly more confident.
 *
 * It talks to the engine through {@link ConversationEngine} (the engine offers `kb.conversation()`).
 */
import { z } from 'zod'
import { createError } from '../errors.js'
import {
  AskOptionsSchema,
  CustomerSchema,
  LanguageTagSchema,
  parseOptions,
  type AskResult,
  type Candidate,
  type ConversationTurn,
  type FaqEntry,
  type Handoff,
  type ParsedAskOptions,
  type Turn,
  type TurnReading,
} from '../schema.js'
import { changesTopic, confirmsOption, readOrdinal, rejectsOptions } from './pick.js'
import type { ConversationState, ConversationStore } from './store.js'

/** What a conversation needs from the engine. */
export interface ConversationEngine {
  /** Rank and decide only: no skill, no template, no hit-log event (to compare readings of a turn). */
  consider(query: string, options: ParsedAskOptions): Promise<AskResult>
  /** What `ask` does after deciding: run the skill, render the template, record the event. */
  settle(result: AskResult, options: ParsedAskOptions, started: number): Promise<AskResult>
  entry(id: string): FaqEntry | undefined
  /** The engine's out-of-scope floor and ambiguity margin (fused score). */
  readonly thresholds: { outOfScopeScore: number; ambiguityMargin: number }
}

/** Options of `kb.conversation(...)`. */
export const ConversationOptionsSchema = z.strictObject({
  /** The conversation's id (the same id resumes its state from the store); default: a new random id. */
  sessionId: z.string().trim().min(1).max(200).optional(),
  /** Who the customer is (`{ id, name, tier, ... }`): in every handoff, and `customer.*` in answer templates. */
  customer: CustomerSchema.optional(),
  /** Where the conversation happens (`page`, `channel`); any other fields are template data (`{ order: {...} }` fills `{{order.shipDate}}`). */
  context: z.looseObject({ page: z.string().max(2000).optional(), channel: z.string().max(200).optional() }).default({}),
  /** Where the state is kept between turns; default: the knowledge base's in-memory store. */
  store: z.custom<ConversationStore>((value) => typeof value === 'object' && value !== null && typeof (value as ConversationStore).get === 'function' && typeof (value as ConversationStore).put === 'function', { message: 'expected a ConversationStore (an object with get(sessionId) and put(sessionId, state))' }).optional(),
  /** The conversation's language, when the channel knows it (otherwise detected per turn). */
  lang: LanguageTagSchema.optional(),
  /** How rendered answers are escaped (see `AskOptions.format`). */
  format: AskOptionsSchema.shape.format,
  /** Longest a skill may run (see `AskOptions.skillTimeoutMs`). */
  skillTimeoutMs: AskOptionsSchema.shape.skillTimeoutMs,
  /** Read follow-ups with the previous turn's entry (turn off to compare). */
  followUps: z.boolean().default(true),
  /**
   * A pick by description is taken when, asked among the offered options only, the top option's
   * fused score is at least this far ahead of the next one (and above the out-of-scope floor).
   */
  pickMargin: z.number().min(0).max(1).default(0.1),
  /** A contextual reading of a follow-up replaces the standalone one only when its confidence is at least this much higher. */
  contextMargin: z.number().min(0).max(1).default(0.1),
  /** Turns kept in the state (the oldest go first). */
  maxTurns: z.number().int().min(1).max(1000).default(50),
})
/** Options of `kb.conversation(...)`, as a caller writes them. */
export type ConversationOptions = z.input<typeof ConversationOptionsSchema>
/** The default conversation options. */
export const DEFAULT_CONVERSATION_OPTIONS = ConversationOptionsSchema.parse({})

/** A contextual reading of a turn that clarified on its own must pick one of the turn's own best this many entries. */
const CONTEXT_AGREEMENT = 3
/** Candidates kept per turn. */
const TURN_CANDIDATES = 5

/** A conversation with one customer (see the module comment). Made by `kb.conversation(...)`. */
export class Conversation {
  readonly sessionId: string
  private readonly options: z.output<typeof ConversationOptionsSchema>
  private readonly store: ConversationStore
  private state: ConversationState

  /** @internal Made by `kb.conversation(...)`. */
  constructor(private readonly engine: ConversationEngine, options: ConversationOptions, defaultStore: ConversationStore) {
    this.options = parseOptions(ConversationOptionsSchema, options, 'conversation')
    this.sessionId = this.options.sessionId ?? `s-${crypto.randomUUID()}`
    this.store = this.options.store ?? defaultStore
    this.state = { sessionId: this.sessionId, turns: [], transcript: [] }
  }

  /** The turns so far, oldest first (as of the last `ask`, `pick` or `load`). */
  get turns(): readonly ConversationTurn[] {
    return this.state.turns
  }

  /** The options of the last turn when it clarified (what `pick` and the next `ask` may pick from). */
  get pendingOptions(): readonly Candidate[] | undefined {
    return this.state.pending?.options
  }

  /** Read the state from the store (what `ask` does first; call it to see `turns` of a resumed session before asking). */
  async load(): Promise<readonly ConversationTurn[]> {
    this.state = (await this.store.get(this.sessionId)) ?? { sessionId: this.sessionId, turns: [], transcript: [] }
    return this.state.turns
  }

  /** The customer's next turn: a question, a follow-up, or the reply to the last clarify. */
  async ask(text: string): Promise<AskResult> {
    if (typeof text !== 'string') throw createError('INVALID_ARGUMENT', { where: 'conversation.ask', argument: 'the text', expected: 'a string', received: text === null ? 'null' : typeof text })
    const started = performance.now()
    await this.load()
    const opts = this.askOptions()
    const { result, reading } = this.state.pending ? await this.readReply(text, this.state.pending, opts) : await this.readQuestion(text, opts)
    return this.finish(text, await this.engine.settle(result, opts, started), reading)
  }

  /**
   * Pick an option of the last clarify: its 1-based position as shown (`pick(2)` is the second
   * option, as 「2番」 or "2" typed by the customer would be) or its entry id. Throws
   * `INVALID_ARGUMENT` when the last turn did not clarify or the pick is not one of its options.
   */
  async pick(positionOrId: number | string): Promise<AskResult> {
    const started = performance.now()
    await this.load()
    const pending = this.state.pending
    const option = pending && (typeof positionOrId === 'number' ? pending.options[positionOrId - 1] : pending.options.find((o) => o.id === positionOrId))
    if (!pending || !option) {
      throw createError('INVALID_ARGUMENT', {
        where: 'conversation.pick',
        argument: 'the pick',
        expected: pending ? `the position (1 to ${pending.options.length}) or the id of an option of the last clarify (${pending.options.map((o) => o.id).join(', ')})` : 'a pick after a clarify (the last turn did not ask which one)',
        received: String(positionOrId),
      })
    }
    const opts = this.askOptions()
    const text = typeof positionOrId === 'number' ? String(positionOrId) : positionOrId
    return this.finish(text, await this.engine.settle(this.pickedAnswer(text, option, pending.options, opts), opts, started), 'pick')
  }

  /**
   * The handoff for a person taking over now (the customer asked for one, or the bot escalated):
   * who, where, every turn with its decision, confidence, candidates and event id, the transcript,
   * and the last turn's question, reason and candidates.
   */
  handoff(): Handoff {
    const last = this.state.turns.at(-1)
    const escalated = last?.decision === 'escalate' ? this.state.lastEscalation : undefined
    return {
      ...(escalated ?? {}),
      query: last?.question ?? '',
      lang: escalated?.lang ?? this.state.lang ?? 'en',
      reason: last?.reason ?? 'empty-query',
      candidates: escalated?.candidates ?? last?.candidates ?? [],
      transcript: [...this.state.transcript],
      ...this.identity(),
      turns: [...this.state.turns],
      eventIds: this.state.turns.flatMap((t) => (t.eventId ? [t.eventId] : [])),
    }
  }

  /**
   * A reply to a clarify: a pick by position (or 「はい」 to a one-option confirmation) or id; a
   * question that points at one option clearly; otherwise the reply read as a refinement of the
   * clarified question (both together) and answered only when that reading answers outright; a
   * new question whose own clarify shares no option with the last one is clarified on its own;
   * any other reply escalates with `unclear-pick` (never a second clarify for the same question).
   */
  private async readReply(text: string, pending: NonNullable<ConversationState['pending']>, opts: ParsedAskOptions): Promise<{ result: AskResult; reading: TurnReading }> {
    const { options } = pending
    const position = readOrdinal(text)
    const trimmed = text.trim()
    let option: Candidate | undefined
    if (position !== undefined) option = position === -1 ? options.at(-1) : options[position - 1]
    else if (options.length === 1 && confirmsOption(text)) option = options[0]
    else option = options.find((o) => o.id === trimmed)
    if (option) return { result: this.pickedAnswer(text, option, options, opts), reading: 'pick' }
    if (position !== undefined || rejectsOptions(text)) return { result: this.unclear(text, pending, opts), reading: 'unclear' }
    const alone = await this.engine.consider(text, opts)
    const chosen = this.clearlyPicked(alone, options)
    if (chosen) return { result: this.pickedAnswer(text, chosen, options, opts), reading: 'pick' }
    if (alone.decision === 'answer' && !options.some((o) => o.id === alone.answer.id)) return { result: alone, reading: 'standalone' }
    const refined = await this.engine.consider(`${pending.question} ${text}`, opts)
    if (refined.decision === 'answer') return { result: { ...refined, query: text }, reading: 'contextual' }
    // A new question (its own clarify shares no option with the last one) gets its own clarify.
    if (alone.decision === 'clarify' && !alone.options.some((o) => options.some((p) => p.id === o.id))) return { result: alone, reading: 'standalone' }
    return { result: this.unclear(text, pending, opts), reading: 'unclear' }
  }

  /**
   * The option a reply points at clearly: the reply's own top entry is an option and, among the
   * options, its fused score is at least `pickMargin` ahead of the next option's (and above the
   * out-of-scope floor). The engine's scores, not a second ranking.
   */
  private clearlyPicked(alone: AskResult, options: Candidate[]): Candidate | undefined {
    const ids = new Set(options.map((o) => o.id))
    const among = alone.candidates.filter((c) => ids.has(c.id))
    const top = alone.candidates[0]
    if (!top || !ids.has(top.id) || top.score < this.engine.thresholds.outOfScopeScore) return undefined
    const next = among[1]
    // An option missing from the reply's candidates scores below every candidate shown.
    const nextScore = next?.score ?? (options.length > 1 ? (alone.candidates.at(-1)?.score ?? 0) : -Infinity)
    if (options.length > 1 && top.score - nextScore < this.options.pickMargin) return undefined
    if (options.length === 1 && alone.decision !== 'answer') return undefined
    return options.find((o) => o.id === top.id)
  }

  /** A question (not a reply to a clarify): read on its own, and with the previous entry when that reads it clearly better. */
  private async readQuestion(text: string, opts: ParsedAskOptions): Promise<{ result: AskResult; reading: TurnReading }> {
    const previous = this.options.followUps && this.state.lastEntryId && !changesTopic(text) ? this.engine.entry(this.state.lastEntryId) : undefined
    if (!previous) return { result: await this.engine.consider(text, opts), reading: 'standalone' }
    const [alone, withContext] = await Promise.all([this.engine.consider(text, opts), this.engine.consider(`${previous.question} ${text}`, opts)])
    // The context may settle what the turn leaves open, never overrule what it says: when the turn
    // alone points somewhere (a clarify), the contextual top must be among its own best entries.
    const contextTop = withContext.candidates[0]?.id
    const agrees = alone.decision === 'escalate' || alone.candidates.slice(0, CONTEXT_AGREEMENT).some((c) => c.id === contextTop)
    const better = alone.decision !== 'answer' && withContext.decision !== 'escalate' && agrees && withContext.confidence >= alone.confidence + this.options.contextMargin
    if (!better) return { result: alone, reading: 'standalone' }
    // The contextual reading answers the customer's own words: the result and the handoff show them.
    const result = { ...withContext, query: text } as AskResult
    if (result.decision === 'escalate') result.handoff = { ...result.handoff, query: text }
    return { result, reading: 'contextual' }
  }

  /** The answer for a picked option (reason `picked`): the option's candidate first, the other options after it. */
  private pickedAnswer(text: string, option: Candidate, options: Candidate[], opts: ParsedAskOptions): AskResult {
    const entry = this.engine.entry(option.id)
    const candidates = [option, ...options.filter((o) => o.id !== option.id)]
    const lang = this.state.lang ?? (entry ? (entry.lang.slice(0, 2).toLowerCase() as Handoff['lang']) : 'en')
    return { decision: 'answer', reason: 'picked', confidence: option.confidence, query: text, lang, candidates, latencyMs: 0, answer: { id: option.id, text: entry?.answer ?? '' } }
  }

  /** An escalation for a reply that picked none of the options (reason `unclear-pick`). */
  private unclear(text: string, pending: NonNullable<ConversationState['pending']>, opts: ParsedAskOptions): AskResult {
    const lang = this.state.lang ?? 'en'
    const candidates = pending.options
    return {
      decision: 'escalate', reason: 'unclear-pick', confidence: 0, query: text, lang, candidates, latencyMs: 0,
      handoff: { query: text, lang, reason: 'unclear-pick', candidates, transcript: opts.transcript ?? [], ...this.identity() },
    }
  }

  /** Record a settled turn, update the state, store it; escalations carry the whole conversation. */
  private async finish(text: string, result: AskResult, reading: TurnReading): Promise<AskResult> {
    const at = new Date().toISOString()
    const turn: ConversationTurn = {
      question: text,
      at,
      decision: result.decision,
      reason: result.reason,
      confidence: result.confidence,
      candidates: result.candidates.slice(0, TURN_CANDIDATES),
      reading,
    }
    if (result.decision === 'answer') turn.entryId = result.answer.id
    if (result.decision === 'clarify') turn.options = result.options.map((o) => o.id)
    if (result.eventId !== undefined) turn.eventId = result.eventId
    const state = this.state
    state.turns = [...state.turns, turn].slice(-this.options.maxTurns)
    const user: Turn = { role: 'user', text, at }
    state.transcript = [...state.transcript, user, ...botTurn(result, at)].slice(-2 * this.options.maxTurns)
    // The log gets a rendered answer as its template: the customer's data that filled it stays out of the log.
    const raw = result.decision === 'answer' ? this.engine.entry(result.answer.id)?.answer : undefined
    const logged = raw !== undefined && result.decision === 'answer' && raw !== result.answer.text ? [{ role: 'bot' as const, text: raw, at }] : botTurn(result, at)
    state.loggedTranscript = [...(state.loggedTranscript ?? []), user, ...logged].slice(-2 * this.options.maxTurns)
    state.pending = result.decision === 'clarify' ? { question: text, options: result.options, eventId: result.eventId } : undefined
    if (result.decision === 'answer') state.lastEntryId = result.answer.id
    this.state.lang = result.lang
    if (result.decision === 'escalate') {
      const { turns: _turns, transcript: _transcript, ...escalation } = result.handoff
      state.lastEscalation = escalation
      result.handoff = { ...result.handoff, ...this.identity(), transcript: [...state.transcript], turns: [...state.turns], eventIds: state.turns.flatMap((t) => (t.eventId ? [t.eventId] : [])) }
    }
    await this.store.put(this.sessionId, state)
    return result
  }

  /** The ask options every turn uses: the conversation's identity, context data and transcript so far. */
  private askOptions(): ParsedAskOptions {
    const { page, channel, ...data } = this.options.context
    return AskOptionsSchema.parse({
      lang: this.options.lang,
      sessionId: this.sessionId,
      channel,
      page,
      customer: this.options.customer,
      data,
      format: this.options.format,
      skillTimeoutMs: this.options.skillTimeoutMs,
      transcript: this.state.loggedTranscript?.length ? this.state.loggedTranscript : this.state.transcript.length > 0 ? this.state.transcript : undefined,
    })
  }

  private identity(): Pick<Handoff, 'customer' | 'sessionId' | 'channel' | 'page'> {
    const { page, channel } = this.options.context
    return { sessionId: this.sessionId, ...(this.options.customer ? { customer: this.options.customer } : {}), ...(channel !== undefined ? { channel } : {}), ...(page !== undefined ? { page } : {}) }
  }
}

/** The bot's side of a turn, as text for the transcript: the answer, or the options offered. */
function botTurn(result: AskResult, at: string): Turn[] {
  if (result.decision === 'answer') return [{ role: 'bot', text: result.answer.text.slice(0, 20_000), at }]
  if (result.decision === 'clarify') return [{ role: 'bot', text: result.options.map((o, i) => `${i + 1}. ${o.question}`).join('\n'), at }]
  return []
}
