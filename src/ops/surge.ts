/**
 * Surge alerts: is the volume of an entry (or of an unanswered cluster) in the last window far
 * above its own normal level for that time of the week?
 *
 * THE RULE. Let k be the count in the recent window [now - w, now) (w = 1 hour by default), and
 * b_1..b_m the counts in the same window shifted back by 1..m whole weeks (m = 4 by default;
 * only weeks fully inside the log's history are used). Support traffic has a strong daily and
 * weekly rhythm (Monday 10:00 is busy, Sunday 04:00 is not), so comparing with the same hour of
 * the week removes the rhythm without having to model it. Under "no surge", the recent window
 * and the m baseline windows share one Poisson rate, so given the total n = k + Σb_i, k follows
 * Binomial(n, 1/(m+1)) — the exact conditional test for equal Poisson rates. Unlike plugging the
 * baseline mean into a Poisson tail, it accounts for the baseline itself being a noisy estimate
 * from only m weeks. Flag when ALL hold:
 *   p = P[Binomial(n, 1/(m+1)) ≥ k] < alpha (default 0.001: hundreds of entries are tested every
 *       hour, so at 0.05 there would be false alerts all day long),
 *   k ≥ minCount (default 8: a rise from 0 to 3 is significant but not worth waking anyone), and
 *   k ≥ minRatio × mean(b) (default 1.5: real traffic is over-dispersed, so a busy entry moving
 *       from 40 to 52 is noise even if a pure Poisson test calls it significant).
 * Without a single full week of history, the previous 24 windows (the last day) are the
 * baseline instead (`basis: 'previous-windows'`): weaker, since it ignores daily rhythm.
 */
import { z } from 'zod'
import type { Awaitable } from '../hitlog/reader.js'
import { parseOptions } from '../schema.js'

/** The surge rule's parameters (see the module comment), with their defaults. */
export const SurgeRuleSchema = z.object({
  /** Recent window length, ms. */
  windowMs: z.number().positive().default(3600_000),
  /** Number of past weeks used as baseline. */
  baselineWeeks: z.number().int().min(1).max(52).default(4),
  /** Significance level of the one-sided test (small: hundreds of entries are tested every hour). */
  alpha: z.number().gt(0).lt(1).default(0.001),
  /** Minimum count in the recent window (a rise from 0 to 3 is not worth waking anyone). */
  minCount: z.number().int().min(1).default(8),
  /** Minimum ratio of recent count to the baseline mean (real traffic is over-dispersed). */
  minRatio: z.number().min(1).default(1.5),
})
/** The surge rule's parameters, as a caller writes them. */
export type SurgeRule = z.input<typeof SurgeRuleSchema>
/** The defaults of the surge rule. */
export const DEFAULT_SURGE_RULE: z.output<typeof SurgeRuleSchema> = Object.freeze(SurgeRuleSchema.parse({}))

/** Options of {@link detectSurges} and {@link baselineWindows}: the rule, and the window's end. */
export const SurgeOptionsSchema = SurgeRuleSchema.extend({
  /** End of the recent window, ms (exclusive). */
  now: z.number().finite(),
  /** Earliest time with data (ms); baseline windows starting before it are not used (default: all are). */
  historyStart: z.number().finite().optional(),
})
/** Options of {@link detectSurges}, as a caller writes them. */
export type SurgeOptions = z.input<typeof SurgeOptionsSchema>
type ResolvedSurgeOptions = z.output<typeof SurgeOptionsSchema>
type ResolvedSurgeRule = z.output<typeof SurgeRuleSchema>

/** The verdict for one key (an entry id or a cluster id). */
export interface SurgeResult {
  key: string
  /** Count in the recent window. */
  count: number
  /** Mean count of the baseline windows. */
  expected: number
  /** Counts of the baseline windows, most recent first. */
  baseline: number[]
  /** One-sided p-value of the conditional binomial test. */
  pValue: number
  ratio: number
  flagged: boolean
  basis: 'same-hour-of-week' | 'previous-windows'
  windowStart: number
  windowEnd: number
}

const WEEK = 7 * 24 * 3600_000

function logChoose(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
}

// Lanczos approximation of ln Γ(x), accurate to ~1e-13 for x > 0.
const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]
function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x)
  x -= 1
  let a = 0.99999999999980993
  const t = x + 7.5
  for (let i = 0; i < 8; i++) a += LANCZOS[i] / (x + i + 1)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/** P[Binomial(n, q) ≥ k], summed in log space (exact for the counts a log produces). */
export function binomialUpperTail(n: number, q: number, k: number): number {
  if (k <= 0) return 1
  if (k > n) return 0
  if (q <= 0) return 0
  if (q >= 1) return 1
  const lq = Math.log(q)
  const l1q = Math.log1p(-q)
  let sum = 0
  for (let j = k; j <= n; j++) {
    const term = Math.exp(logChoose(n, j) + j * lq + (n - j) * l1q)
    sum += term
    if (term < sum * 1e-16 && j > n * q) break
  }
  return Math.min(1, sum)
}

/** The baseline windows the rule uses for a recent window ending at `now` (see the module comment). */
export function baselineWindows(options: SurgeOptions): { basis: SurgeResult['basis']; windows: [number, number][] } {
  return windowsOf(parseOptions(SurgeOptionsSchema, options, 'baselineWindows'))
}

function windowsOf(opts: ResolvedSurgeOptions): { basis: SurgeResult['basis']; windows: [number, number][] } {
  const w = opts.windowMs
  const start = opts.historyStart ?? -Infinity
  const weekly: [number, number][] = []
  for (let i = 1; i <= opts.baselineWeeks; i++) {
    const from = opts.now - w - i * WEEK
    if (from >= start) weekly.push([from, from + w])
  }
  if (weekly.length > 0) return { basis: 'same-hour-of-week', windows: weekly }
  const prev: [number, number][] = []
  const n = Math.max(1, Math.round((24 * 3600_000) / w))
  for (let i = 1; i <= n; i++) {
    const from = opts.now - w - i * w
    if (from >= start) prev.push([from, from + w])
  }
  return { basis: 'previous-windows', windows: prev }
}

/** Apply the rule to one recent count and its baseline counts. */
export function surgeTest(count: number, baseline: number[], rule: SurgeRule = {}): { pValue: number; expected: number; ratio: number; flagged: boolean } {
  return testOf(count, baseline, parseOptions(SurgeRuleSchema, rule, 'surgeTest'))
}

function testOf(count: number, baseline: number[], rule: ResolvedSurgeRule): { pValue: number; expected: number; ratio: number; flagged: boolean } {
  const m = baseline.length
  const total = baseline.reduce((a, b) => a + b, 0)
  const expected = m > 0 ? total / m : 0
  const pValue = m > 0 ? binomialUpperTail(count + total, 1 / (m + 1), count) : 1
  const ratio = expected > 0 ? count / expected : count > 0 ? Infinity : 0
  const flagged = m > 0 && pValue < rule.alpha && count >= rule.minCount && count >= rule.minRatio * expected
  return { pValue, expected, ratio, flagged }
}

/**
 * Run the surge rule for every key with activity in the recent window. `count(from, to)`
 * returns counts per key in [from, to) (an SQL aggregate for entries, an in-memory count for
 * clusters), or a Promise of them (a store that answers asynchronously); the windows are counted
 * one after another. Results are sorted flagged first, then by p-value. Rejects with
 * `INVALID_OPTIONS` for options outside the rule's ranges.
 */
export async function detectSurges(count: (from: number, to: number) => Awaitable<Map<string, number>>, options: SurgeOptions): Promise<SurgeResult[]> {
  const opts = parseOptions(SurgeOptionsSchema, options, 'detectSurges')
  const w = opts.windowMs
  const recent = await count(opts.now - w, opts.now)
  const { basis, windows } = windowsOf(opts)
  const past: Map<string, number>[] = []
  for (const [from, to] of windows) past.push(await count(from, to))
  const out: SurgeResult[] = []
  for (const [key, k] of recent) {
    if (k <= 0) continue
    const baseline = past.map((m) => m.get(key) ?? 0)
    const t = testOf(k, baseline, opts)
    out.push({ key, count: k, baseline, ...t, basis, windowStart: opts.now - w, windowEnd: opts.now })
  }
  out.sort((a, b) => Number(b.flagged) - Number(a.flagged) || a.pValue - b.pValue || b.count - a.count)
  return out
}

/** Counts per key in [from, to) from an in-memory list of timestamped keys (sorted or not). */
export function countWindow(events: { key: string; time: number }[]): (from: number, to: number) => Map<string, number> {
  const sorted = [...events].sort((a, b) => a.time - b.time)
  const times = sorted.map((e) => e.time)
  const lowerBound = (t: number) => {
    let lo = 0
    let hi = times.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (times[mid] < t) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  return (from, to) => {
    const m = new Map<string, number>()
    for (let i = lowerBound(from), end = lowerBound(to); i < end; i++) m.set(sorted[i].key, (m.get(sorted[i].key) ?? 0) + 1)
    return m
  }
}
