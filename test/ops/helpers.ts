/**
 * Shared by the content-ops and hit-log tests (and `bench/ops.ts`): temp folders that are
 * removed after the file's tests, synthetic ask results, time units. No vitest import here: the
 * bench imports this file too, so each test file registers `afterAll(removeTempDirs)` itself.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AskResult, Candidate, DecisionKind } from '../../src/schema.js'

const made: string[] = []

/** A fresh temp folder, removed by {@link removeTempDirs}. */
export function tempDir(prefix = 'kotae-ops-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** Remove every folder {@link tempDir} made (register with `afterAll(removeTempDirs)`). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** A candidate whose scores are all `confidence` (or `score`). */
export function cand(id: string, confidence: number, score = confidence): Candidate {
  return { id, lang: 'en', question: `question of ${id}`, matched: `question of ${id}`, answerPreview: `answer of ${id}`, score, vectorScore: score, lexicalScore: score, confidence }
}

/** A synthetic ask result: top candidates given as [id, confidence] pairs. */
export function result(query: string, decision: DecisionKind, top: [string, number][], lang: AskResult['lang'] = 'en'): AskResult {
  const candidates = top.map(([id, c]) => cand(id, c))
  const reason = decision === 'answer' ? 'confident' : decision === 'clarify' ? 'ambiguous' : 'low-confidence'
  const common = { reason, confidence: candidates[0]?.confidence ?? 0, query, lang, candidates, latencyMs: 1.5 } as const
  if (decision === 'answer') return { ...common, decision, answer: { id: candidates[0].id, text: 'answer text' } }
  if (decision === 'clarify') return { ...common, decision, options: candidates.slice(0, 3) }
  return { ...common, decision, handoff: { query, lang, reason, candidates, transcript: [] } }
}

/** Time units, ms. */
export const HOUR = 3600_000
export const DAY = 24 * HOUR
export const WEEK = 7 * DAY
