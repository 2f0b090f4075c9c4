import { describe, expect, it } from 'vitest'
import { baselineWindows, binomialUpperTail, countWindow, detectSurges, surgeTest } from '../../src/ops/surge.js'
import { DAY, HOUR, WEEK } from './helpers.js'
import { poisson, SPAN, synthesize, T0 } from './synthetic.js'
import { mulberry32 } from '../../src/random.js'

const KEYS = { 'order-not-arrived': 3, 'delivery-time': 8, returns: 5, payment: 2, 'rare-entry': 0.2 }

describe('binomial tail', () => {
  it('matches hand-computed values', () => {
    expect(binomialUpperTail(4, 0.5, 4)).toBeCloseTo(1 / 16, 12)
    expect(binomialUpperTail(10, 0.2, 0)).toBe(1)
    expect(binomialUpperTail(10, 0.2, 11)).toBe(0)
    // P[Bin(3, 0.2) >= 2] = 3·0.04·0.8 + 0.008
    expect(binomialUpperTail(3, 0.2, 2)).toBeCloseTo(0.104, 12)
  })
})

describe('surge rule', () => {
  it('uses the same hour of the week in previous weeks, and falls back to the last day without a week of history', () => {
    const now = T0 + 5 * WEEK + 10 * HOUR
    const w = baselineWindows({ now, historyStart: T0 })
    expect(w.basis).toBe('same-hour-of-week')
    expect(w.windows.map(([a]) => (now - HOUR - a) / WEEK)).toEqual([1, 2, 3, 4])
    const young = baselineWindows({ now: T0 + 3 * DAY, historyStart: T0 })
    expect(young.basis).toBe('previous-windows')
    expect(young.windows).toHaveLength(24)
  })

  it('raises no alert on rhythm without a surge (every hour of the last week)', async () => {
    const end = T0 + SPAN
    const events = synthesize(KEYS, T0, end, 7)
    const count = countWindow(events)
    const alerts: string[] = []
    let naive = 0
    for (let now = end - WEEK + HOUR; now <= end; now += HOUR) {
      for (const s of await detectSurges(count, { now, historyStart: T0 })) if (s.flagged) alerts.push(`${new Date(now).toISOString()} ${s.key} ${s.count}/${s.expected}`)
      // A naive rule (last hour vs the previous 24 hours) fires on every morning ramp.
      const recent = count(now - HOUR, now)
      const prev = Array.from({ length: 24 }, (_, i) => count(now - HOUR * (i + 2), now - HOUR * (i + 1)))
      for (const [key, k] of recent) if (surgeTest(k, prev.map((m) => m.get(key) ?? 0)).flagged) naive++
    }
    expect(alerts).toEqual([])
    expect(naive).toBeGreaterThan(0)
  })

  it('flags a sudden rise of "my order has not arrived" within the hour it starts', async () => {
    const end = T0 + SPAN
    const events = synthesize(KEYS, T0, end, 11)
    // Surge from Tuesday 14:20: about 25 extra questions an hour on one entry.
    const onset = end - WEEK + DAY + 14 * HOUR + 20 * 60_000
    const rand = mulberry32(5)
    for (let h = onset; h < onset + 3 * HOUR; h += HOUR) {
      const n = poisson(25, rand)
      for (let i = 0; i < n; i++) events.push({ key: 'order-not-arrived', time: h + Math.floor(rand() * HOUR) })
    }
    const count = countWindow(events)
    const firstCheck = onset - 20 * 60_000 + HOUR // 15:00, the first hourly check after the onset
    const results = await detectSurges(count, { now: firstCheck, historyStart: T0 })
    const hit = results.find((s) => s.key === 'order-not-arrived')!
    expect(hit.flagged).toBe(true)
    expect(hit.basis).toBe('same-hour-of-week')
    expect(hit.pValue).toBeLessThan(0.001)
    expect(results.filter((s) => s.flagged).map((s) => s.key)).toEqual(['order-not-arrived'])
    // The hour before the onset is quiet.
    expect((await detectSurges(count, { now: onset - 20 * 60_000, historyStart: T0 })).some((s) => s.flagged)).toBe(false)
  })

  it('needs a minimum count: a rare entry going from 0 to 3 is not an alert', () => {
    expect(surgeTest(3, [0, 0, 0, 0]).flagged).toBe(false)
    expect(surgeTest(3, [0, 0, 0, 0]).pValue).toBeLessThan(0.01)
    expect(surgeTest(12, [0, 1, 0, 0]).flagged).toBe(true)
  })

  it('validates its options', async () => {
    await expect(detectSurges(() => new Map(), { now: Date.now(), alpha: 2 })).rejects.toThrow(/alpha/)
  })
})
