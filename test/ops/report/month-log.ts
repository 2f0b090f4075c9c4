/**
 * A realistic month for the report page: the shop-faq fixture (180 entries, 45 topics in ja, ko,
 * zh and en) built with the real engine, and two simulated months of questions (the report's
 * window and the one before, for the trend) with a support desk's daily and weekly rhythm
 * (test/ops/synthetic.ts): each one asked through the engine and logged with its real decision,
 * then a customer's pick after a clarify, a person's resolution of some escalations, a few
 * not-helpful marks. On top, what a content team must see: questions no entry covers, a topic
 * resolved by a person (its cluster must not be listed), a surge in the last hour, two unrelated
 * entries co-ranked by an off-topic query (not a merge candidate), and a page path with `<script>`
 * asked from a channel whose name has markup. Questions come from channels: ja from line or web, the
 * others from web or app.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildKnowledgeBase, type KnowledgeBase } from '../../../src/engine.js'
import { openHitLog, type HitLog } from '../../../src/ops/index.js'
import { mulberry32 } from '../../../src/random.js'
import { DAY, HOUR, result } from '../helpers.js'
import { synthesize } from '../synthetic.js'

const FIXTURE = join(import.meta.dirname, '../../../fixtures/shop-faq')
const readJsonl = <T>(file: string): T[] => readFileSync(join(FIXTURE, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as T)

/** End of the simulated month: a Monday, mid-morning (UTC). */
export const MONTH_NOW = Date.parse('2026-06-01T10:30:00Z')

/** A page path that must be shown as text, never run. */
export const SCRIPT_PAGE = '/search/<script>alert(1)</script>'

/** A channel name with markup and a space, for the page's channel filter: shown as text, one channel. */
export const SCRIPT_CHANNEL = 'chat <b>desk</b>'

/** Questions no entry covers, by language (the unanswered clusters). */
const UNCOVERED: Record<string, string[][]> = {
  en: [['is the ceramic mug dishwasher safe', 'can the ceramic mug go in the dishwasher', 'is the mug dishwasher safe?'], ['can I pay with bitcoin', 'do you accept bitcoin payments']],
  ja: [['マグカップは食洗機で洗えますか', 'マグカップって食洗機いけますか', 'このマグカップは食洗機対応ですか'], ['ビットコインで支払えますか', 'ビットコイン払いはできますか']],
  ko: [['머그컵 식기세척기에 넣어도 되나요?', '머그컵 식기세척기 사용 가능한가요?'], ['비트코인으로 결제할 수 있나요?']],
  zh: [['马克杯可以放洗碗机吗', '这个马克杯能用洗碗机洗吗'], ['可以用比特币付款吗']],
}

/** A question a person resolved every time it came: its cluster is settled, not "unanswered". */
export const RESOLVED_TEXT = 'のし紙をつけてもらえますか'

/** The surge of the last hour (Japanese: "I can't log in to the site"). */
export const SURGE_TEXTS = ['サイトにログインできません', 'ログインできない', 'サイトにログインができません']

/** An off-topic question that made two unrelated entries a close top two. */
export const OFF_TOPIC = 'how is the stock market doing today'

/** What the month holds, for the tests. */
export interface MonthLog {
  log: HitLog
  kb: KnowledgeBase
  /** Questions logged in the report's window (the last 30 days). */
  windowQuestions: number
  /** Of them, per base language. */
  windowByLang: Record<string, number>
}

/** Build the knowledge base and log the two months into `dir`/hits.sqlite. */
export async function monthLog(dir: string): Promise<MonthLog> {
  const kb = await buildKnowledgeBase(readJsonl('faq.jsonl'))
  const questions = [...readJsonl<{ query: string; lang: string; expected: string | null }>('queries.jsonl'), ...readJsonl<{ query: string; lang: string; expected: string | null }>('calib.jsonl')]
  const byLang = new Map<string, typeof questions>()
  for (const q of questions) byLang.set(q.lang, [...(byLang.get(q.lang) ?? []), q])
  const log = openHitLog(join(dir, 'hits.sqlite'), { strict: true, onError: (e) => { throw e } })
  const rand = mulberry32(10)
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]
  const from = MONTH_NOW - 30 * DAY
  let windowQuestions = 0
  const windowByLang: Record<string, number> = {}
  const count = (at: number, lang: string) => {
    if (at < from || at >= MONTH_NOW) return
    windowQuestions++
    windowByLang[lang] = (windowByLang[lang] ?? 0) + 1
  }
  const pages = ['/orders', '/checkout', '/products/mug-blue', '/help', '/account']
  const channelOf = (lang: string) => (lang === 'ja' ? pick(['line', 'web']) : pick(['web', 'app']))

  // Two months of questions from the fixture's real customer phrasings (a little busier this month).
  const events = [
    ...synthesize({ ja: 0.1, en: 0.06, ko: 0.05, zh: 0.04 }, MONTH_NOW - 60 * DAY, from, 1),
    ...synthesize({ ja: 0.13, en: 0.08, ko: 0.06, zh: 0.05 }, from, MONTH_NOW - 2 * HOUR, 2),
  ].sort((a, b) => a.time - b.time)
  for (const [i, e] of events.entries()) {
    const q = pick(byLang.get(e.key)!)
    const r = await kb.ask(q.query)
    const id = log.record(r, { at: e.time, channel: channelOf(e.key), sessionId: `s-${i}`, page: rand() < 0.6 ? pick(pages) : undefined })!
    count(e.time, e.key)
    const later = e.time + 40_000
    if (r.decision === 'clarify' && q.expected && r.options?.some((o) => o.id === q.expected) && rand() < 0.8) log.feedback(id, { kind: 'picked', entryId: q.expected }, later)
    else if (r.decision === 'escalate' && q.expected && rand() < 0.4) log.feedback(id, { kind: 'resolved', entryId: q.expected }, later + 600_000)
    else if (r.decision === 'answer' && r.answer && q.expected && r.answer.id !== q.expected && rand() < 0.7) log.feedback(id, { kind: 'not-helpful' }, later)
  }

  // Questions no entry covers, spread over the month.
  for (const [lang, topics] of Object.entries(UNCOVERED)) {
    for (const [t, phrasings] of topics.entries()) {
      const n = (t === 0 ? 7 : 4) + Math.floor(rand() * 3)
      for (let k = 0; k < n; k++) {
        const at = from + Math.floor(rand() * 29 * DAY)
        const r = await kb.ask(pick(phrasings))
        log.record(r, { at, channel: channelOf(lang), sessionId: `u-${lang}-${t}-${k}`, page: k % 3 === 0 ? '/products/mug-blue' : undefined })
        count(at, lang)
      }
    }
  }
  // Resolved by a person each time: settled.
  for (let k = 0; k < 4; k++) {
    const at = from + (3 + k * 4) * DAY + 10 * HOUR
    const id = log.record(result(RESOLVED_TEXT, 'escalate', [['gift-wrapping-ja', 0.22]], 'ja'), { at, channel: 'line' })!
    log.feedback(id, { kind: 'resolved', entryId: 'gift-wrapping-ja' }, at + HOUR)
    count(at, 'ja')
  }
  // An off-topic question ranked two unrelated entries as a close top two, eight times.
  for (let k = 0; k < 8; k++) {
    const at = from + (5 + k * 3) * DAY + 14 * HOUR
    log.record(result(OFF_TOPIC, 'clarify', [['installment-payments-en', 0.31], ['restock-notification-en', 0.3]]), { at, channel: 'web' })
    count(at, 'en')
  }
  // A page path with markup, a few times.
  for (let k = 0; k < 3; k++) {
    const at = from + (10 + k) * DAY + 11 * HOUR
    log.record(result('search is broken', 'escalate', [['contact-human-en', 0.1]]), { at, channel: SCRIPT_CHANNEL, page: SCRIPT_PAGE })
    count(at, 'en')
  }
  // A surge in the last hour: people cannot log in.
  for (let k = 0; k < 12; k++) {
    const at = MONTH_NOW - 55 * 60_000 + k * 4 * 60_000
    log.record(result(SURGE_TEXTS[k % SURGE_TEXTS.length], 'escalate', [['password-reset-ja', 0.14]], 'ja'), { at, channel: 'line', page: '/account' })
    count(at, 'ja')
  }
  log.flush()
  return { log, kb, windowQuestions, windowByLang }
}
