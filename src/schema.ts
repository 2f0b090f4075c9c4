/**
 * The boundary types of kotae, each defined once as a zod schema so that validation and
 * static types never drift. Every stage of the pipeline talks through these plain values.
 */
import { z } from 'zod'
import { createError, type SchemaProblem } from './errors.js'

/**
 * Zod issues as problems a person can act on: the dotted path of each field and what it expects;
 * an unknown key is named as such, with the keys that exist there when `schema` is given. The one
 * formatter of schema failures.
 */
export function schemaProblems(issues: ReadonlyArray<z.core.$ZodIssue>, prefix: ReadonlyArray<PropertyKey> = [], schema?: z.ZodType): SchemaProblem[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'unrecognized_keys') {
      const known = schema ? keysAt(schema, issue.path) : []
      const hint = known.length ? ` (known: ${known.join(', ')})` : ' (check the spelling)'
      return issue.keys.map((key) => ({ path: [...path, key].map(String).join('.'), message: `is not a known option${hint}` }))
    }
    return [{ path: path.map(String).join('.'), message: issue.message }]
  })
}

/** The keys of the object schema at `path` inside `schema` (through optional, default and union wrappers); empty when there is none. */
function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let current: z.ZodType | undefined = schema
  const unwrap = (s: z.ZodType): z.ZodType => {
    const def = (s as { _zod: { def: { innerType?: z.ZodType; options?: z.ZodType[] } } })._zod.def
    return def.innerType ? unwrap(def.innerType) : s
  }
  for (const key of path) {
    current = current && unwrap(current)
    if (!(current instanceof z.ZodObject)) return []
    current = (current.shape as Record<string, z.ZodType>)[String(key)]
  }
  current = current && unwrap(current)
  return current instanceof z.ZodObject ? Object.keys(current.shape) : []
}

/**
 * Validate `input` against an options schema and apply its defaults; throws `INVALID_OPTIONS`
 * naming `where` (the call or command) and every failing field. The one way options enter kotae.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input ?? {})
  if (!parsed.success) throw createError('INVALID_OPTIONS', { where, problems: schemaProblems(parsed.error.issues, [], schema) })
  return parsed.data
}

/** Languages the engine understands natively. BCP-47 tags such as `zh-TW` map onto these. */
export const BASE_LANGUAGES = ['ja', 'ko', 'en', 'zh'] as const
/** One of the four base languages. */
export type BaseLanguage = (typeof BASE_LANGUAGES)[number]

/** A BCP-47 tag whose primary subtag is ja, ko, en or zh (e.g. `ja`, `zh-TW`, `en-GB`). */
export const LanguageTagSchema = z
  .string()
  .trim()
  .regex(/^(ja|ko|en|zh)(-[A-Za-z0-9]{1,8})*$/i, {
    message: 'expected a language tag starting with ja, ko, en or zh (for example "ja" or "zh-TW")',
  })

/** The base language of a BCP-47 tag: `zh-TW` → `zh`. */
export function baseLanguage(tag: string): BaseLanguage {
  return tag.slice(0, 2).toLowerCase() as BaseLanguage
}

/** One FAQ entry: a canonical question, its alternate phrasings and the answer. */
export const FaqEntrySchema = z.object({
  id: z.string().trim().min(1, { message: 'id must not be empty' }),
  lang: LanguageTagSchema,
  question: z.string().trim().min(1, { message: 'question must not be empty' }),
  variants: z.array(z.string().trim().min(1, { message: 'a variant must not be empty' })).default([]),
  answer: z.string().trim().min(1, { message: 'answer must not be empty' }),
  category: z.string().trim().optional(),
  tags: z.array(z.string().trim().min(1)).default([]),
  /** ISO 8601 date or date-time of the last content change; used to find stale entries. */
  updatedAt: z
    .string()
    .trim()
    .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'updatedAt must be an ISO 8601 date such as 2026-04-01' })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  /**
   * The name of a skill (registered with `loadKnowledgeBase(dir, { skills })`) that runs when this
   * entry is answered; its result fills the answer's template variables (`{{order.shipDate | date}}`).
   */
  skill: z.string().trim().min(1, { message: 'skill must not be empty (leave the cell blank for no skill)' }).max(200).optional(),
})
/** A validated FAQ entry (defaults applied). */
export type FaqEntry = z.infer<typeof FaqEntrySchema>
/** What a caller may pass in for an entry (defaults not yet applied). */
export type FaqEntryInput = z.input<typeof FaqEntrySchema>

/** A labelled query in the benchmark format: `expected` is an entry id, or null when out of scope. */
export const LabelledQuerySchema = z.object({
  query: z.string().trim().min(1, { message: 'query must not be empty' }),
  lang: LanguageTagSchema.optional(),
  expected: z.string().min(1).nullable(),
})
/** A labelled query (see `shared/benchmark/FORMAT.md`). */
export type LabelledQuery = z.infer<typeof LabelledQuerySchema>

/** The three things the engine can do with a question. */
export type DecisionKind = 'answer' | 'clarify' | 'escalate'

/**
 * Why the engine decided what it did. `confident`: the top entry passed the answer threshold;
 * `ambiguous`: several distinct entries are close, so ask which one; `low-confidence`: the best
 * entry is too unlikely to be right to answer (confirmed with a clarify question when it is still
 * likely, escalated otherwise); `out-of-scope`: nothing in the FAQ resembles the question;
 * `empty-query`: nothing to search for (empty, or only emoji, punctuation or spaces);
 * `exact-match`: the question is one of the entry's own phrasings as written (up to punctuation,
 * spacing, width and case) and no other entry is close, so it is answered whatever the
 * calibration says; `uncalibrated`: the base has not shown it can answer at its target precision
 * (see `kb.calibration.notes`), so it offers its best entries as options instead of answering.
 *
 * In a conversation and when answering: `picked`: the customer picked this entry from the options
 * of the previous clarify; `unclear-pick`: the turn after a clarify picked none of its options
 * (escalated, never a second clarify); `missing-data`: the entry's answer is a template whose
 * variables the conversation has no data for (escalated rather than sent with holes);
 * `skill-failed`: the entry's skill threw, returned something unusable or timed out (escalated,
 * the error is in the handoff).
 */
export type ReasonCode =
  | 'confident'
  | 'ambiguous'
  | 'low-confidence'
  | 'out-of-scope'
  | 'empty-query'
  | 'exact-match'
  | 'uncalibrated'
  | 'picked'
  | 'unclear-pick'
  | 'missing-data'
  | 'skill-failed'

/** One ranked FAQ entry for a question, with the evidence behind its rank. */
export interface Candidate {
  /** The entry id. */
  id: string
  /** The entry's language tag. */
  lang: string
  /** The canonical question of the entry. */
  question: string
  /** The phrasing (question or variant) that matched the query best. */
  matched: string
  /** The start of the entry's answer (its first sentence, at most 80 characters), for showing a clarify option. */
  answerPreview: string
  /** Fused raw score used for ranking (not a probability). */
  score: number
  /** Raw vector similarity of the best phrasing (cosine, -1..1). */
  vectorScore: number
  /** Raw lexical score, normalised to 0..1 against the query's own weight. */
  lexicalScore: number
  /** Calibrated probability that this entry is the right one. */
  confidence: number
}

/** Who the customer is, as the caller knows them (member id, name, tier...): shown to the person taking over and available to templates as `customer.*`. */
export const CustomerSchema = z.looseObject({
  id: z.string().max(200).optional(),
  name: z.string().max(200).optional(),
  tier: z.string().max(200).optional(),
})
/** The customer of a conversation (see {@link CustomerSchema}); any other fields are kept. */
export type Customer = z.output<typeof CustomerSchema>

/** The threshold a decision missed: which one, its value and the question's own figure. */
export interface MissedThreshold {
  /** `answerThreshold` (confidence too low to answer), or `outOfScopeScore` (fused score below the out-of-scope floor). */
  name: 'answerThreshold' | 'outOfScopeScore'
  value: number
  /** The top candidate's confidence (answerThreshold) or fused score (outOfScopeScore). */
  actual: number
}

/** A skill that failed: which, why, and whether it ran out of time. */
export interface SkillFailure {
  skill: string
  message: string
  timedOut: boolean
}

/**
 * How a conversation read a customer's turn: a question on its own (`standalone`), a follow-up
 * read with the previous turn's entry (`contextual`), a pick among the last clarify's options
 * (`pick`), or a reply to a clarify that picked none of them (`unclear`).
 */
export type TurnReading = 'standalone' | 'contextual' | 'pick' | 'unclear'

/** One turn of a conversation as the person taking over sees it: what was asked and what the bot did. */
export interface ConversationTurn {
  /** The customer's text. */
  question: string
  /** ISO 8601 time of the turn. */
  at: string
  decision: DecisionKind
  reason: ReasonCode
  confidence: number
  /** The entry answered, when the bot answered. */
  entryId?: string
  /** The options offered, when the bot asked which one. */
  options?: string[]
  /** The best candidates (at most 5), best first. */
  candidates: Candidate[]
  /** How the turn was read (see {@link TurnReading}). */
  reading: TurnReading
  eventId?: string
}

/** Everything a human needs to take over a conversation the bot could not answer. */
export interface Handoff {
  query: string
  /** Base language of the question. */
  lang: BaseLanguage
  reason: ReasonCode
  /** The threshold the decision missed (low-confidence, out-of-scope), when one did. */
  threshold?: MissedThreshold
  candidates: Candidate[]
  /** The conversation so far (structured turns), when the caller passed it with `ask` or the conversation kept it. */
  transcript: Turn[]
  /** Who is asking, where from (given with `ask` or by the conversation). */
  customer?: Customer
  sessionId?: string
  channel?: string
  page?: string
  /** The entry the bot would have answered (reasons `missing-data` and `skill-failed`). */
  entryId?: string
  /** Template variables the answer needs and the conversation had no data for (reason `missing-data`). */
  missing?: string[]
  /** The skill's error (reason `skill-failed`). */
  error?: SkillFailure
  /** Every turn of the conversation with its decision, confidence, candidates and event id (from `conversation.handoff()` and a conversation's escalation). */
  turns?: ConversationTurn[]
  /** The hit-log event ids of the conversation's turns, oldest first. */
  eventIds?: string[]
}

/** What every result of `ask` carries, whatever the decision. */
export interface AskResultCommon {
  reason: ReasonCode
  /** Probability that the top candidate is the right entry (0..1). */
  confidence: number
  query: string
  /** Detected (or given) base language of the query. */
  lang: BaseLanguage
  /** The best entries, best first, distinct ids. */
  candidates: Candidate[]
  /** Time spent in `ask`, milliseconds. */
  latencyMs: number
  /** True when the question was longer than `maxQuestionLength` and only its start was searched (`query` is the whole question). */
  truncated?: boolean
  /** Id of the hit-log event, when a logger is attached (pass it to `feedback`). */
  eventId?: string
}

/** The bot answers with the top entry. */
export interface AnswerResult extends AskResultCommon {
  decision: 'answer'
  /** The chosen entry's id and answer text. */
  answer: { id: string; text: string }
  options?: never
  handoff?: never
}

/** The bot asks one follow-up question: which of these entries did you mean? */
export interface ClarifyResult extends AskResultCommon {
  decision: 'clarify'
  /** Up to 3 distinct entries to offer as options, best first (one when confirming the top entry). */
  options: Candidate[]
  answer?: never
  handoff?: never
}

/** The bot hands the conversation to a person. */
export interface EscalateResult extends AskResultCommon {
  decision: 'escalate'
  /** What the person taking over needs. */
  handoff: Handoff
  answer?: never
  options?: never
}

/**
 * The typed result of `kb.ask`, a union on `decision`: inside `if (r.decision === 'answer')`,
 * `r.answer` is there without a `!`. Each variant marks the others' fields `never`, so
 * `r.answer?.id` still reads on the union.
 */
export type AskResult = AnswerResult | ClarifyResult | EscalateResult

/** One turn of a conversation: who spoke (the customer, the bot or a human agent), what, and when. */
export const TurnSchema = z.strictObject({
  role: z.enum(['user', 'bot', 'agent']),
  text: z.string().max(20_000, 'a turn is at most 20,000 characters'),
  /** ISO 8601 date-time. */
  at: z.iso.datetime({ offset: true }).optional(),
})
/** One turn of a conversation (see {@link TurnSchema}). */
export type Turn = z.infer<typeof TurnSchema>

/** Options of one `ask`: filters and the conversation context kept in the handoff and hit log. */
export const AskOptionsSchema = z.object({
  /** Only entries in this language (BCP-47 tag; `zh` also matches `zh-TW`). Also taken as the question's language. */
  lang: LanguageTagSchema.optional(),
  /** Only entries of this category. */
  category: z.string().optional(),
  /** Only entries whose metadata has these exact values. */
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** Conversation id, for the hit log. */
  sessionId: z.string().optional(),
  /** Channel (web, line, kakao, email...), for the hit log. */
  channel: z.string().optional(),
  /** Earlier turns of the conversation (`{ role, text, at }`), passed on in the handoff and to the hit log (stored redacted). */
  transcript: z.array(TurnSchema).max(1000).optional(),
  /** Where the customer is (`/checkout/payment`), for the handoff and the hit log's per-page counts. */
  page: z.string().max(2000).optional(),
  /** Who is asking: in the handoff, and `customer.*` in answer templates. */
  customer: CustomerSchema.optional(),
  /** Data for answer templates besides the customer (`{ order: { shipDate } }` fills `{{order.shipDate}}`). */
  data: z.record(z.string(), z.unknown()).optional(),
  /**
   * How rendered answers are escaped for the channel: `text` (default; inserted values can never
   * form markup: `<` `>` become `＜` `＞`, control characters go), `html` (the whole answer is
   * HTML-escaped), `markdown` (inserted values are backslash-escaped).
   */
  format: z.enum(['text', 'html', 'markdown']).default('text'),
  /** Longest a skill may run before the answer escalates with `skill-failed` (milliseconds). */
  skillTimeoutMs: z.number().int().min(1).max(600_000).default(2000),
  /** Only these entries (ids) may be answered or offered; what a conversation uses to read a pick among the options it offered. */
  entries: z.array(z.string()).max(1000).optional(),
  /**
   * Only the first this many characters of the question are searched (default 2,000: a few
   * paragraphs), so the work per question is bounded whatever is pasted into the chat box; the
   * result then has `truncated: true`.
   */
  maxQuestionLength: z.number().int().min(1).max(1_000_000).default(2000),
})
/** Options of one `ask`. */
export type AskOptions = z.input<typeof AskOptionsSchema>
/** Options of one `ask` after validation (defaults applied). */
export type ParsedAskOptions = z.output<typeof AskOptionsSchema>

/** Context recorded with each `ask` (stored through the same redaction as the query). `at` back-dates an event (imports, benchmarks). */
export interface AskContext {
  sessionId?: string
  channel?: string
  /** Where the customer is (a page path such as `/checkout/payment`, a screen, a menu): what page-aware suggestions count by. */
  page?: string
  /** The conversation so far (structured turns), stored redacted like the query. */
  turns?: Turn[]
  /** Event time (ms since epoch or Date); default: now. */
  at?: number | Date
}

/** Where a question is asked from: the page or screen, and the channel. */
export const AskPlaceSchema = z.strictObject({
  /** Page path, screen or menu (`/orders/8812`, `checkout/payment`). */
  page: z.string().trim().min(1).max(2000).optional(),
  /** Only entries in this language. */
  lang: LanguageTagSchema.optional(),
  channel: z.string().max(200).optional(),
})
/** Where a question is asked from (see {@link AskPlaceSchema}). */
export type AskPlace = z.input<typeof AskPlaceSchema>

/** An entry people ask about from one place, with how often (see `kb.suggestFor`). */
export interface PlaceSuggestion {
  entryId: string
  /** Questions answered with (or resolved to) this entry from the place in the log's window. */
  count: number
  /** Share of the place's questions that went to this entry. */
  share: number
  /** `page` when counted on the place itself, `overall` when the place had too few questions and the base's top entries stand in. */
  source: 'page' | 'overall'
}

/**
 * What the engine needs from a log (the hit log implements it): record one answered question and
 * get its event id back at once (the write happens later). Must never throw and never wait for the disk.
 */
export interface AskLogger {
  record(result: AskResult, context: AskContext): string | undefined
  /**
   * Optional: the entries most asked about from a place (page), for page-aware suggestions
   * (`kb.suggestFor`); a log that cannot answer leaves it out.
   */
  entriesAskedFrom?(place: AskPlace, options: { limit: number; minSupport: number }): PlaceSuggestion[]
}

/** Progress of a long build or calibration (stage, done, total), for progress bars. */
export type ProgressListener = (stage: 'index' | 'calibrate', done: number, total: number) => void
