import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AskResult, Candidate, DecisionKind } from '../../src/schema.js'

export function tempDir(prefix = 'kotae-ops-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function cand(id: string, confidence: number, score = confidence): Candidate {
  return { id, lang: 'en', question: `question of ${id}`, matched: `question of ${id}`, answerPreview: `answer of ${id}`, score, vectorScore: score, lexicalScore: score, confidence }
}

/** A synthetic ask result: top candidates given as [id, confidence] pairs. */
export function result(query: string, decision: DecisionKind, top: [string, number][], language: AskResult['language'] = 'en'): AskResult {
  const candidates = top.map(([id, c]) => cand(id, c))
  const r: AskResult = {
    decision,
    reason: decision === 'answer' ? 'confident' : decision === 'clarify' ? 'ambiguous' : 'low-confidence',
    confidence: candidates[0]?.confidence ?? 0,
    query,
    language,
    candidates,
    latencyMs: 1.5,
  }
  if (decision === 'answer') r.answer = { id: candidates[0].id, text: 'answer text' }
  if (decision === 'clarify') r.options = candidates.slice(0, 3)
  return r
}

export const HOUR = 3600_000
export const DAY = 24 * HOUR
export const WEEK = 7 * DAY
