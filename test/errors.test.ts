/**
 * The error catalogue is one: every code has a template and a summary, is thrown somewhere in
 * the sources (a code nobody throws is a promise nobody keeps), and has its row in the README's
 * error table, so a caller can branch on `error.code` knowing what each one means.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_CATALOGUE, isKotaeError, KotaeError, type KotaeErrorCode } from '../src/index.js'
import { createError } from '../src/errors.js'

const codes = Object.keys(ERROR_CATALOGUE) as KotaeErrorCode[]

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []))
}

describe('the error catalogue', () => {
  it('throws every code somewhere in the sources, through createError', () => {
    const text = sources('src').filter((f) => !f.endsWith('errors.ts')).map((f) => readFileSync(f, 'utf8')).join('\n')
    const unthrown = codes.filter((code) => !text.includes(`createError('${code}'`))
    expect(unthrown).toEqual([])
    // The one way to build one: no throw site writes its own message.
    expect(text.match(/new KotaeError\(/g) ?? []).toEqual([])
  })

  it('documents every code in the README error table, and nothing else', () => {
    const readme = readFileSync('README.md', 'utf8')
    const table = readme.slice(readme.indexOf('## Errors'))
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(rows.sort()).toEqual([...codes].sort())
  })

  it('makes each message from the code template, with typed details a caller can branch on', () => {
    const error = createError('KB_NOT_FOUND', { dir: '/srv/kb', reason: 'manifest.json is missing' })
    expect(error).toBeInstanceOf(KotaeError)
    expect(error.message).toBe('no knowledge base at /srv/kb: manifest.json is missing')
    const caught: unknown = error
    if (!isKotaeError(caught, 'KB_NOT_FOUND')) throw new Error('expected KB_NOT_FOUND')
    expect(caught.details.dir).toBe('/srv/kb')
    expect(isKotaeError(caught, 'KB_CORRUPT')).toBe(false)
    for (const code of codes) expect(ERROR_CATALOGUE[code].summary.length).toBeGreaterThan(10)
  })
})
