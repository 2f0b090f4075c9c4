/**
 * The PostgreSQL store: what replicas share (the hit log, the conversations, the published
 * knowledge-base generations), one plain list of re-exports.
 */
export { describeStore, isPostgresUrl, openPostgres, type PostgresDatabase, type PostgresOptions } from './connect.js'
export { GENERATION_CHANNEL } from './migrations.js'
export {
  cachedGenerations,
  currentGeneration,
  DEFAULT_FETCH_OPTIONS,
  DEFAULT_PUBLISH_OPTIONS,
  fetchGeneration,
  FetchOptionsSchema,
  listGenerations,
  publishGeneration,
  PublishOptionsSchema,
  type FetchedGeneration,
  type FetchOptions,
  type PublishOptions,
  type PublishResult,
} from './generations.js'
export { DEFAULT_POSTGRES_SOURCE_OPTIONS, PostgresGenerationSource, PostgresSourceOptionsSchema, type PostgresSourceOptions } from './source.js'
export { openPostgresHitLog, PostgresHitLog, PostgresHitLogOptionsSchema, DEFAULT_POSTGRES_HITLOG_OPTIONS, type PostgresHitLogOptions, type ResolvedPostgresHitLogOptions } from './hitlog.js'
export { openPostgresConversationStore, PostgresConversationStore } from './conversations.js'
export { servePartsFor, type ReplicaOptions } from './serve-parts.js'
