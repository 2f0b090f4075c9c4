/**
 * Skills: the developer's async lookups (an order's status, a member's points) that run when an
 * entry naming them is answered. A skill gets who asks and from where, and an AbortSignal; it
 * runs under a timeout; whatever goes wrong (a throw, a rejection, a timeout, a result that is not
 * an object) is a {@link SkillFailure}, never an exception out of `ask`.
 */
import { z } from 'zod'
import type { BaseLanguage, Customer, SkillFailure } from '../schema.js'

/** What a skill is called with. */
export interface SkillInput {
  /** Who asks (from the conversation or `AskOptions.customer`; `{}` when nobody said). */
  customer: Customer
  /** Where from, and the caller's other context data (`AskOptions.data`). */
  context: { sessionId?: string; channel?: string; page?: string } & Record<string, unknown>
  /** The entry being answered. */
  entry: { id: string; lang: string }
  /** The customer's question. */
  query: string
  lang: BaseLanguage
  /** Aborted when the skill's time is up: pass it to fetch and database calls. */
  signal: AbortSignal
}

/**
 * A skill: returns the data its entry's answer template reads (`{ order: { shipDate } }` fills
 * `{{order.shipDate}}`), or nothing.
 */
export type Skill = (input: SkillInput) => Promise<Record<string, unknown> | undefined | void> | Record<string, unknown> | undefined | void

/** Skills by name, as `loadKnowledgeBase(dir, { skills })` and `buildKnowledgeBase(entries, { skills })` take them. */
export const SkillsSchema = z.record(
  z.string().min(1).max(200),
  z.custom<Skill>((value) => typeof value === 'function', { message: 'a skill must be a function ({ customer, context, signal }) => data' }),
)
/** Skills by name (see {@link SkillsSchema}). */
export type Skills = z.output<typeof SkillsSchema>

/** A skill's outcome: its data, or why it failed. */
export type SkillOutcome = { ok: true; data: Record<string, unknown> } | { ok: false; failure: SkillFailure }

/** Run one skill with a timeout and an abort signal; never throws. */
export async function runSkill(name: string, skill: Skill | undefined, input: Omit<SkillInput, 'signal'>, timeoutMs: number): Promise<SkillOutcome> {
  if (!skill) return { ok: false, failure: { skill: name, message: `no skill named "${name}" is registered: pass it with loadKnowledgeBase(dir, { skills: { ${name}: async (input) => ({ ... }) } })`, timedOut: false } }
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new SkillTimeout(`skill "${name}" did not finish within ${timeoutMs} ms`)
      controller.abort(error)
      reject(error)
    }, timeoutMs)
  })
  try {
    const data = await Promise.race([Promise.resolve().then(() => skill({ ...input, signal: controller.signal })), timeout])
    if (data === undefined || data === null) return { ok: true, data: {} }
    if (typeof data !== 'object' || Array.isArray(data)) return { ok: false, failure: { skill: name, message: `skill "${name}" returned ${Array.isArray(data) ? 'an array' : typeof data}; a skill returns an object of template data (or nothing)`, timedOut: false } }
    return { ok: true, data: data as Record<string, unknown> }
  } catch (error) {
    const timedOut = error instanceof SkillTimeout
    return { ok: false, failure: { skill: name, message: timedOut ? (error as Error).message : `skill "${name}" failed: ${error instanceof Error ? error.message : String(error)}`, timedOut } }
  } finally {
    clearTimeout(timer)
  }
}

class SkillTimeout extends Error {}
