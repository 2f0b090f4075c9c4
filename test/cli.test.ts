/**
 * The `kotae` command as a user runs it: a real process (`node --import tsx src/cli/main.ts`),
 * exit codes, stdout/stderr. Few spawns on small data; independent ones run concurrently.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kotae, ROOT, type Run } from './helpers/cli.js'
import { countTokens, METRIC_NAMES, type AskResult } from '../src/index.js'
import { MINI_CALIB, MINI_FAQ, MINI_QUERIES, miniFaqJsonl, queriesJsonl } from './fixtures/mini-faq.js'

const MALFORMED = join(ROOT, 'fixtures', 'malformed')



let tmp: string
let faqPath: string
let kbDir: string
let setDir: string
let build: Run
let runs: Record<'help' | 'ask' | 'askMissing' | 'context' | 'checkGood' | 'checkEmptyAnswer' | 'checkDuplicates' | 'eval', Run>

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kotae-cli-test-'))
  faqPath = join(tmp, 'faq.jsonl')
  writeFileSync(faqPath, miniFaqJsonl(MINI_FAQ.slice(0, 16)))
  kbDir = join(tmp, 'kb')
  setDir = join(tmp, 'set')
  mkdirSync(setDir)
  writeFileSync(join(setDir, 'faq.jsonl'), miniFaqJsonl())
  writeFileSync(join(setDir, 'queries.jsonl'), queriesJsonl(MINI_QUERIES))
  writeFileSync(join(setDir, 'calib.jsonl'), queriesJsonl(MINI_CALIB))

  const independent = Promise.all([
    kotae('--help'),
    kotae('ask', join(tmp, 'no-such-kb'), '送料は?'),
    kotae('check', faqPath),
    kotae('check', join(MALFORMED, 'empty-answer.csv')),
    kotae('check', join(MALFORMED, 'duplicate-ids.csv')),
    kotae('eval', setDir, '--json'),
  ])
  build = await kotae('build', faqPath, '-o', kbDir)
  const [ask, context] = await Promise.all([kotae('ask', kbDir, '배송비는 얼마인가요?', '--json'), kotae('context', kbDir, 'How much is shipping?', '--max-tokens', '120')])
  const [help, askMissing, checkGood, checkEmptyAnswer, checkDuplicates, evalRun] = await independent
  runs = { help, ask, askMissing, context, checkGood, checkEmptyAnswer, checkDuplicates, eval: evalRun }
}, 120_000)

afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('kotae CLI', () => {
  it('--help lists the commands and exits 0', () => {
    const { code, stdout } = runs.help
    expect(code).toBe(0)
    for (const command of ['build', 'ask', 'check', 'eval', 'context']) expect(stdout).toMatch(new RegExp(`^\\s+${command} `, 'm'))
  })

  it('build writes a knowledge base and says what it built', () => {
    expect(build.code, build.stderr).toBe(0)
    expect(build.stdout).toContain(`built ${kbDir}: 16 entries, 64 phrasings, embedder builtin-hash-v1:256`)
    expect(build.stdout).toMatch(/calibration: self, answer threshold/)
    expect(existsSync(join(kbDir, 'manifest.json'))).toBe(true)
  })

  it('ask --json prints the full typed result', () => {
    const { code, stdout, stderr } = runs.ask
    expect(code, stderr).toBe(0)
    const result = JSON.parse(stdout) as AskResult
    expect(result.query).toBe('배송비는 얼마인가요?')
    expect(result.language).toBe('ko')
    expect(['answer', 'clarify', 'escalate']).toContain(result.decision)
    expect(result.candidates[0].id).toBe('shipping-fee-ko')
    expect(new Set(result.candidates.map((c) => c.id)).size).toBe(result.candidates.length)
    expect(result.confidence).toBe(result.candidates[0].confidence)
    if (result.decision === 'answer') expect(result.answer?.text).toBe(MINI_FAQ.find((e) => e.id === 'shipping-fee-ko')!.answer)
  })

  it('ask on a missing knowledge base prints error [KB_NOT_FOUND] and exits 1', () => {
    const { code, stderr } = runs.askMissing
    expect(code).toBe(1)
    expect(stderr).toMatch(/^error \[KB_NOT_FOUND\]: .*no-such-kb/m)
  })

  it('context --max-tokens prints a block within the budget, best entry first', () => {
    const { code, stdout, stderr } = runs.context
    expect(code, stderr).toBe(0)
    const text = stdout.replace(/\n$/, '')
    expect(text).toContain('Question: How much is shipping?')
    expect(text).toContain('[shipping-fee-en]')
    expect(text.indexOf('[shipping-fee-en]')).toBe(text.indexOf('\n[') + 1)
    expect(countTokens(text)).toBeLessThanOrEqual(120)
    const reported = /\((\d+) tokens; entries ([^;)]*)/.exec(stderr)
    expect(reported, stderr).not.toBeNull()
    expect(Number(reported![1])).toBe(countTokens(text))
    expect(reported![2].split(', ')[0]).toBe('shipping-fee-en')
  })

  it('check on a good file reports it clean and exits 0', () => {
    const { code, stdout } = runs.checkGood
    expect(code).toBe(0)
    expect(stdout).toMatch(/16 row\(s\) read, 16 entries imported, 0 row\(s\) not imported, 0 error\(s\)/)
  })

  it('check on a malformed file names the row and field and exits 1', () => {
    expect(runs.checkEmptyAnswer.code).toBe(1)
    expect(runs.checkEmptyAnswer.stdout).toContain('row 3, field answer')
    expect(runs.checkDuplicates.code).toBe(1)
    expect(runs.checkDuplicates.stdout).toMatch(/row 4, field id: duplicate id "ship-fee"/)
  })

  it('eval --json prints the report with every FORMAT.md metric', () => {
    const { code, stdout, stderr } = runs.eval
    expect(code, stderr).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.calibration).toBe('calib.jsonl')
    expect(report.metrics.n).toBe(MINI_QUERIES.length)
    for (const name of METRIC_NAMES) {
      expect(typeof report.metrics[name], name).toBe('number')
      expect(stdout).toContain(`"${name}"`)
    }
  })
})

describe('kotae check --column', () => {
  it('maps non-standard headers to fields, and without the mapping reports the missing column', async () => {
    const csv = join(tmp, 'custom-headers.csv')
    writeFileSync(csv, 'No,言語,お問い合わせ内容,回答文\nq1,ja,送料はいくらですか,"全国一律550円です。5,000円以上で無料です。"\n')
    const without = await kotae('check', csv)
    expect(without.code).toBe(1)
    expect(without.stdout + without.stderr).toMatch(/question/)
    const mapped = await kotae('check', csv, '--column', 'お問い合わせ内容=question', '--column', '回答文=answer', '--column', 'No=id')
    expect(mapped.code, mapped.stdout + mapped.stderr).toBe(0)
    expect(mapped.stdout).toMatch(/1 entr/)
  })
})

describe('kotae CLI small things a user relies on', () => {
  it('--version prints the package version', async () => {
    const run = await kotae('--version')
    expect(run.code).toBe(0)
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  })

  it('ask --log prints the event id that kotae feedback takes, and feedback accepts it', async () => {
    const log = join(tmp, 'ask-log.sqlite')
    const asked = await kotae('ask', kbDir, '送料はいくらですか?', '--log', log)
    expect(asked.code, asked.stderr).toBe(0)
    const eventId = asked.stdout.match(/^event (\S+)/m)?.[1]
    expect(eventId).toBeDefined()
    const fed = await kotae('feedback', kbDir, eventId!, '--helpful', '--log', log)
    expect(fed.code, fed.stderr).toBe(0)
    expect(fed.stdout).toContain(eventId!)
  })

  it('contradictory feedback flags are an error', async () => {
    const run = await kotae('feedback', kbDir, 'some-event', '--helpful', '--not-helpful')
    expect(run.code).not.toBe(0)
    expect(run.stderr).toContain('exactly one of')
  })

  it('--column help shows no "(default: {})"', async () => {
    const run = await kotae('check', '--help')
    expect(run.stdout).toContain('--column')
    expect(run.stdout).not.toContain('{}')
  })
})

describe('kotae build --lock-timeout', () => {
  it('fails with KB_LOCKED naming the holder when another writer holds the folder longer than the timeout', async () => {
    const { acquireWriteLock } = await import('../src/kb/lock.js')
    const lock = await acquireWriteLock(kbDir, 'gen-0000000-00000000')
    try {
      const run = await kotae('build', faqPath, '-o', kbDir, '--lock-timeout', '0')
      expect(run.code).not.toBe(0)
      expect(run.stderr).toContain('KB_LOCKED')
      expect(run.stderr).toContain(String(process.pid))
    } finally {
      await lock.release()
    }
  })
})
