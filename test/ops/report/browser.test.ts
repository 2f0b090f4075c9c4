/**
 * The report page as a content team sees it: a simulated month of the shop-faq fixture (a few
 * hundred questions in ja, ko, zh and en, see month-log.ts) rendered in headless Chromium at
 * 1280 px. Checks what a person relies on: no errors, the sections in the order they act on,
 * the log's numbers, no clipped chart label (CJK included), the language and channel filters, and
 * markup in a page path or a channel name shown as text. `KOTAE_SCREENSHOT=1` also writes docs/report.png (the README's).
 *
 * Needs Debian's `chromium` (and `fonts-noto-cjk` for real CJK glyph widths): `.ci/run`
 * installs both; without chromium the file is skipped with a message saying so.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReport, renderReportHtml, type OpsReport } from '../../../src/ops/index.js'
import { removeTempDirs, tempDir } from '../helpers.js'
import { monthLog, MONTH_NOW, RESOLVED_TEXT, SCRIPT_CHANNEL, SCRIPT_PAGE, SURGE_TEXTS, type MonthLog } from './month-log.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const HAVE_CHROMIUM = existsSync(CHROMIUM)
if (!HAVE_CHROMIUM) console.warn(`test/ops/report/browser.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium fonts-noto-cjk, or set CHROMIUM_PATH); .ci/run installs it`)

const SECTIONS = ['summary', 'surges', 'unanswered', 'improve', 'stale', 'merge', 'pages', 'tables', 'definitions']

let browser: Browser | undefined
let page: Page
let month: MonthLog
let report: OpsReport
let file: string
const problems: string[] = []
const requests: string[] = []
const dialogs: string[] = []

/** Evaluate an expression in the page (a string: the tests are type-checked without the DOM library). */
const inPage = <T = unknown>(expression: string): Promise<T> => page.evaluate(expression) as Promise<T>

afterAll(async () => {
  await browser?.close()
  month?.log.close()
  removeTempDirs()
})

describe.skipIf(!HAVE_CHROMIUM)('the report page in a browser, after a simulated month', () => {
  beforeAll(async () => {
    month = await monthLog(tempDir())
    report = await buildReport(month.log, { now: MONTH_NOW, entries: month.kb.entries, calibration: month.kb.calibration })
    file = join(tempDir(), 'report.html')
    writeFileSync(file, renderReportHtml(report, { title: 'kotae report: shop-faq, a simulated month' }))
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text())
    })
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url())
    })
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
  }, 60_000)

  it('loads with no console error and fetches nothing', () => {
    expect(problems).toEqual([])
    expect(requests).toEqual([])
  })

  it('orders the sections by what to do next', async () => {
    const ys = await inPage<(number | null)[]>(`${JSON.stringify(SECTIONS)}.map((id) => document.getElementById(id)?.getBoundingClientRect().top ?? null)`)
    expect(ys.every((y) => y !== null)).toBe(true)
    for (let i = 1; i < ys.length; i++) expect(ys[i]!, `${SECTIONS[i]} below ${SECTIONS[i - 1]}`).toBeGreaterThan(ys[i - 1]!)
    // The full tables are collapsed.
    expect(await page.locator('#tables ~ details.full[open]').count()).toBe(0)
    expect(await page.locator('#tables ~ details.full').count()).toBeGreaterThanOrEqual(5)
  })

  it("shows the log's numbers", async () => {
    expect(month.windowQuestions).toBeGreaterThan(250)
    expect(Object.keys(month.windowByLang).sort()).toEqual(['en', 'ja', 'ko', 'zh'])
    expect(await page.getByTestId('total-events').textContent()).toBe(month.windowQuestions.toLocaleString('en-US'))
    const t = report.totals
    expect(t.answer + t.clarify + t.escalate).toBe(month.windowQuestions)
    expect(await page.getByTestId('total-answer').textContent()).toBe(String(t.answer))
    expect(await page.getByTestId('total-escalate').textContent()).toBe(String(t.escalate))
    expect(await page.getByTestId('automation-rate').textContent()).toBe(`${(t.automationRate * 100).toFixed(1)}%`)
    expect(await page.getByTestId('unanswered-total').textContent()).toBe(String(report.unanswered.total))
    expect(await page.getByTestId('cluster').count()).toBe(Math.min(30, report.unanswered.clusters.length))
    expect(await page.getByTestId('surge-count').textContent()).toMatch(/[12] surge alert/)
    // The surge is the top cluster, with the engine's logged top candidate and a draft to copy.
    const first = page.getByTestId('cluster').first()
    expect(SURGE_TEXTS.some((q) => (report.unanswered.clusters[0].representatives[0].query === q))).toBe(true)
    expect(await first.textContent()).toContain('password-reset-ja')
    const draft = JSON.parse((await first.locator('pre.draft-json').textContent())!)
    expect(draft).toMatchObject({ lang: 'ja', answer: '' })
    expect([draft.question, ...draft.variants].sort()).toEqual([...SURGE_TEXTS].sort())
    // Resolved by a person each time: not listed as unanswered.
    expect(report.unanswered.resolvedClusters).toBeGreaterThanOrEqual(1)
    expect(await page.locator('#unanswered ~ article.cluster', { hasText: RESOLVED_TEXT }).count()).toBe(0)
    // Merge candidates show both questions; the pair only an off-topic question linked is not one.
    const merge = (await page.locator('table.merge').textContent())!
    expect(merge).not.toContain('installment-payments-en')
    expect(report.nearDuplicates.coRanked.some((p) => p.a === 'installment-payments-en' && p.b === 'restock-notification-en')).toBe(true)
    expect((await page.locator('table.co-ranked').textContent())!).toContain('installment-payments-en') // still in the unfiltered table
    for (const m of report.mergeCandidates.slice(0, 5)) expect(merge).toContain(m.questionA!)
  })

  it('clips no chart label at 1280 px, CJK included', async () => {
    await inPage(`document.querySelectorAll('details').forEach((d) => (d.open = true))`)
    // Every label's box inside its chart's box, and no label wider than its own box (scrollWidth).
    const bad = await inPage<{ out: string[]; checked: number }>(`(() => {
      const out = []
      let checked = 0
      for (const chart of document.querySelectorAll('.chart')) {
        const box = chart.getBoundingClientRect()
        if (box.width === 0) continue
        for (const label of chart.querySelectorAll('.chart-label')) {
          const b = label.getBoundingClientRect()
          if (b.width === 0) continue
          checked++
          const inside = b.left >= box.left - 0.5 && b.right <= box.right + 0.5 && b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5
          const fits = !(label instanceof HTMLElement) || label.scrollWidth <= label.clientWidth
          if (!inside || !fits) out.push(label.textContent + ': label ' + JSON.stringify(b) + ' chart ' + JSON.stringify(box) + ' scroll ' + label.scrollWidth + '/' + label.clientWidth)
        }
      }
      return { out, checked }
    })()`)
    expect(bad.checked).toBeGreaterThan(40)
    expect(bad.out).toEqual([])
    await inPage(`document.querySelectorAll('details.full').forEach((d) => (d.open = false))`)
  })

  it('filters rows by language, and shows questions in the chosen language', async () => {
    await page.selectOption('#filter-lang', 'ko')
    const rows = await inPage<{ langs: string[]; shown: boolean }[]>(`[...document.querySelectorAll('[data-lang]')].map((el) => ({ langs: el.dataset.lang.split(' '), shown: !el.hidden }))`)
    expect(rows.filter((r) => r.langs.includes('ko') && r.shown).length).toBeGreaterThan(5)
    expect(rows.filter((r) => !r.langs.includes('ko') && r.shown)).toEqual([])
    expect(await page.locator('article.cluster:visible').count()).toBeGreaterThan(0)
    expect(await page.locator('article.cluster:visible', { hasText: 'マグカップ' }).count()).toBe(0)
    // Choosing the filter also shows the questions in that language.
    expect(await page.inputValue('#view-lang')).toBe('ko')
    await page.selectOption('#filter-lang', '')
    // Questions in English: a translation group's entries read in English, their ids beside them.
    await page.selectOption('#view-lang', 'en')
    const label = page.locator('table.stale .q').first()
    expect(await label.locator('span[lang="en"]').isVisible()).toBe(true)
    expect(await page.locator('.q span[lang="ja"]:visible').count()).toBeLessThan(await page.locator('.q span[lang="en"]:visible').count())
    expect(await page.locator('article.cluster:visible', { hasText: 'マグカップ' }).count()).toBeGreaterThan(0)
    await page.selectOption('#view-lang', '')
  })

  it('filters rows by channel, alone and with the language filter, a channel with markup shown as text', async () => {
    expect(report.channelsSeen).toEqual(['app', SCRIPT_CHANNEL, 'line', 'web'].sort())
    expect(await page.locator('#filter-channel option').allTextContents()).toEqual(['all channels', ...report.channelsSeen])
    const rows = () => inPage<{ channels: string[] | null; langs: string[] | null; shown: boolean; text: string }[]>(`[...document.querySelectorAll('[data-lang], [data-channel]')].map((el) => ({
      channels: el.dataset.channel === undefined ? null : el.dataset.channel.split(' ').map(decodeURIComponent),
      langs: el.dataset.lang === undefined ? null : el.dataset.lang.split(' '),
      shown: !el.hidden && !el.closest('[hidden]'),
      text: el.textContent,
    }))`)
    const before = await rows()
    expect(before.filter((r) => r.channels !== null).length).toBeGreaterThan(50)
    // Korean questions came from the web or the app: none of their clusters stays on 'line'.
    await page.selectOption('#filter-channel', 'line')
    let now = await rows()
    expect(now.filter((r) => r.channels?.includes('line') && r.shown).length).toBeGreaterThan(5)
    expect(now.filter((r) => r.channels !== null && !r.channels.includes('line') && r.shown)).toEqual([])
    expect(now.filter((r) => r.channels !== null && !r.channels.includes('line')).length).toBeGreaterThan(5)
    expect(await page.locator('article.cluster:visible').count()).toBeGreaterThan(0)
    expect(await page.locator('article.cluster:visible', { hasText: '머그컵' }).count()).toBe(0)
    expect(await page.locator('article.cluster:visible', { hasText: 'search is broken' }).count()).toBe(0)
    // Both filters: only rows in Japanese and on 'line' (rows without one attribute pass that filter).
    await page.selectOption('#filter-lang', 'ja')
    now = await rows()
    expect(now.filter((r) => r.shown).length).toBeGreaterThan(0)
    expect(now.filter((r) => r.shown && ((r.channels !== null && !r.channels.includes('line')) || (r.langs !== null && !r.langs.includes('ja'))))).toEqual([])
    await page.selectOption('#filter-lang', '')
    // The channel with markup: one channel, its cluster shown, the others' hidden.
    await page.selectOption('#filter-channel', SCRIPT_CHANNEL)
    expect(await page.locator('article.cluster:visible', { hasText: 'search is broken' }).count()).toBe(1)
    expect(await page.locator('article.cluster:visible', { hasText: 'マグカップ' }).count()).toBe(0)
    expect(await page.locator('#filter-channel b').count()).toBe(0)
    // All channels again: every row is back.
    await page.selectOption('#filter-channel', '')
    expect((await rows()).filter((r) => !r.shown).length).toBe(before.filter((r) => !r.shown).length)
  })

  it('shows a page path with <script> as text and runs nothing but its own script', async () => {
    expect(await page.locator('table.pages code', { hasText: SCRIPT_PAGE }).count()).toBe(1)
    expect(await page.locator('script').count()).toBe(1)
    expect(dialogs).toEqual([])
  })

  it.runIf(process.env.KOTAE_SCREENSHOT === '1')('writes the README screenshot (docs/report.png)', async () => {
    await page.setViewportSize({ width: 1280, height: 900 })
    await inPage('window.scrollTo(0, 0)')
    await page.screenshot({ path: join(import.meta.dirname, '../../../docs/report.png'), clip: { x: 0, y: 0, width: 1280, height: 2200 }, fullPage: true })
  })
})
