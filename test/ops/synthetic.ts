import { DAY, HOUR } from './helpers.js'
import { mulberry32 } from '../../src/random.js'


/** A Poisson draw (Knuth's method; a normal approximation above λ = 50), for synthetic event counts. */
export function poisson(lambda: number, rand: () => number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss(rand)))
  const l = Math.exp(-lambda)
  let k = 0
  let p = 1
  do {
    k++
    p *= rand()
  } while (p > l)
  return k - 1
}

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand())
}

/** Support-desk rhythm: busy office hours, quiet nights, quieter weekends (times in UTC). */
export function rhythm(t: number): number {
  const d = new Date(t)
  const h = d.getUTCHours()
  const daily = h < 7 ? 0.1 : h < 9 ? 0.8 : h < 18 ? 2.2 : h < 22 ? 1.2 : 0.3
  const dow = d.getUTCDay()
  return daily * (dow === 0 || dow === 6 ? 0.5 : 1.1)
}

/** Events per key per hour between start and end: Poisson(base × rhythm), at uniform times inside the hour. */
export function synthesize(keys: Record<string, number>, start: number, end: number, seed = 1): { key: string; time: number }[] {
  const rand = mulberry32(seed)
  const out: { key: string; time: number }[] = []
  for (let h = start; h < end; h += HOUR) {
    const f = rhythm(h)
    for (const [key, base] of Object.entries(keys)) {
      const n = poisson(base * f, rand)
      for (let i = 0; i < n; i++) out.push({ key, time: h + Math.floor(rand() * HOUR) })
    }
  }
  return out
}

export const T0 = Date.parse('2026-03-02T00:00:00Z') // a Monday
export const SPAN = 6 * 7 * DAY
