/**
 * Where a conversation's state lives between turns. In memory by default (one store per knowledge
 * base, bounded); a server with several processes passes its own {@link ConversationStore}
 * (Redis, a database) holding the same plain JSON state.
 */
import type { BaseLanguage, Candidate, ConversationTurn, Handoff, Turn } from '../schema.js'

/** A conversation's state: plain JSON, so any store can hold it. */
export interface ConversationState {
  sessionId: string
  /** Every turn, oldest first, with its decision, candidates and event id (the last `maxTurns`). */
  turns: ConversationTurn[]
  /** The conversation as text, customer and bot turns, as the customer saw them (the handoff's transcript). */
  transcript: Turn[]
  /**
   * The transcript as the hit log gets it (`AskContext.turns`): a rendered answer appears as its
   * entry's template, so the customer's data that filled it (name, order) is not written to the log.
   */
  loggedTranscript?: Turn[]
  /** The options of the last turn when it clarified: what the next turn may pick from. */
  pending?: { question: string; options: Candidate[]; eventId?: string }
  /** The entry the conversation last settled on (answered or picked): the context of a follow-up. */
  lastEntryId?: string
  /** The language of the last turn (a pick such as "2" has none of its own). */
  lang?: BaseLanguage
  /** The last escalation's handoff (reason, threshold, skill error...), without the turns and transcript the state holds anyway. */
  lastEscalation?: Omit<Handoff, 'turns' | 'transcript'>
}

/** Get and put a conversation's state by session id; either may be async. */
export interface ConversationStore {
  get(sessionId: string): ConversationState | undefined | Promise<ConversationState | undefined>
  put(sessionId: string, state: ConversationState): void | Promise<void>
}

/** The default store: conversations in memory, the least recently used dropped beyond `maxSessions`. */
export class MemoryConversationStore implements ConversationStore {
  private readonly sessions = new Map<string, ConversationState>()

  constructor(private readonly maxSessions = 10_000) {}

  get(sessionId: string): ConversationState | undefined {
    const state = this.sessions.get(sessionId)
    if (state) {
      this.sessions.delete(sessionId)
      this.sessions.set(sessionId, state)
    }
    return state === undefined ? undefined : structuredClone(state)
  }

  put(sessionId: string, state: ConversationState): void {
    this.sessions.delete(sessionId)
    this.sessions.set(sessionId, structuredClone(state))
    while (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!)
  }
}
