import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildReport, renderReportHtml } from '../../../src/ops/index.js'
import { ENTRIES, fixtureLog, NOW } from '../fixture-log.js'
import { removeTempDirs, tempDir } from '../helpers.js'

afterAll(removeTempDirs)

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
let browser: Browser | undefined

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})
afterAll(async () => {
  await browser?.close()
})

describe('report page', () => {
  it('is self-contained: one inline script, no external URL', async () => {
    const { log } = fixtureLog()
    const html = renderReportHtml(await buildReport(log, { now: NOW, entries: ENTRIES }))
    log.close()
    expect(html.match(/<script/gi)).toEqual(['<script'])
    expect(html).toContain('<script>\nconst all =')
    expect(html).not.toMatch(/<link|src=|https?:\/\/|fetch\(|XMLHttpRequest|import\(/i)
    expect(html).toMatch(/<svg/)
  })

  it('links every figure to its definition, and every link has a target', async () => {
    const { log } = fixtureLog()
    const html = renderReportHtml(await buildReport(log, { now: NOW, entries: ENTRIES }))
    log.close()
    const links = new Set([...html.matchAll(/href="#(def-[a-z-]+)"/g)].map((m) => m[1]))
    const targets = new Set([...html.matchAll(/<dt id="(def-[a-z-]+)"/g)].map((m) => m[1]))
    expect(links.size).toBeGreaterThan(15)
    for (const link of links) expect(targets.has(link), link).toBe(true)
    expect(html).toMatch(/<dt id="def-hit-rate">Hit rate<\/dt><dd>An entry’s hits ÷ all questions/)
  })

  it.skipIf(!existsSync(CHROMIUM))('loads in headless Chromium with no console errors and shows the fixture numbers', async () => {
    const { log } = fixtureLog()
    const report = await buildReport(log, { now: NOW, entries: ENTRIES })
    log.close()
    const file = join(tempDir(), 'report.html')
    writeFileSync(file, renderReportHtml(report, { title: 'shop report' }))
    const page = await browser!.newPage()
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text())
    })
    page.on('pageerror', (e) => problems.push(e.message))
    const requests: string[] = []
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url())
    })
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
    expect(await page.title()).toBe('shop report')
    expect(await page.getByTestId('total-events').textContent()).toBe('42')
    expect(await page.getByTestId('total-answer').textContent()).toBe('17')
    expect(await page.getByTestId('total-escalate').textContent()).toBe('19')
    expect(await page.getByTestId('unanswered-total').textContent()).toBe('19')
    expect(await page.getByTestId('stale-count').textContent()).toBe('1')
    expect(await page.getByTestId('surge-count').textContent()).toMatch(/2 surge alert/)
    const charts = await page.locator('.chart').count()
    expect(charts).toBeGreaterThanOrEqual(3)
    // The charts render with a real size.
    const box = await page.locator('svg.chart').first().boundingBox()
    expect(box!.width).toBeGreaterThan(300)
    expect(box!.height).toBeGreaterThan(50)
    // The timeline has one bar per decision and day with questions; top entries bar shows 11 hits.
    expect(await page.locator('svg.chart').first().locator('rect').count()).toBeGreaterThan(5)
    expect(await page.locator('[aria-label="Top entries by hits"] .bar-value', { hasText: /^11$/ }).count()).toBe(1)
    expect(await page.locator('table.stale').textContent()).toContain('old-en')
    expect(await page.locator('table.stale').textContent()).toContain('Do you ship by fax?')
    expect(await page.getByTestId('cluster').first().textContent()).toContain('荷物がまだ届きません')
    expect(problems).toEqual([])
    expect(requests).toEqual([])
    await page.close()
  })
})
