/** The report's per-page section (what people ask where they are) and its counts per reason, skill failures included (issue 9). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Command } from 'commander'
import { chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { registerOpsCommands } from '../../../src/cli/ops-commands.js'
import { buildKnowledgeBase } from '../../../src/engine.js'
import { buildReport, openHitLog, renderReportHtml, type HitLog } from '../../../src/ops/index.js'
import type { AskResult } from '../../../src/schema.js'
import { ENTRIES, NOW } from '../fixture-log.js'
import { HOUR, removeTempDirs, result, tempDir } from '../helpers.js'

afterAll(removeTempDirs)

const SCRIPT_PAGE = '/search/<script>alert(1)</script>'
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * 20 questions on /orders/8812 (12 answered ship-en, 3 clarified then picked return-en, 5
 * escalated of which 2 with skill-failed), 4 on /checkout (answered ship-ja), 2 on the
 * `<script>` page (escalated), 3 with no page.
 */
function pageLog(dir = tempDir()): HitLog {
  const log = openHitLog(join(dir, 'hits.sqlite'), { strict: true, onError: (e) => { throw e } })
  let t = NOW - 10 * HOUR
  const at = () => (t += 60_000)
  for (let i = 0; i < 12; i++) log.record(result('when does my album ship', 'answer', [['ship-en', 0.9]]), { page: '/orders/8812?token=abc', at: at() })
  for (let i = 0; i < 3; i++) {
    const id = log.record(result('send it back', 'clarify', [['return-en', 0.45], ['ship-en', 0.4]]), { page: '/orders/8812', at: at() })!
    log.feedback(id, { kind: 'picked', entryId: 'return-en' }, t)
  }
  for (let i = 0; i < 3; i++) log.record(result('where is it', 'escalate', [['ship-en', 0.2]]), { page: '/orders/8812', at: at() })
  for (let i = 0; i < 2; i++) log.record({ ...result('where is my order', 'escalate', [['ship-en', 0.9]]), reason: 'skill-failed' } as unknown as AskResult, { page: '/orders/8812', at: at() })
  for (let i = 0; i < 4; i++) log.record(result('配送は何日', 'answer', [['ship-ja', 0.9]], 'ja'), { page: '/checkout', at: at() })
  for (let i = 0; i < 2; i++) log.record(result('gift wrap?', 'escalate', []), { page: SCRIPT_PAGE, at: at() })
  for (let i = 0; i < 3; i++) log.record(result('hello', 'answer', [['ship-en', 0.9]]), { at: at() })
  log.flush()
  return log
}

describe('the per-page section of the report', () => {
  it('lists the busiest pages with their questions, unanswered share and top entries', async () => {
    const log = pageLog()
    const r = await buildReport(log, { now: NOW, entries: ENTRIES })
    log.close()
    expect(r.pages.map((p) => [p.page, p.questions, p.unanswered])).toEqual([
      ['/orders/8812', 20, 5],
      ['/checkout', 4, 0],
      [SCRIPT_PAGE, 2, 2],
    ])
    expect(r.pages[0].unansweredShare).toBe(0.25)
    expect(r.pages[0].entries).toEqual([
      { id: 'ship-en', question: 'How long does shipping take?', count: 12, share: 0.6 },
      { id: 'return-en', question: 'How do I return an item?', count: 3, share: 0.15 },
    ])
    expect(r.pages[2].entries).toEqual([])
    const again = pageLog()
    const few = await buildReport(again, { now: NOW, entries: ENTRIES, pageLimit: 1, pageEntries: 1 })
    expect(few.pages).toEqual([{ page: '/orders/8812', questions: 20, unanswered: 5, unansweredShare: 0.25, entries: [{ id: 'ship-en', question: 'How long does shipping take?', count: 12, share: 0.6 }] }])
    expect((await buildReport(again, { now: NOW, pageLimit: 0 })).pages).toEqual([])
    again.close()
  })

  it('counts questions per reason, skill failures included', async () => {
    const log = pageLog()
    const r = await buildReport(log, { now: NOW })
    log.close()
    expect(r.reasons).toEqual([
      { reason: 'confident', count: 19 },
      { reason: 'low-confidence', count: 5 },
      { reason: 'ambiguous', count: 3 },
      { reason: 'skill-failed', count: 2 },
    ])
  })

  it('renders the section escaped: a page path with <script> is text, and the page stays self-contained', async () => {
    const log = pageLog()
    const html = renderReportHtml(await buildReport(log, { now: NOW, entries: ENTRIES }))
    log.close()
    expect(html.match(/<script/gi)).toEqual(['<script']) // the page's own filter script, nothing else
    expect(html).not.toMatch(/<link|src=|https?:\/\//i)
    expect(html).toContain('<code>/search/&lt;script&gt;alert(1)&lt;/script&gt;</code>')
    const section = html.slice(html.indexOf('<h2 id="pages">'), html.indexOf('<h2 id="tables">'))
    expect(section).toContain('data-testid="page-count">3<')
    expect(section).toMatch(/<code>\/orders\/8812<\/code><\/td><td>20<\/td><td>25\.0%<\/td><td><span class="q"><span lang="en">How long does shipping take\?<\/span><span lang="ja" hidden>配送にかかる日数は\?<\/span><\/span> <small class="id">ship-en<\/small> <span class="meta">×12 \(60\.0%\)<\/span><br><span class="q"><span lang="en">How do I return an item\?/)
    expect(section).not.toContain('token=abc')
    expect(html.slice(html.indexOf('<table class="reasons">'))).toMatch(/<td>skill-failed<\/td><td>2<\/td>/)
  })

  it.skipIf(!existsSync(CHROMIUM))('shows the <script> page path as text in a browser, and runs nothing', async () => {
    const log = pageLog()
    const file = join(tempDir(), 'report.html')
    writeFileSync(file, renderReportHtml(await buildReport(log, { now: NOW, entries: ENTRIES })))
    log.close()
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
    try {
      const page = await browser.newPage()
      const dialogs: string[] = []
      page.on('dialog', (d) => {
        dialogs.push(d.message())
        void d.dismiss()
      })
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
      const cells = await page.locator('table.pages tr td:first-child').allTextContents()
      expect(cells).toEqual(['/orders/8812', '/checkout', SCRIPT_PAGE])
      expect(await page.getByTestId('page-count').textContent()).toBe('3')
      expect(await page.locator('script').count()).toBe(1) // the page's own filter script
      expect(await page.locator('code', { hasText: '<script>' }).count()).toBe(1)
      expect(dialogs).toEqual([])
    } finally {
      await browser.close()
    }
  })

  it('says when no question came with a page', async () => {
    const log = openHitLog(join(tempDir(), 'hits.sqlite'), { strict: true })
    log.record(result('hello', 'answer', [['ship-en', 0.9]]), { at: NOW - HOUR })
    const html = renderReportHtml(await buildReport(log, { now: NOW }))
    log.close()
    expect(html).toMatch(/No question in the window came with a page/)
  })

  it('comes out of kotae report as JSON and in the HTML page', async () => {
    const kbDir = tempDir('kotae-ops-kb-')
    await (await buildKnowledgeBase(ENTRIES)).save(kbDir)
    pageLog(kbDir).close()
    const lines: string[] = []
    const program = new Command().exitOverride().configureOutput({ writeOut: (s) => lines.push(s), writeErr: (s) => lines.push(s) })
    registerOpsCommands(program, { out: (s) => lines.push(s), now: () => NOW })
    const html = join(tempDir(), 'report.html')
    await program.parseAsync(['node', 'kotae', 'report', kbDir, '--json', '--html', html, '--now', new Date(NOW).toISOString()])
    const json = JSON.parse(lines.join('\n'))
    expect(json.pages[0]).toMatchObject({ page: '/orders/8812', questions: 20, entries: [{ id: 'ship-en', count: 12 }, { id: 'return-en', count: 3 }] })
    expect(json.reasons).toContainEqual({ reason: 'skill-failed', count: 2 })
    expect(readFileSync(html, 'utf8')).toContain('<h2 id="pages">Questions per page</h2>')
  })
})
