/**
 * `kotae serve`: the knowledge base over HTTP, on fastify (chosen for its body limits, request
 * hooks and graceful close that waits for requests in flight, and for using pino, the logger we
 * want anyway). Bodies are validated with the library's zod schemas (`routes.ts`), errors are
 * `{ code, message, details }` with a status per code, `/openapi.json` is generated from the same
 * schemas, `/metrics` is Prometheus.
 *
 * Generations: the server answers from one {@link ServedGeneration} at a time. A request takes
 * the generation current when it starts and uses it to the end, so every response comes from one
 * complete generation; a new one (from the folder or PostgreSQL source) gets the hit log attached
 * and then replaces the reference in one assignment. Nothing is dropped during a swap: requests
 * in flight finish on the old generation, new ones start on the new.
 *
 * The hit log and the conversation store outlive generations: they belong to the server.
 */
import { timingSafeEqual, createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import pino from 'pino'
import type { z } from 'zod'
import { MemoryConversationStore, type ConversationStore } from '../conversation/index.js'
import { createError, KotaeError, type KotaeErrorCode } from '../errors.js'
import type { Feedback, FeedbackReceipt } from '../hitlog/feedback.js'
import type { Awaitable, HitLogReader } from '../hitlog/reader.js'
import { buildReport, renderReportHtml } from '../ops/report/index.js'
import { parseOptions, schemaProblems, type AskLogger, type AskResult } from '../schema.js'
import { ServeMetrics, type LogCounters } from './metrics.js'
import { openApiDocument } from './openapi.js'
import { LOOPBACK_HOSTS, ServeOptionsSchema, type ResolvedServeOptions, type ServeOptions } from './options.js'
import { ROUTES, type RouteSpec } from './routes.js'
import type { GenerationSource, ServedGeneration } from './source.js'

/** What the server needs of a hit log: record asks, take feedback, report its counters; a log that can also be read serves `/v1/report`. */
export interface ServeLog extends AskLogger, LogCounters {
  feedback(eventId: string, feedback: Feedback): Awaitable<FeedbackReceipt>
  readonly healthy: boolean
  close(): Awaitable<void>
  /** The log's failures and losses (both hit logs emit them when no `onError` was given): the server writes each to its log. */
  on?(event: 'error', listener: (error: KotaeError) => void): unknown
}

/** What a server is made of besides its options. */
export interface ServeParts {
  /** Where the generations come from (a folder, PostgreSQL). */
  source: GenerationSource
  /** The hit log every ask is recorded in (none: asks are not recorded, `/v1/feedback` and `/v1/report` answer 503). */
  log?: ServeLog | (ServeLog & HitLogReader)
  /** Where conversations are kept between turns (default: in this process's memory, kept across generations). */
  conversations?: ConversationStore
  /** Where log lines go (default: stdout). */
  logStream?: pino.DestinationStream
  /** Called last by `close()`, after the log and the source: what the parts share (a database pool). */
  close?: () => Awaitable<void>
}

/** A running server. */
export interface KotaeServer {
  /** `http://host:port` it listens on (the port it got when 0 was asked). */
  readonly url: string
  /** The generation answering now. */
  readonly generation: ServedGeneration
  /** The fastify instance (for `inject` in tests, or more routes). */
  readonly app: FastifyInstance
  /** Stop taking connections, finish the requests in flight, then close the log and the source. */
  close(): Promise<void>
}

const STATUS: Partial<Record<KotaeErrorCode, number>> = {
  INVALID_REQUEST: 400,
  INVALID_OPTIONS: 400,
  INVALID_ARGUMENT: 400,
  INVALID_FEEDBACK: 400,
  UNAUTHORIZED: 401,
  UNKNOWN_ENTRY: 404,
  UNKNOWN_EVENT: 404,
  UNKNOWN_ROUTE: 404,
  LOG_NOT_FOUND: 503,
  REQUEST_TOO_LARGE: 413,
  STORE_UNAVAILABLE: 503,
  LOG_STORE: 503,
  LOG_CLOSED: 503,
}

const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** Validate one part of a request (body, params, query) with its route's schema: `INVALID_REQUEST` naming each field. */
function parseRequest<S extends z.ZodType>(schema: S, value: unknown, route: string, part: string): z.output<S> {
  const parsed = schema.safeParse(value ?? {})
  if (parsed.success) return parsed.data
  throw createError('INVALID_REQUEST', { route, problems: schemaProblems(parsed.error.issues).map((p) => ({ path: p.path ? `${part}.${p.path}` : part, message: p.message })) })
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * Start a server: validate the options, load the first generation, listen, then watch for new
 * generations. Throws `INVALID_OPTIONS` for bad options or a non-loopback host without a token,
 * and whatever the source throws when the first generation cannot be loaded.
 */
export async function startServer(parts: ServeParts, options: ServeOptions = {}): Promise<KotaeServer> {
  const opts: ResolvedServeOptions = parseOptions(ServeOptionsSchema, options, 'serve')
  if (!LOOPBACK_HOSTS.includes(opts.host) && !opts.token) {
    throw createError('INVALID_OPTIONS', { where: 'serve', problems: [{ path: 'token', message: `binding ${opts.host} reaches beyond this machine: give a bearer token (--token or KOTAE_TOKEN), or bind 127.0.0.1` }] })
  }
  const logger = pino({ level: opts.logLevel, base: { service: 'kotae' } }, parts.logStream ?? pino.destination(1))
  const log = parts.log ?? null
  const reader = log && typeof (log as Partial<HitLogReader>).coverage === 'function' ? (log as ServeLog & HitLogReader) : null
  const conversations = parts.conversations ?? new MemoryConversationStore()
  const metrics = new ServeMetrics(log)
  log?.on?.('error', (error: KotaeError) => {
    const d = error.details as { incident?: string; dropped?: number; queued?: number }
    logger.warn({ event: 'hitlog', code: error.code, incident: d.incident, dropped: d.dropped, queued: d.queued, message: error.message }, 'hit log')
  })

  let generation = await parts.source.open()
  generation.kb.useLogger(log)
  metrics.served(generation.id, false)
  logger.info({ event: 'generation', generation: generation.id, source: parts.source.description, entries: generation.kb.entries.length }, 'serving')

  const app: FastifyInstance = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    // One line per request is written by the onResponse hook below (route pattern, no URL: a session id is not logged).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimitBytes,
    requestTimeout: opts.requestTimeoutMs,
    return503OnClosing: true,
  })
  const tokenDigest = opts.token ? digest(opts.token) : null
  const routeList = Object.values(ROUTES).map((r) => `${r.method} ${r.path}`)

  app.addHook('onRequest', async (request) => {
    const route = (request.routeOptions.config as { spec?: RouteSpec } | undefined)?.spec
    if (!tokenDigest || !route || !route.auth) return
    const header = request.headers.authorization
    const where = `${route.method} ${route.path}`
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) throw createError('UNAUTHORIZED', { route: where, reason: 'the request has no bearer token' })
    if (!timingSafeEqual(digest(header.slice('Bearer '.length).trim()), tokenDigest)) throw createError('UNAUTHORIZED', { route: where, reason: 'the bearer token is not this server’s' })
  })

  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ event: 'request', method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request')
  })

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => {
    const spec = (request.routeOptions.config as { spec?: RouteSpec } | undefined)?.spec
    const route = spec ? `${spec.method} ${spec.path}` : `${request.method} ${request.url.split('?')[0]}`
    let kotae: KotaeError
    if (error instanceof KotaeError) kotae = error
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') kotae = createError('REQUEST_TOO_LARGE', { route, limitBytes: opts.bodyLimitBytes })
    else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') kotae = createError('INVALID_REQUEST', { route, problems: [{ path: 'content-type', message: `send the body as JSON (Content-Type: application/json), not ${JSON.stringify(request.headers['content-type'] ?? '(none)')}` }] })
    else if (error.statusCode === 400) kotae = createError('INVALID_REQUEST', { route, problems: [{ path: 'body', message: error.message }] })
    else {
      request.log.error({ event: 'error', route, err: error }, 'request failed')
      metrics.failed(route, 'INTERNAL')
      return reply.status(500).send({ code: 'INTERNAL', message: `${route}: the server failed (request ${request.id}); the server log has the cause`, details: { requestId: request.id } })
    }
    const status = STATUS[kotae.code] ?? 500
    metrics.failed(route, kotae.code)
    if (status >= 500) request.log.warn({ event: 'error', route, code: kotae.code, message: kotae.message }, 'request failed')
    // The store or the log is down for now: a client (or a load balancer) may retry.
    if (kotae.code === 'STORE_UNAVAILABLE' || kotae.code === 'LOG_STORE') reply.header('retry-after', '2')
    return reply.status(status).send({ code: kotae.code, message: kotae.message, details: kotae.details })
  })

  app.setNotFoundHandler((request, reply) => {
    const err = createError('UNKNOWN_ROUTE', { method: request.method, path: request.url.split('?')[0]!, routes: routeList })
    return reply.status(404).send({ code: err.code, message: err.message, details: err.details })
  })

  const where = (spec: RouteSpec) => `${spec.method} ${spec.path}`
  const route = (spec: RouteSpec, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => {
    app.route({ method: spec.method, url: spec.path, config: { spec }, handler })
  }
  /** One ask, with its metrics and log line. */
  const answered = (name: string, served: ServedGeneration, result: AskResult, started: number, question: string) => {
    metrics.asked(name, result, (performance.now() - started) / 1000)
    logger.info({ event: 'ask', route: name, generation: served.id, decision: result.decision, reason: result.reason, lang: result.lang, confidence: Math.round(result.confidence * 1000) / 1000, latencyMs: Math.round(result.latencyMs * 10) / 10, ...(result.eventId ? { eventId: result.eventId } : {}), ...(opts.logQueries ? { query: question } : {}) }, 'ask')
    return { ...result, generation: served.id }
  }

  route(ROUTES.ask, async (request) => {
    const started = performance.now()
    const served = generation
    const { question, ...askOptions } = parseRequest(ROUTES.ask.body, request.body, where(ROUTES.ask), 'body')
    const result = await served.kb.ask(question, { ...askOptions, skillTimeoutMs: opts.skillTimeoutMs, maxQuestionLength: opts.maxQuestionLength })
    return answered('ask', served, result, started, question)
  })

  route(ROUTES.turn, async (request) => {
    const started = performance.now()
    const served = generation
    const { id } = parseRequest(ROUTES.turn.params, request.params, where(ROUTES.turn), 'path')
    const turn = parseRequest(ROUTES.turn.body, request.body, where(ROUTES.turn), 'body')
    const conversation = served.kb.conversation({ sessionId: id, customer: turn.customer, context: turn.context, lang: turn.lang, format: turn.format, skillTimeoutMs: opts.skillTimeoutMs, store: conversations })
    const result = await conversation.ask(turn.text)
    return answered('turn', served, result, started, turn.text)
  })

  route(ROUTES.feedback, async (request) => {
    const { eventId, ...feedback } = parseRequest(ROUTES.feedback.body, request.body, where(ROUTES.feedback), 'body')
    if (!log) throw createError('LOG_NOT_FOUND', { path: 'this server', hint: 'the server was started without a hit log, so it has no events to take feedback on' })
    return await log.feedback(eventId, feedback)
  })

  route(ROUTES.entry, async (request) => {
    const { id } = parseRequest(ROUTES.entry.params, request.params, where(ROUTES.entry), 'path')
    const entry = generation.kb.entries.find((e) => e.id === id)
    if (!entry) throw createError('UNKNOWN_ENTRY', { entryId: id, where: `the generation ${generation.id} answering now` })
    return { ...entry, generation: generation.id }
  })

  route(ROUTES.report, async (request, reply) => {
    const query = parseRequest(ROUTES.report.query, request.query, where(ROUTES.report), 'query')
    if (!reader) throw createError('LOG_NOT_FOUND', { path: 'this server', hint: 'the server was started without a hit log it can read, so there is nothing to report' })
    const served = generation
    const report = await buildReport(reader, { since: query.since ?? opts.reportSince, entries: served.kb.entries, calibration: served.kb.calibration })
    if (query.format === 'html') return reply.type('text/html; charset=utf-8').send(renderReportHtml(report, { title: `kotae report: ${parts.source.description}` }))
    return report
  })

  route(ROUTES.healthz, async () => ({ status: 'ok' as const }))

  route(ROUTES.readyz, async () => {
    const stats = log?.stats()
    return { status: 'ready' as const, generation: generation.id, loadedAt: new Date(generation.loadedAt).toISOString(), source: parts.source.description, log: log && stats ? { healthy: log.healthy, queued: stats.queued, dropped: stats.dropped } : null }
  })

  route(ROUTES.metrics, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()))

  let document: Record<string, unknown> | null = null
  route(ROUTES.openapi, async () => (document ??= openApiDocument(VERSION)))

  const address = await app.listen({ port: opts.port, host: opts.host })
  parts.source.watch({
    onGeneration(next) {
      next.kb.useLogger(log)
      const previous = generation
      generation = next
      metrics.served(next.id, true)
      logger.info({ event: 'generation', generation: next.id, previous: previous.id, entries: next.kb.entries.length }, 'reloaded')
    },
    onError(error) {
      metrics.sourceFailed(error.code)
      logger.error({ event: 'source-error', code: error.code, message: error.message, generation: generation.id }, 'the generation source failed; the current generation keeps answering')
    },
  })

  let closing: Promise<void> | null = null
  return {
    url: address.replace('[::1]', 'localhost'),
    get generation() {
      return generation
    },
    app,
    close() {
      closing ??= (async () => {
        await parts.source.close()
        await app.close()
        await log?.close()
        await parts.close?.()
        logger.flush?.()
      })()
      return closing
    },
  }
}
