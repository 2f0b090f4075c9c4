/**
 * Conversations: the state between a customer's turns (picks after a clarify, follow-ups read
 * with the previous entry, a handoff with every turn). See `conversation.ts`.
 */
export { Conversation, ConversationOptionsSchema, DEFAULT_CONVERSATION_OPTIONS, type ConversationEngine, type ConversationOptions } from './conversation.js'
export { MemoryConversationStore, type ConversationState, type ConversationStore } from './store.js'
export { readOrdinal, rejectsOptions } from './pick.js'
