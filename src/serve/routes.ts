/**
 * The HTTP API as data: each route's method, path, whether it needs the token, and the zod
 * schemas of its body and response. The server validates with these schemas and the OpenAPI
 * document (`/openapi.json`) is generated from them, so the two cannot drift.
 */
import { z } from 'zod'
import { ConversationOptionsSchema } from '../conversation/index.js'
import { FeedbackSchema } from '../hitlog/feedback.js'
import { AskOptionsSchema } from '../schema.js'

/** Body of `POST /v1/ask`: the question and the options of `kb.ask` a client may set (the server sets the skill timeout and question length). */
export const AskRequestSchema = z.strictObject({
  question: z.string().trim().min(1, 'the question is empty'),
  ...AskOptionsSchema.omit({ skillTimeoutMs: true, maxQuestionLength: true }).shape,
})
/** Body of `POST /v1/ask`. */
export type AskRequest = z.input<typeof AskRequestSchema>

/** Body of `POST /v1/conversations/:id/turns`: the customer's next turn, and who and where they are. */
export const TurnRequestSchema = z.strictObject({
  text: z.string().trim().min(1, 'the turn is empty'),
  customer: ConversationOptionsSchema.shape.customer,
  context: ConversationOptionsSchema.shape.context.optional(),
  lang: ConversationOptionsSchema.shape.lang,
  format: ConversationOptionsSchema.shape.format,
})
/** Body of `POST /v1/conversations/:id/turns`. */
export type TurnRequest = z.input<typeof TurnRequestSchema>

/** Path of the conversation routes: the session id. */
export const SessionParamsSchema = z.strictObject({ id: z.string().trim().min(1).max(200) })

/** Body of `POST /v1/feedback`: the event (`eventId` from an ask) and the feedback on it. */
export const FeedbackRequestSchema = z.intersection(z.object({ eventId: z.string().trim().min(1, 'eventId is the `eventId` an ask returned') }), FeedbackSchema)
/** Body of `POST /v1/feedback`. */
export type FeedbackRequest = z.input<typeof FeedbackRequestSchema>

/** Path of `GET /v1/entries/:id`. */
export const EntryParamsSchema = z.strictObject({ id: z.string().min(1).max(500) })

/** Query of `GET /v1/report`: the window (`7d`, `24h`) and the format. */
export const ReportQuerySchema = z.strictObject({
  since: z.string().regex(/^\d+(ms|s|m|h|d|w)$/, 'a duration such as 24h, 7d or 30d').optional(),
  format: z.enum(['json', 'html']).default('json'),
})

/** Every error response: a stable code (the README's error table), a message a person can act on, typed details. */
export const ErrorResponseSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown() })

const CandidateSchema = z.object({ id: z.string(), question: z.string(), score: z.number(), confidence: z.number() }).loose()

/** What `POST /v1/ask` and a conversation turn return: the `kb.ask` result and the generation that answered. */
export const AskResponseSchema = z
  .object({
    decision: z.enum(['answer', 'clarify', 'escalate']),
    reason: z.string(),
    confidence: z.number().min(0).max(1),
    query: z.string(),
    lang: z.string(),
    candidates: z.array(CandidateSchema),
    latencyMs: z.number(),
    answer: z.object({ id: z.string(), text: z.string() }).optional(),
    options: z.array(CandidateSchema).optional(),
    handoff: z.object({ reason: z.string(), query: z.string() }).loose().optional(),
    eventId: z.string().optional(),
    /** The knowledge-base generation that answered (one generation answers a whole request). */
    generation: z.string(),
  })
  .loose()

/** What `POST /v1/feedback` returns. */
export const FeedbackResponseSchema = z.object({ feedbackId: z.union([z.number(), z.string()]), eventId: z.string(), kind: z.string(), entryId: z.string().nullable() })

/** What `GET /readyz` returns when the server can answer. */
export const ReadyResponseSchema = z.object({ status: z.literal('ready'), generation: z.string(), loadedAt: z.string(), source: z.string(), log: z.object({ healthy: z.boolean(), queued: z.number(), dropped: z.number() }).nullable() })

/** One route of the API. */
export interface RouteSpec {
  method: 'GET' | 'POST'
  /** Path as fastify writes it (`/v1/entries/:id`). */
  path: string
  summary: string
  /** Whether the bearer token is checked (when the server has one). */
  auth: boolean
  body?: z.ZodType
  params?: z.ZodType
  query?: z.ZodType
  /** The 200 response's schema; absent for non-JSON responses (metrics text). */
  response?: z.ZodType
  /** The 200 response's media type when not JSON. */
  produces?: string
}

/** The API (what the server registers and the OpenAPI document lists). */
export const ROUTES = {
  ask: { method: 'POST', path: '/v1/ask', summary: 'Answer, clarify or escalate one question', auth: true, body: AskRequestSchema, response: AskResponseSchema },
  turn: { method: 'POST', path: '/v1/conversations/:id/turns', summary: "The customer's next turn in a conversation (picks, follow-ups; state kept by session id)", auth: true, params: SessionParamsSchema, body: TurnRequestSchema, response: AskResponseSchema },
  feedback: { method: 'POST', path: '/v1/feedback', summary: 'Feedback on an answered event: helpful, not-helpful, picked, resolved', auth: true, body: FeedbackRequestSchema, response: FeedbackResponseSchema },
  entry: { method: 'GET', path: '/v1/entries/:id', summary: 'One FAQ entry of the generation answering', auth: true, params: EntryParamsSchema, response: z.object({ id: z.string(), question: z.string(), answer: z.string() }).loose() },
  report: { method: 'GET', path: '/v1/report', summary: "The content team's report over the hit log (JSON, or the HTML page)", auth: true, query: ReportQuerySchema, response: z.object({}).loose() },
  healthz: { method: 'GET', path: '/healthz', summary: 'Liveness: the process answers HTTP', auth: false, response: z.object({ status: z.literal('ok') }) },
  readyz: { method: 'GET', path: '/readyz', summary: 'Readiness: a generation is loaded (503 before)', auth: false, response: ReadyResponseSchema },
  metrics: { method: 'GET', path: '/metrics', summary: 'Prometheus metrics', auth: true, produces: 'text/plain; version=0.0.4' },
  openapi: { method: 'GET', path: '/openapi.json', summary: 'This document', auth: true, response: z.object({ openapi: z.string() }).loose() },
} as const satisfies Record<string, RouteSpec>
