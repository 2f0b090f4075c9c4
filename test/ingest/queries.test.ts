/** readLabelledQueries: benchmark and calibration queries (FORMAT.md), every bad line named. */
import { describe, expect, it } from 'vitest'
import { readLabelledQueries } from '../../src/ingest/index.js'
import { rejection } from './helpers.js'

const fx = (dir: string, name: string) => new URL(`../../fixtures/${dir}/${name}`, import.meta.url).pathname

describe('readLabelledQueries', () => {
  it('reads queries.jsonl per FORMAT.md, including null expected', async () => {
    const queries = await readLabelledQueries(fx('import', 'queries.jsonl'))
    expect(queries).toEqual([
      { query: '荷物はいつ届く?', lang: 'ja', expected: 'ja-shipping-time' },
      { query: '환불 언제 돼요', lang: 'ko', expected: 'ko-refund' },
      { query: '能用微信付款吗', expected: 'zh-payment' },
      { query: '今日の天気は?', lang: 'ja', expected: null },
    ])
  })

  it('throws QUERIES_INVALID naming each bad line and field', async () => {
    const err = await rejection(readLabelledQueries(fx('malformed', 'bad-queries.jsonl')))
    expect(err.code).toBe('QUERIES_INVALID')
    expect(err.message).toContain('row 2 (query): query must not be empty')
    expect(err.message).toContain('row 3 (expected): expected is missing (use null for out-of-scope queries)')
    expect(err.message).toMatch(/row 4: not valid JSON/)
    expect(err.details.problems).toEqual([
      { row: 2, field: 'query', message: 'query must not be empty' },
      { row: 3, field: 'expected', message: 'expected is missing (use null for out-of-scope queries)' },
      { row: 4, message: expect.stringContaining('not valid JSON') },
    ])
  })

  it('throws QUERIES_INVALID for a missing file, naming it', async () => {
    const err = await rejection(readLabelledQueries(fx('import', 'nope.jsonl')))
    expect(err.code).toBe('QUERIES_INVALID')
    expect(err.message).toContain('nope.jsonl')
    expect(err.message).toContain('no such file')
  })
})
