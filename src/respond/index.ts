/**
 * The stage after decide: turn a decided answer into the text that is sent. When the entry names a
 * skill it runs first (timeout, abort signal); then a template answer is rendered from the
 * customer, the context data and the skill's result, escaped for the channel. A skill that fails
 * escalates with `skill-failed`; a template without its data escalates with `missing-data`: an
 * answer with holes is never sent. Option previews of template entries never show a hole either.
 */
import type { AnswerResult, AskResult, Candidate, FaqEntry, Handoff, ParsedAskOptions } from '../schema.js'
import { sentences } from '../text/index.js'
import { runSkill, type Skills } from './skills.js'
import { isTemplate, parseTemplate, renderTemplate, renderUntilMissing, TemplateSyntaxError, type Template } from './template.js'

export { SkillsSchema, runSkill, type Skill, type SkillInput, type Skills, type SkillOutcome } from './skills.js'
export { isTemplate, parseTemplate, requiredVariables, renderTemplate, escapeValue, escapeHtml, TemplateSyntaxError, TEMPLATE_FILTERS, type Template, type TemplateFilter, type OutputFormat, type RenderOptions, type Rendered } from './template.js'

/** Longest option preview (as the ranker's). */
const PREVIEW_CHARS = 80

/** Answers rendered for one knowledge base: its skills and its parsed templates (parsed once per entry). */
export class Responder {
  private readonly templates = new Map<string, Template | TemplateSyntaxError>()

  constructor(private readonly skills: Skills) {}

  /** The parsed template of an entry's answer (undefined for a plain answer), or the syntax error. */
  templateOf(entry: FaqEntry): Template | TemplateSyntaxError | undefined {
    if (!isTemplate(entry.answer)) return undefined
    let template = this.templates.get(entry.id)
    if (!template) {
      try {
        template = parseTemplate(entry.answer)
      } catch (error) {
        template = error instanceof TemplateSyntaxError ? error : new TemplateSyntaxError(String(error))
      }
      this.templates.set(entry.id, template)
    }
    return template
  }

  /** Whether answering this entry runs code or data the plain answer text does not show (a skill or a template). */
  needsResponding(entry: FaqEntry): boolean {
    return entry.skill !== undefined || isTemplate(entry.answer)
  }

  /** The result to send for a decided answer: the skill run and the template rendered, or an escalation saying why not. */
  async respond(result: AnswerResult, entry: FaqEntry, options: ParsedAskOptions): Promise<AskResult> {
    if (!this.needsResponding(entry)) return result
    let skillData: Record<string, unknown> = {}
    if (entry.skill !== undefined) {
      const outcome = await runSkill(entry.skill, Object.hasOwn(this.skills, entry.skill) ? this.skills[entry.skill] : undefined, {
        customer: options.customer ?? {},
        context: { ...(options.data ?? {}), sessionId: options.sessionId, channel: options.channel, page: options.page },
        entry: { id: entry.id, lang: entry.lang },
        query: result.query,
        lang: result.lang,
      }, options.skillTimeoutMs)
      if (!outcome.ok) return escalated(result, 'skill-failed', options, { entryId: entry.id, error: outcome.failure })
      skillData = outcome.data
    }
    const template = this.templateOf(entry)
    if (template === undefined) return result
    if (template instanceof TemplateSyntaxError) return escalated(result, 'missing-data', options, { entryId: entry.id, missing: [`(the answer template cannot be read: ${template.message})`] })
    const rendered = renderTemplate(template, templateData(options, skillData), { lang: entry.lang, format: options.format })
    if (rendered.missing) return escalated(result, 'missing-data', options, { entryId: entry.id, missing: rendered.missing })
    return { ...result, answer: { id: entry.id, text: rendered.text } }
  }

  /** An entry's answer with the data at hand and no hole: the whole rendered text, or the text before the first variable without data (with …). */
  withoutHoles(entry: FaqEntry, options: ParsedAskOptions): string {
    const template = this.templateOf(entry)
    if (template === undefined) return entry.answer
    if (template instanceof TemplateSyntaxError) return entry.question
    const { text, complete } = renderUntilMissing(template, templateData(options, {}), { lang: entry.lang, format: 'text' })
    return complete ? text : `${text.trimEnd()}…`
  }

  /** Option previews of template entries, rendered with the data at hand and cut before the first variable without data. */
  previews(candidates: Candidate[], entryOf: (id: string) => FaqEntry | undefined, options: ParsedAskOptions): void {
    for (const candidate of candidates) {
      const entry = entryOf(candidate.id)
      const template = entry && this.templateOf(entry)
      if (!entry || template === undefined) continue
      const { text, complete } = template instanceof TemplateSyntaxError ? { text: '', complete: false } : renderUntilMissing(template, templateData(options, {}), { lang: entry.lang, format: 'text' })
      const first = [...(sentences(text, entry.lang.slice(0, 2).toLowerCase() as never)[0] ?? text).trim()]
      const cut = first.length > PREVIEW_CHARS - 1 || !complete
      candidate.answerPreview = first.length === 0 ? entry.question : cut ? first.slice(0, PREVIEW_CHARS - 1).join('').trimEnd() + '…' : first.join('')
    }
  }
}

/** What a template reads: the customer as `customer`, where from, the caller's data, and the skill's result over them. */
function templateData(options: ParsedAskOptions, skillData: Record<string, unknown>): Record<string, unknown> {
  return { ...(options.data ?? {}), customer: options.customer ?? {}, sessionId: options.sessionId, channel: options.channel, page: options.page, ...skillData }
}

/** An answer turned into an escalation (the person taking over sees why, the entry and the error). */
function escalated(result: AnswerResult, reason: 'skill-failed' | 'missing-data', options: ParsedAskOptions, extra: Partial<Handoff>): AskResult {
  const { answer: _answer, ...common } = result
  return {
    ...common,
    decision: 'escalate',
    reason,
    handoff: {
      query: result.query,
      lang: result.lang,
      reason,
      candidates: result.candidates.slice(0, 5),
      transcript: options.transcript ?? [],
      ...identity(options),
      ...extra,
    },
  }
}

/** The customer, session, channel and page of an ask, for a handoff (only those given). */
export function identity(options: ParsedAskOptions): Pick<Handoff, 'customer' | 'sessionId' | 'channel' | 'page'> {
  const out: Pick<Handoff, 'customer' | 'sessionId' | 'channel' | 'page'> = {}
  if (options.customer) out.customer = options.customer
  if (options.sessionId !== undefined) out.sessionId = options.sessionId
  if (options.channel !== undefined) out.channel = options.channel
  if (options.page !== undefined) out.page = options.page
  return out
}
