/**
 * The HTTP server (`kotae serve`): {@link startServer} over a {@link GenerationSource}, with the
 * route table its OpenAPI document is generated from.
 */
export { startServer, type KotaeServer, type ServeLog, type ServeParts } from './server.js'
export { ServeOptionsSchema, DEFAULT_SERVE_OPTIONS, LOOPBACK_HOSTS, type ServeOptions, type ResolvedServeOptions } from './options.js'
export { FolderGenerationSource } from './folder-source.js'
export { ROUTES, AskRequestSchema, TurnRequestSchema, FeedbackRequestSchema, AskResponseSchema, ErrorResponseSchema, type AskRequest, type TurnRequest, type FeedbackRequest, type RouteSpec } from './routes.js'
export { openApiDocument } from './openapi.js'
export type { GenerationSource, GenerationListener, ServedGeneration } from './source.js'
