/**
 * The public surface is reviewed as a file: `api/kotae.api.md` lists every export of every entry
 * point (package.json `exports`) with its signature, and must match the sources; every type a
 * public signature uses must be exported (a caller can name it). Regenerate with
 * `npx tsx scripts/api-report.ts` and review the diff.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { apiReport, entryPoints } from '../../scripts/api-report.js'

describe('the API report', () => {
  it('covers the entry points ".", "./ingest", "./ops", "./eval", "./serve" and "./postgres"', () => {
    expect(entryPoints().map((e) => e.subpath)).toEqual(['.', './ingest', './ops', './eval', './serve', './postgres'])
  })

  it('is up to date, and no public signature uses a type that is not exported', { timeout: 180_000 }, () => {
    const { text, unexported } = apiReport()
    expect(unexported).toEqual([])
    expect(text === readFileSync('api/kotae.api.md', 'utf8'), 'api/kotae.api.md is stale: run npx tsx scripts/api-report.ts and review the diff').toBe(true)
  })
})
